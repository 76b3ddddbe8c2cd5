// Per-request bounds of the node: every list a request carries is bounded, so no single call can
// hold the node (or its database) for long. Each bound is far above what libxmtp sends (it asks
// for identity updates 50 inboxes at a time); past it the node answers InvalidArgument with the
// bound in the message. Message sizes are bounded by the server's readMaxBytes (50 MB, as
// node-go's --api.max-msg-size), answered with ResourceExhausted.
import { Code, ConnectError } from "@connectrpc/connect";

export const REQUEST_LIMITS = {
  /** GetIdentityUpdates: inbox ids per request. */
  identityUpdateRequests: 1_000,
  /** GetInboxIds: identifiers per request. */
  inboxIdRequests: 5_000,
  /** FetchKeyPackages: installation keys per request. */
  keyPackageRequests: 5_000,
  /** SubscribeGroupMessages / SubscribeWelcomeMessages: filters per subscription. */
  subscribeFilters: 10_000,
  /** SendGroupMessages: messages per request. */
  groupMessages: 1_000,
  /** SendWelcomeMessages: welcomes per request. */
  welcomeMessages: 1_000,
} as const;

/** Rows asked of the database per query (under every SQLite's bound-variable limit). */
export const QUERY_CHUNK = 500;

/** InvalidArgument when a request's list is longer than its bound. */
export function checkCount(what: string, n: number, max: number): void {
  if (n > max) {
    throw new ConnectError(
      `${what}: at most ${max} per request, got ${n}; send them in smaller requests`,
      Code.InvalidArgument,
    );
  }
}

/** Lets other requests run between the chunks of a long one. */
export const yieldToOthers = () => new Promise<void>((resolve) => setImmediate(resolve));
