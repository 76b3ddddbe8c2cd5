// An in-memory XmtpApiClient for wrapper tests: records every request, serves paged queries
// with the node's rules, and fails on demand.
import { create } from "@bufbuild/protobuf";
import {
  GetIdentityUpdatesResponseSchema,
  GetInboxIdsResponseSchema,
  VerifySmartContractWalletSignaturesResponseSchema,
} from "@x/proto/identity/api/v1";
import {
  BatchQueryCommitLogResponseSchema,
  FetchKeyPackagesResponseSchema,
  GetNewestGroupMessageResponseSchema,
  type GroupMessage,
  GroupMessageSchema,
  QueryGroupMessagesResponseSchema,
  QueryWelcomeMessagesResponseSchema,
  SortDirection,
  type WelcomeMessage,
  WelcomeMessageSchema,
} from "@x/proto/mls/api/v1";
import type { XmtpApiClient } from "../client.js";

type Method = Exclude<keyof XmtpApiClient, "originatorAware">;
type RequestOf<M extends Method> = Parameters<XmtpApiClient[M]>[0];
export type Call = { method: Method; request: unknown };

export class FakeClient implements XmtpApiClient {
  calls: Call[] = [];
  /** Errors to throw, in order, before answering normally. */
  failures: unknown[] = [];
  groupMessages: GroupMessage[] = [];
  welcomes: WelcomeMessage[] = [];
  keyPackages = new Map<string, Uint8Array>();
  inboxes = new Map<string, string>();
  /** When set, FetchKeyPackages answers with this many entries. */
  keyPackageCountOverride: number | undefined;

  addGroupMessages(groupId: Uint8Array, count: number): void {
    for (let i = 0; i < count; i++) {
      const id = BigInt(this.groupMessages.length + 1);
      this.groupMessages.push(
        create(GroupMessageSchema, {
          version: { case: "v1", value: { id, groupId, data: Uint8Array.of(i & 0xff) } },
        }),
      );
    }
  }

  addWelcomes(installationKey: Uint8Array, count: number): void {
    for (let i = 0; i < count; i++) {
      const id = BigInt(this.welcomes.length + 1);
      this.welcomes.push(
        create(WelcomeMessageSchema, {
          version: { case: "v1", value: { id, installationKey, data: Uint8Array.of(i & 0xff) } },
        }),
      );
    }
  }

  private async record(method: Method, request: unknown): Promise<void> {
    this.calls.push({ method, request });
    await Promise.resolve();
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
  }

  callsTo<M extends Method>(method: M): RequestOf<M>[] {
    return this.calls.filter((c) => c.method === method).map((c) => c.request as RequestOf<M>);
  }

  async uploadKeyPackage(request: RequestOf<"uploadKeyPackage">) {
    await this.record("uploadKeyPackage", request);
  }
  async fetchKeyPackages(request: RequestOf<"fetchKeyPackages">) {
    await this.record("fetchKeyPackages", request);
    const keys = request.installationKeys;
    const count = this.keyPackageCountOverride ?? keys.length;
    return create(FetchKeyPackagesResponseSchema, {
      keyPackages: keys.slice(0, count).map((k) => ({
        keyPackageTlsSerialized:
          this.keyPackages.get(Buffer.from(k).toString("hex")) ?? new Uint8Array(),
      })),
    });
  }
  async sendGroupMessages(request: RequestOf<"sendGroupMessages">) {
    await this.record("sendGroupMessages", request);
  }
  async sendWelcomeMessages(request: RequestOf<"sendWelcomeMessages">) {
    await this.record("sendWelcomeMessages", request);
  }
  async queryGroupMessages(request: RequestOf<"queryGroupMessages">) {
    await this.record("queryGroupMessages", request);
    const p = request.pagingInfo;
    const asc = p?.direction === SortDirection.ASCENDING;
    const limit = p && p.limit > 0 && p.limit <= 100 ? p.limit : 100;
    const cursor: bigint = p?.idCursor ?? 0n;
    let rows = this.groupMessages.filter((m) =>
      Buffer.from(m.version.value!.groupId).equals(Buffer.from(request.groupId)),
    );
    rows = asc
      ? rows.filter((m) => cursor === 0n || m.version.value!.id > cursor)
      : rows.filter((m) => cursor === 0n || m.version.value!.id < cursor).reverse();
    rows = rows.slice(0, limit);
    return create(QueryGroupMessagesResponseSchema, {
      messages: rows,
      pagingInfo: {
        direction: p?.direction,
        limit,
        idCursor: rows.length === limit ? rows.at(-1)!.version.value!.id : 0n,
      },
    });
  }
  async queryWelcomeMessages(request: RequestOf<"queryWelcomeMessages">) {
    await this.record("queryWelcomeMessages", request);
    const p = request.pagingInfo;
    const limit = p && p.limit > 0 && p.limit <= 100 ? p.limit : 100;
    const cursor: bigint = p?.idCursor ?? 0n;
    const rows = this.welcomes
      .filter((m) =>
        Buffer.from(m.version.value!.installationKey).equals(Buffer.from(request.installationKey)),
      )
      .filter((m) => m.version.value!.id > cursor)
      .slice(0, limit);
    return create(QueryWelcomeMessagesResponseSchema, {
      messages: rows,
      pagingInfo: {
        direction: p?.direction,
        limit,
        idCursor: rows.length === limit ? rows.at(-1)!.version.value!.id : 0n,
      },
    });
  }
  async batchPublishCommitLog(request: RequestOf<"batchPublishCommitLog">) {
    await this.record("batchPublishCommitLog", request);
  }
  async batchQueryCommitLog(request: RequestOf<"batchQueryCommitLog">) {
    await this.record("batchQueryCommitLog", request);
    return create(BatchQueryCommitLogResponseSchema, {
      responses: request.requests.map((r) => ({ groupId: r.groupId })),
    });
  }
  async getNewestGroupMessage(request: RequestOf<"getNewestGroupMessage">) {
    await this.record("getNewestGroupMessage", request);
    return create(GetNewestGroupMessageResponseSchema, {
      responses: request.groupIds.map((g) => ({
        groupMessage: this.groupMessages
          .filter((m) => Buffer.from(m.version.value!.groupId).equals(Buffer.from(g)))
          .at(-1),
      })),
    });
  }
  async *subscribeGroupMessages(request: RequestOf<"subscribeGroupMessages">) {
    await this.record("subscribeGroupMessages", request);
    yield* this.groupMessages;
  }
  async *subscribeWelcomeMessages(request: RequestOf<"subscribeWelcomeMessages">) {
    await this.record("subscribeWelcomeMessages", request);
    yield* this.welcomes;
  }
  async publishIdentityUpdate(request: RequestOf<"publishIdentityUpdate">) {
    await this.record("publishIdentityUpdate", request);
  }
  async getIdentityUpdates(request: RequestOf<"getIdentityUpdates">) {
    await this.record("getIdentityUpdates", request);
    return create(GetIdentityUpdatesResponseSchema, {
      responses: request.requests.map((r) => ({ inboxId: r.inboxId, updates: [] })),
    });
  }
  async getInboxIds(request: RequestOf<"getInboxIds">) {
    await this.record("getInboxIds", request);
    return create(GetInboxIdsResponseSchema, {
      responses: request.requests.map((r) => ({
        identifier: r.identifier,
        inboxId: this.inboxes.get(r.identifier),
      })),
    });
  }
  async verifySmartContractWalletSignatures(
    request: RequestOf<"verifySmartContractWalletSignatures">,
  ) {
    await this.record("verifySmartContractWalletSignatures", request);
    return create(VerifySmartContractWalletSignaturesResponseSchema, {});
  }
}
