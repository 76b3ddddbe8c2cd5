// xmtp.identity.api.v1.IdentityApi with the semantics of xmtp-node-go
// (pkg/identity/api/v1/identity_service.go, pkg/mls/store/store.go).
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { parseAccountId, type SmartContractSignatureVerifier } from "@x/id";
import {
  type GetIdentityUpdatesRequest,
  GetIdentityUpdatesResponseSchema,
  type GetInboxIdsRequest,
  GetInboxIdsResponseSchema,
  type PublishIdentityUpdateRequest,
  PublishIdentityUpdateResponseSchema,
  type VerifySmartContractWalletSignaturesRequest,
  type VerifySmartContractWalletSignaturesResponse,
  VerifySmartContractWalletSignaturesResponseSchema,
} from "@x/proto/identity/api/v1";
import { IdentityUpdateSchema } from "@x/proto/identity/associations";
import {
  type IdentityUpdateValidator,
  IdentityValidatorUnavailableError,
  InvalidIdentityUpdateError,
} from "../identity/validator.js";
import type { NodeStore } from "../store/store.js";
import { KeyedMutex } from "../sync.js";
import { checkCount, REQUEST_LIMITS } from "./limits.js";

/** node-go refuses updates to an inbox that already has this many. */
export const MAX_INBOX_UPDATES = 256;

export interface IdentityServiceDeps {
  store: NodeStore;
  validator: IdentityUpdateValidator;
  scwVerifier?: SmartContractSignatureVerifier;
  now: () => bigint;
}

export class IdentityService {
  // Updates to one inbox are validated against its history and stored one at a time.
  private readonly inboxLocks = new KeyedMutex();

  constructor(private readonly deps: IdentityServiceDeps) {}

  async publishIdentityUpdate(req: PublishIdentityUpdateRequest) {
    const update = req.identityUpdate;
    if (!update) throw new ConnectError("no identity update", Code.InvalidArgument);
    if (!/^[0-9a-f]{64}$/.test(update.inboxId)) {
      throw new ConnectError(
        `inbox id ${JSON.stringify(update.inboxId)} is not 64 lowercase hex characters`,
        Code.InvalidArgument,
      );
    }
    if (update.actions.length === 0) {
      throw new ConnectError("identity update has no actions", Code.InvalidArgument);
    }
    await this.inboxLocks.run(update.inboxId, async () => {
      const log = await this.deps.store.inboxLog(update.inboxId);
      if (log.length >= MAX_INBOX_UPDATES) {
        throw new ConnectError(
          `inbox log is full: inbox ${update.inboxId} already has ${MAX_INBOX_UPDATES} identity updates`,
          Code.FailedPrecondition,
        );
      }
      const history = log.map((e) => fromBinary(IdentityUpdateSchema, e.update));
      let effect: Awaited<ReturnType<IdentityUpdateValidator["validate"]>>;
      try {
        effect = await this.deps.validator.validate(history, update);
      } catch (e) {
        if (e instanceof InvalidIdentityUpdateError) {
          throw new ConnectError(`invalid identity update: ${e.message}`, Code.InvalidArgument);
        }
        if (e instanceof IdentityValidatorUnavailableError) {
          throw new ConnectError(
            `cannot verify the identity update now: ${e.message}`,
            Code.Unavailable,
          );
        }
        throw e;
      }
      await this.deps.store.appendIdentityUpdate(
        update.inboxId,
        toBinary(IdentityUpdateSchema, update),
        effect,
        this.deps.now(),
      );
    });
    return create(PublishIdentityUpdateResponseSchema, {});
  }

  async getIdentityUpdates(req: GetIdentityUpdatesRequest) {
    checkCount(
      "GetIdentityUpdates inbox ids",
      req.requests.length,
      REQUEST_LIMITS.identityUpdateRequests,
    );
    const logs = await this.deps.store.inboxLogs(
      req.requests.map((r) => ({ inboxId: r.inboxId, afterSequenceId: r.sequenceId })),
    );
    const responses = req.requests.map((r, i) => ({
      inboxId: r.inboxId,
      updates: logs[i]!.map((e) => ({
        sequenceId: e.sequenceId,
        serverTimestampNs: e.serverTimestampNs,
        update: fromBinary(IdentityUpdateSchema, e.update),
      })),
    }));
    return create(GetIdentityUpdatesResponseSchema, { responses });
  }

  async getInboxIds(req: GetInboxIdsRequest) {
    checkCount("GetInboxIds identifiers", req.requests.length, REQUEST_LIMITS.inboxIdRequests);
    const inboxIds = await this.deps.store.inboxIdsFor(req.requests.map((r) => r.identifier));
    return create(GetInboxIdsResponseSchema, {
      responses: req.requests.map((r, i) => ({
        identifier: r.identifier,
        identifierKind: r.identifierKind,
        inboxId: inboxIds[i],
      })),
    });
  }

  /** One answer per signature, in order; a signature that cannot be checked is reported invalid with the reason. */
  async verifySmartContractWalletSignatures(
    req: VerifySmartContractWalletSignaturesRequest,
  ): Promise<VerifySmartContractWalletSignaturesResponse> {
    const verifier = this.deps.scwVerifier;
    const responses = await Promise.all(
      req.signatures.map(async (s) => {
        if (!verifier) {
          return {
            isValid: false,
            error:
              "this node has no chain RPC configured to verify smart-contract wallet signatures",
          };
        }
        try {
          const result = await verifier.isValidSignature({
            accountId: parseAccountId(s.accountId),
            hash: s.hash,
            signature: s.signature,
            blockNumber: s.blockNumber,
          });
          return { isValid: result.isValid, blockNumber: result.blockNumber, error: result.error };
        } catch (e) {
          return { isValid: false, error: (e as Error).message };
        }
      }),
    );
    return create(VerifySmartContractWalletSignaturesResponseSchema, { responses });
  }
}
