// Signature kinds of identity updates and their verification (libxmtp verified_signature.rs).
import {
  CryptoError,
  concatBytes,
  ed25519phVerify,
  eip191Hash,
  ethereumAddressFromPublicKey,
  IDENTITY_UPDATE_SIGNATURE_CONTEXT,
  isValidP256PublicKey,
  normalizeLowS,
  p256DerToCompact,
  p256VerifyDer,
  recoverSecp256k1PublicKey,
  sha256,
  utf8,
} from "@x/crypto";
import { decodeMessage } from "@x/proto";
import { UnsignedPublicKeySchema } from "@x/proto/message_contents";
import { IdentityError, SignatureError } from "./errors.js";
import {
  ethereumIdentifier,
  identifierText,
  installationIdentifier,
  type MemberIdentifier,
  passkeyIdentifier,
} from "./identifiers.js";
import { type AccountId, evmChainId, type SmartContractSignatureVerifier } from "./scw-verifier.js";
import { legacyCreateIdentityText } from "./signature-text.js";

/** libxmtp's SignatureKind; the association rules decide which kind may sign for which member. */
export type SignatureKind = "erc191" | "erc1271" | "installationKey" | "legacyDelegated" | "p256";

/** A v2 identity key signed by its wallet (xmtp.message_contents.SignedPublicKey). */
export interface LegacySignedPublicKey {
  /** Serialized xmtp.message_contents.UnsignedPublicKey */
  readonly keyBytes: Uint8Array;
  /** The wallet's signature over the "XMTP : Create Identity" text; undefined when missing on the wire */
  readonly signature?: {
    readonly kind: "walletEcdsaCompact" | "ecdsaCompact";
    readonly bytes: Uint8Array;
    readonly recovery: number;
  };
}

/** A signature as it travels on an identity update, before verification. */
export type UnverifiedSignature =
  | { readonly kind: "erc191"; readonly bytes: Uint8Array }
  | {
      readonly kind: "smartContractWallet";
      readonly accountId: AccountId;
      readonly blockNumber: bigint;
      readonly signature: Uint8Array;
    }
  | { readonly kind: "installationKey"; readonly bytes: Uint8Array; readonly publicKey: Uint8Array }
  | {
      readonly kind: "legacyDelegated";
      readonly signature: Uint8Array;
      readonly delegatedKey: LegacySignedPublicKey;
    }
  | {
      readonly kind: "passkey";
      readonly publicKey: Uint8Array;
      readonly signature: Uint8Array;
      readonly authenticatorData: Uint8Array;
      readonly clientDataJson: Uint8Array;
    };

/** Who signed, with what kind of signature, and the bytes that make it unique (replay protection). */
export interface VerifiedSignature {
  readonly signer: MemberIdentifier;
  readonly kind: SignatureKind;
  readonly rawBytes: Uint8Array;
  /** The EVM chain of a smart-contract-wallet signature. */
  readonly chainId?: bigint;
}

export interface VerifyOptions {
  /** Needed for smart-contract-wallet signatures. */
  scwVerifier?: SmartContractSignatureVerifier;
}

/** Verifies one signature over `text`. Throws SignatureError (or DeserializationError) when it does not hold. */
export async function verifySignature(
  text: string,
  signature: UnverifiedSignature,
  options: VerifyOptions = {},
): Promise<VerifiedSignature> {
  switch (signature.kind) {
    case "erc191":
      return verifyErc191(text, signature.bytes);
    case "installationKey":
      return verifyInstallationKey(text, signature.bytes, signature.publicKey);
    case "passkey":
      return verifyPasskey(text, signature);
    case "legacyDelegated":
      return verifyLegacyDelegated(text, signature.signature, signature.delegatedKey);
    case "smartContractWallet":
      return verifySmartContractWallet(text, signature, options.scwVerifier);
  }
}

/**
 * ERC-191: recover the address from r‖s‖v over the EIP-191 hash of the text. As libxmtp does, s is
 * first lowered without flipping v (so a high-s signature recovers some other address), and the
 * lowered bytes are what replay protection remembers.
 */
export function verifyErc191(text: string, bytes: Uint8Array): VerifiedSignature {
  const normalized = guard(() => normalizeLowS(bytes), "an ERC-191 signature is malformed");
  if (normalized.length !== 65) {
    throw new SignatureError(
      "SIGNATURE_MALFORMED",
      "an ERC-191 signature must be 65 bytes (r‖s‖v)",
    );
  }
  const publicKey = guard(
    () => recoverSecp256k1PublicKey(eip191Hash(text), normalized),
    "no address recovers from this ERC-191 signature",
  );
  return {
    signer: ethereumIdentifier(ethereumAddressFromPublicKey(publicKey)),
    kind: "erc191",
    rawBytes: normalized,
  };
}

/** Installation key: Ed25519ph with the "IDENTITY UPDATE SIGNATURE" context over the text. */
export function verifyInstallationKey(
  text: string,
  bytes: Uint8Array,
  publicKey: Uint8Array,
): VerifiedSignature {
  if (bytes.length !== 64) {
    throw new SignatureError(
      "SIGNATURE_MALFORMED",
      `an installation-key signature is 64 bytes, got ${bytes.length}`,
    );
  }
  if (!ed25519phVerify(publicKey, utf8(text), bytes, IDENTITY_UPDATE_SIGNATURE_CONTEXT)) {
    throw new SignatureError(
      "SIGNATURE_INVALID",
      "the installation-key signature does not verify (Ed25519ph, context IDENTITY UPDATE SIGNATURE) over this signature text",
    );
  }
  return {
    signer: installationIdentifier(publicKey),
    kind: "installationKey",
    rawBytes: bytes.slice(),
  };
}

/**
 * Passkey (WebAuthn): clientDataJSON.challenge must be base64url (no padding) of the text; the
 * P-256 DER signature covers authenticatorData ‖ sha256(clientDataJSON); the relying party is
 * the client data's origin. Replay protection remembers the signature as 64-byte r‖s.
 */
export function verifyPasskey(
  text: string,
  signature: Extract<UnverifiedSignature, { kind: "passkey" }>,
): VerifiedSignature {
  let clientData: unknown;
  try {
    clientData = JSON.parse(
      new TextDecoder("utf-8", { fatal: true }).decode(signature.clientDataJson),
    );
  } catch (cause) {
    throw new SignatureError(
      "SIGNATURE_INVALID_CLIENT_DATA",
      "clientDataJSON is not valid UTF-8 JSON",
      { cause },
    );
  }
  if (
    typeof clientData !== "object" ||
    clientData === null ||
    typeof (clientData as { origin?: unknown }).origin !== "string" ||
    typeof (clientData as { challenge?: unknown }).challenge !== "string"
  ) {
    throw new SignatureError(
      "SIGNATURE_INVALID_CLIENT_DATA",
      "clientDataJSON must be an object with string origin and challenge",
    );
  }
  const { origin, challenge } = clientData as { origin: string; challenge: string };
  if (challenge !== base64UrlNoPad(utf8(text))) {
    throw new SignatureError(
      "SIGNATURE_INVALID_CLIENT_DATA",
      "the passkey challenge is not the base64url of this signature text",
    );
  }
  if (!isValidP256PublicKey(signature.publicKey)) {
    throw new SignatureError(
      "SIGNATURE_INVALID_PUBLIC_KEY",
      "the passkey public key is not a SEC1 P-256 point",
    );
  }
  const compact = guard(
    () => p256DerToCompact(signature.signature),
    "the passkey signature is not DER",
  );
  const signed = concatBytes(signature.authenticatorData, sha256(signature.clientDataJson));
  if (!p256VerifyDer(signature.publicKey, signed, signature.signature)) {
    throw new SignatureError("SIGNATURE_INVALID", "the passkey signature does not verify");
  }
  return {
    signer: passkeyIdentifier(signature.publicKey, origin),
    kind: "p256",
    rawBytes: compact,
  };
}

/**
 * Legacy delegated (XMTP v2 key): the v2 secp256k1 key signs the text (ERC-191), and its
 * SignedPublicKey carries the wallet's signature over the "XMTP : Create Identity" text. The
 * signer is the wallet; replay protection remembers the wallet's signature.
 */
export function verifyLegacyDelegated(
  text: string,
  signatureBytes: Uint8Array,
  delegatedKey: LegacySignedPublicKey,
): VerifiedSignature {
  const byLegacyKey = verifyErc191(text, signatureBytes);
  const legacy = validateLegacySignedPublicKey(delegatedKey);
  const legacyAddress = guard(
    () => ethereumAddressFromPublicKey(legacy.publicKey),
    "the legacy public key is not a valid secp256k1 point",
    "SIGNATURE_MALFORMED_LEGACY_KEY",
  );
  if (byLegacyKey.signer.kind !== "ethereum" || byLegacyKey.signer.address !== legacyAddress) {
    throw new SignatureError(
      "SIGNATURE_INVALID",
      "the signature was not made by the legacy key it presents",
    );
  }
  return {
    signer: legacy.wallet.signer,
    kind: "legacyDelegated",
    rawBytes: legacy.wallet.rawBytes,
  };
}

/**
 * Checks a v2 SignedPublicKey (libxmtp's ValidatedLegacySignedPublicKey): the wallet signed the
 * "XMTP : Create Identity" text over the key bytes, which hold a secp256k1 UnsignedPublicKey.
 */
export function validateLegacySignedPublicKey(key: LegacySignedPublicKey): {
  accountAddress: string;
  wallet: VerifiedSignature;
  publicKey: Uint8Array;
  createdNs: bigint;
} {
  const walletSig = key.signature;
  if (!walletSig) {
    throw new SignatureError(
      "SIGNATURE_MALFORMED_LEGACY_KEY",
      "the legacy key carries no wallet signature",
    );
  }
  // libxmtp appends the recovery id as one byte (`recovery as u8`)
  const walletBytes = concatBytes(walletSig.bytes, Uint8Array.of(walletSig.recovery & 0xff));
  if (walletBytes.length !== 65) {
    throw new SignatureError(
      "SIGNATURE_MALFORMED_LEGACY_KEY",
      "the legacy key's wallet signature is not 64 bytes plus a recovery id",
    );
  }
  const wallet = verifyErc191(legacyCreateIdentityText(key.keyBytes), walletBytes);
  try {
    const unsigned = decodeMessage(UnsignedPublicKeySchema, key.keyBytes);
    if (unsigned.union.case !== "secp256k1Uncompressed") throw new Error("no secp256k1 key");
    return {
      accountAddress: identifierText(wallet.signer),
      wallet,
      publicKey: unsigned.union.value.bytes,
      createdNs: unsigned.createdNs,
    };
  } catch (cause) {
    throw new SignatureError(
      "SIGNATURE_MALFORMED_LEGACY_KEY",
      "the legacy key bytes are not an UnsignedPublicKey with a secp256k1 key",
      { cause },
    );
  }
}

/** ERC-1271 / ERC-6492 through a verifier, over the EIP-191 hash of the text. */
export async function verifySmartContractWallet(
  text: string,
  signature: { accountId: AccountId; blockNumber?: bigint; signature: Uint8Array },
  verifier: SmartContractSignatureVerifier | undefined,
): Promise<VerifiedSignature & { blockNumber?: bigint }> {
  if (!verifier) {
    throw new SignatureError(
      "SIGNATURE_NO_VERIFIER",
      "a smart-contract-wallet signature needs a verifier: pass scwVerifier (ChainRpcVerifier, MultiChainVerifier or RemoteVerifier)",
    );
  }
  const response = await verifier.isValidSignature({
    accountId: signature.accountId,
    hash: eip191Hash(text),
    signature: signature.signature,
    ...(signature.blockNumber === undefined ? {} : { blockNumber: signature.blockNumber }),
  });
  if (!response.isValid) {
    throw new SignatureError(
      "SIGNATURE_INVALID",
      `the smart-contract wallet ${signature.accountId.accountAddress} on ${signature.accountId.chainId} rejected the signature${response.error ? `: ${response.error}` : ""}`,
    );
  }
  let signer: MemberIdentifier;
  try {
    signer = ethereumIdentifier(signature.accountId.accountAddress);
  } catch (cause) {
    throw new SignatureError(
      "SIGNATURE_INVALID_ACCOUNT_ID",
      "the smart-contract wallet address is not an Ethereum address",
      {
        cause,
      },
    );
  }
  return {
    signer,
    kind: "erc1271",
    rawBytes: signature.signature.slice(),
    chainId: evmChainId(signature.accountId),
    ...(response.blockNumber === undefined ? {} : { blockNumber: response.blockNumber }),
  };
}

function base64UrlNoPad(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function guard<T>(
  run: () => T,
  message: string,
  code:
    | "SIGNATURE_MALFORMED"
    | "SIGNATURE_INVALID"
    | "SIGNATURE_MALFORMED_LEGACY_KEY" = "SIGNATURE_MALFORMED",
): T {
  try {
    return run();
  } catch (cause) {
    if (cause instanceof IdentityError) throw cause;
    if (cause instanceof CryptoError || cause instanceof Error) {
      throw new SignatureError(code, `${message}: ${cause.message}`, { cause });
    }
    throw new SignatureError(code, message, { cause });
  }
}
