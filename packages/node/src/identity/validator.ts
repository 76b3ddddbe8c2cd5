// The contract between the node and the identity rules (@x/id): an identity update is accepted
// only if every signature in it verifies and its actions apply to the inbox's current state.
import type { IdentityUpdate } from "@x/proto/identity/associations";

export interface IdentityUpdateEffect {
  /** Ethereum addresses (lowercase, as in the association state) the update associates. */
  addedAddresses: string[];
  /** Ethereum addresses the update removes from the inbox. */
  removedAddresses: string[];
}

/** Thrown by a validator for an update the node must refuse (answered with InvalidArgument). */
export class InvalidIdentityUpdateError extends Error {
  readonly code = "node.invalid_identity_update";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "InvalidIdentityUpdateError";
  }
}

/** Thrown when the validator cannot decide now (e.g. a chain RPC is down); answered with Unavailable. */
export class IdentityValidatorUnavailableError extends Error {
  readonly code = "node.identity_validator_unavailable";
  readonly retryable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "IdentityValidatorUnavailableError";
  }
}

export interface IdentityUpdateValidator {
  /**
   * Verifies `update` and applies it on top of `history` (every update already stored for the
   * inbox, oldest first). Returns what changed, or throws InvalidIdentityUpdateError.
   */
  validate(history: IdentityUpdate[], update: IdentityUpdate): Promise<IdentityUpdateEffect>;
}
