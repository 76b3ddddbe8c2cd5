// The node's identity rules, from @x/id: every signature of an update verifies (ERC-191,
// installation keys, passkeys, legacy keys, smart-contract wallets through a chain verifier) and
// its actions apply to the inbox's state, as the validation service's GetAssociationState does
// for xmtp-node-go.

import { toBinary } from "@bufbuild/protobuf";
import { sha256 } from "@x/crypto";
import {
  AssociationError,
  type AssociationState,
  applyUpdate,
  DeserializationError,
  getState,
  IdentifierError,
  identityUpdateFromProto,
  type MemberIdentifier,
  SignatureError,
  type SmartContractSignatureVerifier,
  type IdentityUpdate as VerifiedUpdate,
  verifyIdentityUpdate,
} from "@x/id";
import { type IdentityUpdate, IdentityUpdateSchema } from "@x/proto/identity/associations";
import {
  type IdentityUpdateEffect,
  type IdentityUpdateValidator,
  IdentityValidatorUnavailableError,
  InvalidIdentityUpdateError,
} from "./validator.js";

export interface IdValidatorOptions {
  /** Verifies smart-contract-wallet (ERC-1271/6492) signatures; without it they are refused. */
  scwVerifier?: SmartContractSignatureVerifier;
  /** How many inbox states to keep verified in memory (default 10 000). */
  cacheSize?: number;
}

const addresses = (members: MemberIdentifier[]) =>
  members.flatMap((m) => (m.kind === "ethereum" ? [m.address] : []));

/** A digest of a whole log: which updates, in which order. */
function logDigest(updates: IdentityUpdate[]): string {
  const parts = updates.map((u) => sha256(toBinary(IdentityUpdateSchema, u)));
  const all = new Uint8Array(parts.length * 32);
  for (const [i, p] of parts.entries()) all.set(p, i * 32);
  return Buffer.from(sha256(all)).toString("hex");
}

export class IdIdentityValidator implements IdentityUpdateValidator {
  // The state after a given log of an inbox. A cached state is used only for exactly that log
  // (same count and same digest of its updates), so one validator can serve logs that differ
  // for the same inbox id (the v3 and the d14n network of one node).
  private readonly cache = new Map<
    string,
    { count: number; digest: string; state: AssociationState }
  >();
  private readonly cacheSize: number;

  constructor(private readonly options: IdValidatorOptions = {}) {
    this.cacheSize = options.cacheSize ?? 10_000;
  }

  private verify(update: IdentityUpdate): Promise<VerifiedUpdate> {
    return verifyIdentityUpdate(identityUpdateFromProto(update), {
      scwVerifier: this.options.scwVerifier,
    });
  }

  private async stateBefore(
    history: IdentityUpdate[],
    inboxId: string,
  ): Promise<AssociationState | undefined> {
    if (history.length === 0) return undefined;
    const cached = this.cache.get(inboxId);
    if (cached && cached.count === history.length && cached.digest === logDigest(history)) {
      return cached.state;
    }
    // Re-verify the stored log, as node-go's validation service does on every publish.
    const verified = await Promise.all(history.map((u) => this.verify(u)));
    return getState(verified);
  }

  async validate(history: IdentityUpdate[], update: IdentityUpdate): Promise<IdentityUpdateEffect> {
    try {
      const before = await this.stateBefore(history, update.inboxId);
      const after = applyUpdate(before, await this.verify(update));
      const diff = before ? before.diff(after) : after.asDiff();
      this.remember(update.inboxId, [...history, update], after);
      return {
        addedAddresses: addresses(diff.newMembers),
        removedAddresses: addresses(diff.removedMembers),
      };
    } catch (e) {
      if (e instanceof SignatureError && e.code === "SIGNATURE_VERIFIER_FAILED") {
        throw new IdentityValidatorUnavailableError(e.message, { cause: e });
      }
      if (
        e instanceof SignatureError ||
        e instanceof AssociationError ||
        e instanceof DeserializationError ||
        e instanceof IdentifierError
      ) {
        throw new InvalidIdentityUpdateError(`${e.code}: ${e.message}`, { cause: e });
      }
      throw e;
    }
  }

  private remember(inboxId: string, log: IdentityUpdate[], state: AssociationState): void {
    this.cache.delete(inboxId);
    this.cache.set(inboxId, { count: log.length, digest: logDigest(log), state });
    if (this.cache.size > this.cacheSize) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }
}
