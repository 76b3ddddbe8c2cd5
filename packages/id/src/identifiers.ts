// Identifiers as libxmtp has them (xmtp_id associations/member.rs, ident/*.rs).
//
// An Identifier is something that can own an inbox (an Ethereum address or a passkey); a
// MemberIdentifier also covers installations. Equality is libxmtp's: Ethereum addresses compare
// as exact strings (libxmtp lowercases them when it creates them, but not when it reads them off
// the wire), passkeys by key bytes only (not relying party), installations by key bytes.
import { bytesEqual, fromHex, sha256, toHex, utf8 } from "@x/crypto";
import { AssociationError, IdentifierError } from "./errors.js";

export interface EthereumIdentifier {
  readonly kind: "ethereum";
  readonly address: string;
}

export interface PasskeyIdentifier {
  readonly kind: "passkey";
  /** SEC1-encoded P-256 public key */
  readonly key: Uint8Array;
  readonly relyingParty?: string;
}

export interface InstallationIdentifier {
  readonly kind: "installation";
  /** Ed25519 public key (the installation id) */
  readonly key: Uint8Array;
}

export type Identifier = EthereumIdentifier | PasskeyIdentifier;
export type MemberIdentifier = Identifier | InstallationIdentifier;
export type MemberKind = MemberIdentifier["kind"];

/**
 * An Ethereum identifier with libxmtp's normalisation (`Identifier::eth`): 40 hex digits with an
 * optional `0x`, lowercased. Throws IDENTIFIER_INVALID_ADDRESS otherwise.
 */
export function ethereumIdentifier(address: string): EthereumIdentifier {
  const body = address.startsWith("0x") ? address.slice(2) : address;
  if (body.length !== 40 || !/^[0-9a-fA-F]*$/.test(body)) {
    throw new IdentifierError(
      "IDENTIFIER_INVALID_ADDRESS",
      `${JSON.stringify(address)} is not an Ethereum address: expected 40 hex digits, optionally prefixed with 0x`,
    );
  }
  return { kind: "ethereum", address: address.toLowerCase() };
}

export function passkeyIdentifier(key: Uint8Array, relyingParty?: string): PasskeyIdentifier {
  if (!(key instanceof Uint8Array) || key.length === 0) {
    throw new IdentifierError(
      "IDENTIFIER_INVALID_PASSKEY",
      "a passkey identifier needs its public key bytes",
    );
  }
  return relyingParty === undefined
    ? { kind: "passkey", key: key.slice() }
    : { kind: "passkey", key: key.slice(), relyingParty };
}

/** A passkey from the hex of its public key (libxmtp's `Identifier::passkey_str`). */
export function passkeyIdentifierFromHex(hex: string, relyingParty?: string): PasskeyIdentifier {
  let key: Uint8Array;
  try {
    key = fromHex(hex);
  } catch (cause) {
    throw new IdentifierError(
      "IDENTIFIER_INVALID_PASSKEY",
      `passkey ${JSON.stringify(hex)} is not hex`,
      {
        cause,
      },
    );
  }
  return passkeyIdentifier(key, relyingParty);
}

export function installationIdentifier(key: Uint8Array): InstallationIdentifier {
  return { kind: "installation", key: key.slice() };
}

/** How libxmtp prints an identifier: the address as stored, or the hex of a key. */
export function identifierText(identifier: MemberIdentifier): string {
  return identifier.kind === "ethereum" ? identifier.address : toHex(identifier.key);
}

/** A string that is equal for two identifiers exactly when libxmtp considers them equal. */
export function memberKey(identifier: MemberIdentifier): string {
  return `${identifier.kind}:${identifierText(identifier)}`;
}

export function sameMember(a: MemberIdentifier, b: MemberIdentifier): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === "ethereum") return a.address === (b as EthereumIdentifier).address;
  return bytesEqual(a.key, (b as PasskeyIdentifier | InstallationIdentifier).key);
}

export function isIdentifier(identifier: MemberIdentifier): identifier is Identifier {
  return identifier.kind !== "installation";
}

/**
 * The inbox id an identifier creates with `nonce`: lowercase hex of
 * sha256(utf8(identifier text + decimal nonce)). An Ethereum address must be exactly `0x` plus 40
 * hex digits here (ASSOCIATION_INVALID_ACCOUNT_ADDRESS otherwise), as in libxmtp.
 */
export function inboxIdFor(identifier: Identifier, nonce: bigint | number): string {
  const n = BigInt(nonce);
  if (n < 0n || n > 0xffffffffffffffffn) {
    throw new IdentifierError(
      "IDENTIFIER_INVALID_NONCE",
      `nonce ${n} is not an unsigned 64-bit integer`,
    );
  }
  if (identifier.kind === "ethereum" && !isFullEthereumAddress(identifier.address)) {
    throw new AssociationError(
      "ASSOCIATION_INVALID_ACCOUNT_ADDRESS",
      `cannot derive an inbox id from ${JSON.stringify(identifier.address)}: an account address must be 42 characters, 0x and 40 hex digits`,
    );
  }
  return toHex(sha256(utf8(`${identifierText(identifier)}${n}`)));
}

function isFullEthereumAddress(address: string): boolean {
  return (
    address.length === 42 && address.startsWith("0x") && /^[0-9a-fA-F]{40}$/.test(address.slice(2))
  );
}
