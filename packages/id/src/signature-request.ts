// Building identity updates: collect the actions, show the text to sign, gather and verify the
// signatures one by one, then build the update (libxmtp associations/builder.rs).
import {
  ed25519PublicKey,
  ed25519phSign,
  fromHex,
  IDENTITY_UPDATE_SIGNATURE_CONTEXT,
  utf8,
} from "@x/crypto";
import { SignatureRequestError } from "./errors.js";
import {
  ethereumIdentifier,
  type Identifier,
  type InstallationIdentifier,
  identifierText,
  installationIdentifier,
  type MemberIdentifier,
  memberKey,
} from "./identifiers.js";
import type { UnverifiedAction, UnverifiedIdentityUpdate } from "./identity-update.js";
import { evmAccountId, type SmartContractSignatureVerifier } from "./scw-verifier.js";
import { signatureText, type UnsignedAction } from "./signature-text.js";
import {
  type UnverifiedSignature,
  type VerifiedSignature,
  verifySignature,
  verifySmartContractWallet,
} from "./signatures.js";

type Slot = "initialAddress" | "existingMember" | "newMember" | "recoveryAddress";

interface PendingAction {
  readonly unsigned: UnsignedAction;
  readonly signers: Partial<Record<Slot, MemberIdentifier>>;
}

/** Nanoseconds since the Unix epoch from the wall clock (libxmtp's now_ns). */
export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

export class SignatureRequestBuilder {
  private readonly actions: PendingAction[] = [];

  constructor(
    readonly inboxId: string,
    readonly clientTimestampNs: bigint = nowNs(),
  ) {}

  /** Creates the inbox; must come first in the update that creates an inbox. */
  createInbox(identifier: Identifier, nonce: bigint | number): this {
    this.actions.push({
      unsigned: { type: "createInbox", nonce: BigInt(nonce), accountIdentifier: identifier },
      signers: { initialAddress: identifier },
    });
    return this;
  }

  /** Adds `newMember`; both it and `existingMember` (a member, or the recovery identifier) sign. */
  addAssociation(newMember: MemberIdentifier, existingMember: MemberIdentifier): this {
    this.actions.push({
      unsigned: { type: "addAssociation", newMemberIdentifier: newMember },
      signers: { existingMember, newMember },
    });
    return this;
  }

  /** Revokes `revokedMember` (and the installations it added); the recovery identifier signs. */
  revokeAssociation(recoverySigner: MemberIdentifier, revokedMember: MemberIdentifier): this {
    this.actions.push({
      unsigned: { type: "revokeAssociation", revokedMember },
      signers: { recoveryAddress: recoverySigner },
    });
    return this;
  }

  /** Makes `newRecovery` the recovery identifier; the current one signs. */
  changeRecoveryAddress(recoverySigner: MemberIdentifier, newRecovery: Identifier): this {
    this.actions.push({
      unsigned: { type: "changeRecoveryAddress", newRecoveryIdentifier: newRecovery },
      signers: { recoveryAddress: recoverySigner },
    });
    return this;
  }

  build(options: { scwVerifier?: SmartContractSignatureVerifier } = {}): SignatureRequest {
    return new SignatureRequest(
      this.inboxId,
      this.clientTimestampNs,
      [...this.actions],
      options.scwVerifier,
    );
  }
}

/**
 * A signature request: the text to sign, the signers still missing, and the signatures gathered
 * so far. Every added signature is verified at once and must come from a missing signer.
 */
export class SignatureRequest {
  private readonly text: string;
  private readonly signatures = new Map<string, UnverifiedSignature>();

  constructor(
    readonly inboxId: string,
    readonly clientTimestampNs: bigint,
    private readonly pending: readonly PendingAction[],
    private readonly scwVerifier?: SmartContractSignatureVerifier,
  ) {
    this.text = signatureText({
      inboxId,
      clientTimestampNs,
      actions: pending.map((p) => p.unsigned),
    });
  }

  signatureText(): string {
    return this.text;
  }

  /** Signers whose signature is still needed (each once). */
  missingSignatures(): MemberIdentifier[] {
    const missing = new Map<string, MemberIdentifier>();
    for (const action of this.pending) {
      for (const signer of Object.values(action.signers)) {
        const key = memberKey(signer);
        if (!this.signatures.has(key)) missing.set(key, signer);
      }
    }
    return [...missing.values()];
  }

  /** The missing signers that are wallets or passkeys (installations sign inside the client). */
  missingAddressSignatures(): MemberIdentifier[] {
    return this.missingSignatures().filter((signer) => signer.kind !== "installation");
  }

  isReady(): boolean {
    return this.missingSignatures().length === 0;
  }

  /** Verifies `signature` over the text and files it under its signer. */
  async addSignature(signature: UnverifiedSignature): Promise<VerifiedSignature> {
    const verified = await verifySignature(
      this.text,
      signature,
      this.scwVerifier === undefined ? {} : { scwVerifier: this.scwVerifier },
    );
    this.accept(signature, verified);
    return verified;
  }

  /**
   * A smart-contract-wallet signature whose block number the caller does not know: the verifier
   * checks it at the latest block and that block number is recorded in the update.
   */
  async addSmartContractWalletSignature(input: {
    chainId: bigint | number;
    accountAddress: string;
    signature: Uint8Array;
    blockNumber?: bigint;
  }): Promise<VerifiedSignature> {
    const accountId = evmAccountId(input.chainId, input.accountAddress);
    const verified = await verifySmartContractWallet(
      this.text,
      {
        accountId,
        signature: input.signature,
        ...(input.blockNumber === undefined ? {} : { blockNumber: input.blockNumber }),
      },
      this.scwVerifier,
    );
    const blockNumber = input.blockNumber ?? verified.blockNumber;
    if (blockNumber === undefined) {
      throw new SignatureRequestError(
        "SIGNATURE_REQUEST_BLOCK_NUMBER",
        "the verifier did not say at which block the smart-contract wallet signature holds",
      );
    }
    this.accept(
      { kind: "smartContractWallet", accountId, blockNumber, signature: input.signature },
      verified,
    );
    return verified;
  }

  /** Asks `signer` to sign the text and adds the result. */
  async addSignerSignature(signer: Signer): Promise<VerifiedSignature> {
    const adapted = toIdentitySigner(signer);
    const identifier = await adapted.getIdentifier();
    const signed = await adapted.signMessage(this.text);
    if (isUnverifiedSignature(signed)) return this.addSignature(signed);
    const bytes = typeof signed === "string" ? fromHex(signed) : signed;
    if (adapted.type === "SCW") {
      if (identifier.kind !== "ethereum" || !adapted.getChainId) {
        throw new SignatureRequestError(
          "SIGNATURE_REQUEST_BAD_SIGNER",
          "a smart-contract-wallet signer needs an Ethereum identifier and getChainId()",
        );
      }
      const blockNumber = adapted.getBlockNumber ? await adapted.getBlockNumber() : undefined;
      return this.addSmartContractWalletSignature({
        chainId: await adapted.getChainId(),
        accountAddress: identifier.address,
        signature: bytes,
        ...(blockNumber === undefined ? {} : { blockNumber: BigInt(blockNumber) }),
      });
    }
    return this.addSignature({ kind: "erc191", bytes });
  }

  /** Signs with an installation's Ed25519 private key (Ed25519ph, "IDENTITY UPDATE SIGNATURE"). */
  async addInstallationSignature(privateKey: Uint8Array): Promise<VerifiedSignature> {
    return this.addSignature(installationSignature(privateKey, this.text));
  }

  /** The identity update, once every signer has signed. Throws SIGNATURE_REQUEST_MISSING_SIGNER otherwise. */
  build(): UnverifiedIdentityUpdate {
    const missing = this.missingSignatures();
    if (missing.length > 0) {
      throw new SignatureRequestError(
        "SIGNATURE_REQUEST_MISSING_SIGNER",
        `signatures still missing from: ${missing.map(identifierText).join(", ")}`,
      );
    }
    const sig = (signer: MemberIdentifier | undefined): UnverifiedSignature => {
      const found = signer === undefined ? undefined : this.signatures.get(memberKey(signer));
      if (!found)
        throw new SignatureRequestError(
          "SIGNATURE_REQUEST_MISSING_SIGNER",
          "a required signature is missing",
        );
      return found;
    };
    const actions = this.pending.map(({ unsigned, signers }): UnverifiedAction => {
      if (unsigned.type === "createInbox") {
        return { ...unsigned, initialIdentifierSignature: sig(signers.initialAddress) };
      }
      if (unsigned.type === "addAssociation") {
        return {
          ...unsigned,
          existingMemberSignature: sig(signers.existingMember),
          newMemberSignature: sig(signers.newMember),
        };
      }
      if (unsigned.type === "revokeAssociation") {
        return { ...unsigned, recoveryIdentifierSignature: sig(signers.recoveryAddress) };
      }
      return { ...unsigned, recoveryIdentifierSignature: sig(signers.recoveryAddress) };
    });
    return { inboxId: this.inboxId, clientTimestampNs: this.clientTimestampNs, actions };
  }

  private accept(signature: UnverifiedSignature, verified: VerifiedSignature): void {
    const key = memberKey(verified.signer);
    if (!this.missingSignatures().some((signer) => memberKey(signer) === key)) {
      throw new SignatureRequestError(
        "SIGNATURE_REQUEST_UNKNOWN_SIGNER",
        `${identifierText(verified.signer)} signed, but no pending action needs its signature`,
      );
    }
    this.signatures.set(key, signature);
  }
}

/** An installation-key signature over `text`. */
export function installationSignature(privateKey: Uint8Array, text: string): UnverifiedSignature {
  return {
    kind: "installationKey",
    bytes: ed25519phSign(privateKey, utf8(text), IDENTITY_UPDATE_SIGNATURE_CONTEXT),
    publicKey: ed25519PublicKey(privateKey),
  };
}

/** The installation identifier of an Ed25519 private key. */
export function installationIdentifierFor(privateKey: Uint8Array): InstallationIdentifier {
  return installationIdentifier(ed25519PublicKey(privateKey));
}

// ---- signers ----

/**
 * Anything that can sign for an identifier. `signMessage` returns the raw signature (bytes or
 * 0x-hex: ERC-191 for EOAs, the wallet's ERC-1271/6492 signature for SCWs) or a complete
 * UnverifiedSignature (passkeys).
 */
export interface IdentitySigner {
  type?: "EOA" | "SCW";
  getIdentifier(): Identifier | Promise<Identifier>;
  signMessage(message: string): Promise<Uint8Array | `0x${string}` | UnverifiedSignature>;
  getChainId?(): bigint | number | Promise<bigint | number>;
  getBlockNumber?(): bigint | number | undefined | Promise<bigint | number | undefined>;
}

/** The shape of a viem account (LocalAccount, or a JSON-RPC account with signMessage). */
export interface ViemAccountLike {
  address: `0x${string}`;
  signMessage?: (args: { message: string }) => Promise<`0x${string}`>;
}

export type Signer = IdentitySigner | ViemAccountLike;

export function toIdentitySigner(signer: Signer): IdentitySigner {
  if ("getIdentifier" in signer && typeof signer.getIdentifier === "function") return signer;
  const account = signer as ViemAccountLike;
  const sign = account.signMessage;
  if (typeof account.address !== "string" || typeof sign !== "function") {
    throw new SignatureRequestError(
      "SIGNATURE_REQUEST_BAD_SIGNER",
      "a signer is a viem account with signMessage, or an object with getIdentifier() and signMessage()",
    );
  }
  return {
    type: "EOA",
    getIdentifier: () => ethereumIdentifier(account.address),
    signMessage: (message) => sign({ message }),
  };
}

function isUnverifiedSignature(value: unknown): value is UnverifiedSignature {
  return (
    typeof value === "object" && value !== null && !(value instanceof Uint8Array) && "kind" in value
  );
}
