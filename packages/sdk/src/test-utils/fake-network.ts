// An in-memory identity service for unit tests: verifies and stores identity updates, answers
// inbox lookups from the resulting states, keeps uploaded key packages, and counts every call.
// Group and welcome calls answer "nothing there"; anything else fails.

import { ApiError, GrpcStatus, type XmtpApiClient } from "@x/api";
import {
  type AssociationState,
  applyUpdate,
  identityUpdateFromProto,
  verifyIdentityUpdate,
} from "@x/id";
import { create } from "@x/proto";
import {
  GetIdentityUpdatesResponseSchema,
  GetInboxIdsResponseSchema,
} from "@x/proto/identity/api/v1";
import type { IdentityUpdate } from "@x/proto/identity/associations";
import {
  FetchKeyPackagesResponseSchema,
  GetNewestGroupMessageResponseSchema,
  QueryGroupMessagesResponseSchema,
  QueryWelcomeMessagesResponseSchema,
  type WelcomeMessage,
} from "@x/proto/mls/api/v1";

type Api = XmtpApiClient;

async function* idle(signal: AbortSignal | undefined): AsyncGenerator<never> {
  await new Promise<void>((resolve) => {
    if (signal === undefined || signal.aborted) return resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

export class FakeNetwork implements Api {
  readonly calls: string[] = [];
  readonly updates = new Map<string, { sequenceId: bigint; update: IdentityUpdate }[]>();
  readonly states = new Map<string, AssociationState>();
  readonly published: IdentityUpdate[] = [];
  keyPackages = 0;
  #seq = 0n;

  private call(name: string): void {
    this.calls.push(name);
  }

  count(name: string): number {
    return this.calls.filter((c) => c === name).length;
  }

  publishIdentityUpdate: Api["publishIdentityUpdate"] = async (request) => {
    this.call("publishIdentityUpdate");
    const update = request.identityUpdate!;
    const verified = await verifyIdentityUpdate(identityUpdateFromProto(update));
    const state = applyUpdate(this.states.get(update.inboxId), verified);
    this.states.set(update.inboxId, state);
    const list = this.updates.get(update.inboxId) ?? [];
    list.push({ sequenceId: ++this.#seq, update });
    this.updates.set(update.inboxId, list);
    this.published.push(update);
  };

  getIdentityUpdates: Api["getIdentityUpdates"] = async (request) => {
    this.call("getIdentityUpdates");
    return create(GetIdentityUpdatesResponseSchema, {
      responses: request.requests.map((r) => ({
        inboxId: r.inboxId,
        updates: (this.updates.get(r.inboxId) ?? [])
          .filter((u) => u.sequenceId > r.sequenceId)
          .map((u) => ({ sequenceId: u.sequenceId, serverTimestampNs: 0n, update: u.update })),
      })),
    });
  };

  getInboxIds: Api["getInboxIds"] = async (request) => {
    this.call("getInboxIds");
    return create(GetInboxIdsResponseSchema, {
      responses: request.requests.map((r) => {
        const want = r.identifier.toLowerCase();
        const inbox = [...this.states.values()].find((s) =>
          s.identifiers().some((i) => i.kind === "ethereum" && i.address.toLowerCase() === want),
        );
        return {
          identifier: r.identifier,
          identifierKind: r.identifierKind,
          ...(inbox === undefined ? {} : { inboxId: inbox.inboxId }),
        };
      }),
    });
  };

  verifySmartContractWalletSignatures: Api["verifySmartContractWalletSignatures"] = async () => {
    this.call("verifySmartContractWalletSignatures");
    throw new ApiError(
      "api.unimplemented",
      GrpcStatus.UNIMPLEMENTED,
      "no smart-contract wallets here",
    );
  };

  uploadKeyPackage: Api["uploadKeyPackage"] = async () => {
    this.call("uploadKeyPackage");
    this.keyPackages++;
  };

  fetchKeyPackages: Api["fetchKeyPackages"] = async () => {
    this.call("fetchKeyPackages");
    return create(FetchKeyPackagesResponseSchema, {});
  };

  /** Welcomes served to every installation (tests put malformed ones here). */
  readonly welcomes: WelcomeMessage[] = [];

  queryWelcomeMessages: Api["queryWelcomeMessages"] = async (request) => {
    this.call("queryWelcomeMessages");
    const after = request.pagingInfo?.idCursor ?? 0n;
    return create(QueryWelcomeMessagesResponseSchema, {
      messages: this.welcomes.filter((w) => (w.version.value?.id ?? 0n) > after),
    });
  };

  queryGroupMessages: Api["queryGroupMessages"] = async () => {
    this.call("queryGroupMessages");
    return create(QueryGroupMessagesResponseSchema, {});
  };

  getNewestGroupMessage: Api["getNewestGroupMessage"] = async () => {
    this.call("getNewestGroupMessage");
    return create(GetNewestGroupMessageResponseSchema, {});
  };

  subscribeGroupMessages: Api["subscribeGroupMessages"] = (_request, options) => {
    this.call("subscribeGroupMessages");
    options?.onOpen?.();
    return idle(options?.signal);
  };

  subscribeWelcomeMessages: Api["subscribeWelcomeMessages"] = (_request, options) => {
    this.call("subscribeWelcomeMessages");
    options?.onOpen?.();
    return idle(options?.signal);
  };

  sendGroupMessages: Api["sendGroupMessages"] = async () => {
    throw new ApiError(
      "api.unimplemented",
      GrpcStatus.UNIMPLEMENTED,
      "no groups in the fake network",
    );
  };

  sendWelcomeMessages: Api["sendWelcomeMessages"] = async () => {
    throw new ApiError(
      "api.unimplemented",
      GrpcStatus.UNIMPLEMENTED,
      "no groups in the fake network",
    );
  };

  batchPublishCommitLog: Api["batchPublishCommitLog"] = async () => {};

  batchQueryCommitLog: Api["batchQueryCommitLog"] = async () => {
    throw new ApiError(
      "api.unimplemented",
      GrpcStatus.UNIMPLEMENTED,
      "no commit log in the fake network",
    );
  };
}
