// Crash safety of intents (libxmtp mls_sync.rs): whatever a crash or a failed call left half done
// is finished on the next sync of the group.
//
// - Published, never came back: the payload did not reach the node (the sync before this already
//   read everything and matched our payloads by hash). A message is encrypted again with its
//   stored content and idempotency key (same message id); a commit is rebuilt on the current state.
// - ToPublish: a commit intent that was stored but not (or no longer) staged: built and published.
// - Committed, not Processed: the commit was merged but its welcomes may not have gone out; they
//   are sent from the post-commit data stored with the intent (a welcome twice is harmless: the
//   receiver ignores a group it already has).

import { fromHex, toHex } from "@x/crypto";
import { IntentKind, type IntentKind as IntentKindT, IntentState, type StoredIntent } from "@x/db";
import { buildWelcomeMessages, type WelcomeRecipient } from "../engine/index.js";
import type { ClientContext } from "./context.js";
import { ClientError } from "./errors.js";

/** A welcome recipient as stored with the intent (hex strings; the last three optional, added later). */
export interface StoredWelcomeRecipient {
  installationId: string;
  initKey: string;
  /** The key package's 0xff03 key and algorithm. */
  wrapperKey?: string;
  wrapperAlgorithm?: number;
  /** The key package reads welcome pointers (0xff04 with ChaCha20-Poly1305). */
  pointers?: boolean;
}

/** What an intent needs after its commit is merged: the welcome and who it is for. */
export interface PostCommit {
  welcome?: { message: string; recipients: StoredWelcomeRecipient[] };
}

export function storedRecipient(r: WelcomeRecipient): StoredWelcomeRecipient {
  return {
    installationId: toHex(r.installationId),
    initKey: toHex(r.initKey),
    ...(r.wrapper === undefined
      ? {}
      : { wrapperKey: toHex(r.wrapper.publicKey), wrapperAlgorithm: r.wrapper.algorithm }),
    ...(r.supportsWelcomePointers === true ? { pointers: true } : {}),
  };
}

function recipientOf(r: StoredWelcomeRecipient): WelcomeRecipient {
  return {
    installationId: fromHex(r.installationId),
    initKey: fromHex(r.initKey),
    wrapper:
      r.wrapperKey === undefined
        ? undefined
        : { algorithm: r.wrapperAlgorithm ?? 0, publicKey: fromHex(r.wrapperKey) },
    supportsWelcomePointers: r.pointers === true,
  };
}

/**
 * Wraps and sends the welcomes of a merged commit (with welcome pointers when more than two
 * recipients read them), in one SendWelcomeMessages batch, the pointee first; `commitCursor` is
 * the commit's server id.
 */
export async function sendPostCommitWelcomes(
  ctx: ClientContext,
  postCommitData: Uint8Array | null,
  commitCursor: bigint,
): Promise<void> {
  if (postCommitData === null) return;
  const post = JSON.parse(new TextDecoder().decode(postCommitData)) as PostCommit;
  if (post.welcome === undefined || post.welcome.recipients.length === 0) return;
  const welcomes = await buildWelcomeMessages(
    fromHex(post.welcome.message),
    post.welcome.recipients.map(recipientOf),
    commitCursor,
  );
  try {
    await ctx.api.sendWelcomeMessages(welcomes);
  } catch (e) {
    throw new ClientError(
      "CLIENT_WELCOME_SEND_FAILED",
      `the commit is merged but its welcomes were not sent (${e instanceof Error ? e.message : String(e)}); the next sync of the group sends them again`,
      { cause: e, retryable: true },
    );
  }
}

export interface ResumeHooks {
  /** Encrypts a stored, unpublished message again and publishes it. */
  republishMessage(intent: StoredIntent): Promise<void>;
  /** Builds and publishes a commit intent that is ToPublish. */
  publishCommit(intent: StoredIntent): Promise<void>;
}

const isMessage = (kind: IntentKindT) => kind === IntentKind.SendMessage;

/**
 * Finishes the group's unfinished intents, oldest first. Call after reading every message from
 * the node (so payloads that did land were matched already). Returns whether anything was sent.
 */
export async function resumeIntents(
  ctx: ClientContext,
  groupId: Uint8Array,
  hooks: ResumeHooks,
): Promise<boolean> {
  const pending = await ctx.db.intents.find(groupId, [
    IntentState.ToPublish,
    IntentState.Published,
    IntentState.Committed,
  ]);
  let sent = false;
  for (const intent of pending) {
    if (intent.state === IntentState.Committed) {
      if (!isMessage(intent.kind) && intent.cursor !== null) {
        await sendPostCommitWelcomes(ctx, intent.postCommitData, intent.cursor.sequenceId);
      }
      await ctx.db.intents.setState(intent.id, IntentState.Processed);
      sent = true;
      continue;
    }
    if (isMessage(intent.kind)) {
      await hooks.republishMessage(intent);
    } else {
      if (intent.state === IntentState.Published) await ctx.db.intents.setToPublish(intent.id);
      await hooks.publishCommit({ ...intent, state: IntentState.ToPublish });
    }
    sent = true;
  }
  return sent;
}
