// node-sdk identifiers (`{ identifier, identifierKind }`) to and from @x/id's.
import { toHex } from "@x/crypto";
import {
  ethereumIdentifier,
  type Identifier as IdIdentifier,
  passkeyIdentifierFromHex,
} from "@x/id";
import { IdentifierKind } from "../enums.js";
import { SdkError } from "../errors.js";

/** node-sdk's identifier: an Ethereum address (kind 0) or a passkey's public key in hex (kind 1). */
export interface Identifier {
  identifier: string;
  identifierKind: IdentifierKind;
}

const invalid = (where: string, what: string, cause?: unknown) =>
  new SdkError(
    "SDK_INVALID_IDENTIFIER",
    `${where} must be { identifier, identifierKind: IdentifierKind.Ethereum | IdentifierKind.Passkey }: ${what}`,
    cause === undefined ? {} : { cause },
  );

function kindOf(kind: unknown): "ethereum" | "passkey" | undefined {
  if (kind === IdentifierKind.Ethereum || kind === "Ethereum" || kind === "ethereum") {
    return "ethereum";
  }
  if (kind === IdentifierKind.Passkey || kind === "Passkey" || kind === "passkey") {
    return "passkey";
  }
  return undefined;
}

/**
 * @x/id's identifier for a node-sdk one (also takes @x/id's own `{ kind, address }` and
 * `{ kind: "passkey", key }`). Throws SDK_INVALID_IDENTIFIER naming what is wrong.
 */
export function toIdIdentifier(value: unknown, where = "identifier"): IdIdentifier {
  if (typeof value !== "object" || value === null) {
    throw invalid(where, `got ${value === null ? "null" : typeof value}`);
  }
  const v = value as Record<string, unknown>;
  if (v.kind === "ethereum" && typeof v.address === "string") {
    return convert(where, () => ethereumIdentifier(v.address as string));
  }
  if (v.kind === "passkey" && v.key instanceof Uint8Array) {
    return { kind: "passkey", key: v.key };
  }
  if (!("identifier" in v) || !("identifierKind" in v)) {
    const keys = Object.keys(v);
    throw invalid(
      where,
      `it has ${keys.length === 0 ? "no fields" : `the fields ${keys.join(", ")}`}`,
    );
  }
  if (typeof v.identifier !== "string") {
    throw invalid(where, `identifier is ${typeof v.identifier}, not a string`);
  }
  const kind = kindOf(v.identifierKind);
  if (kind === undefined) {
    throw invalid(where, `identifierKind ${JSON.stringify(v.identifierKind)} is neither 0 nor 1`);
  }
  const text = v.identifier;
  if (kind === "ethereum") {
    if (!/^0x[0-9a-fA-F]{40}$/.test(text)) {
      throw invalid(where, `${JSON.stringify(text)} is not an Ethereum address (0x + 40 hex)`);
    }
    return convert(where, () => ethereumIdentifier(text));
  }
  return convert(where, () => passkeyIdentifierFromHex(text));
}

function convert(where: string, make: () => IdIdentifier): IdIdentifier {
  try {
    return make();
  } catch (e) {
    throw invalid(where, e instanceof Error ? e.message : String(e), e);
  }
}

/** The node-sdk identifier of an @x/id identifier. */
export function fromIdIdentifier(id: IdIdentifier): Identifier {
  return id.kind === "ethereum"
    ? { identifier: id.address, identifierKind: IdentifierKind.Ethereum }
    : { identifier: toHex(id.key), identifierKind: IdentifierKind.Passkey };
}

/** The key canMessage answers under: the lowercased address, or the passkey's hex. */
export function identifierKey(id: IdIdentifier): string {
  return id.kind === "ethereum" ? id.address.toLowerCase() : toHex(id.key);
}

export function toIdIdentifiers(values: unknown, where = "identifiers"): IdIdentifier[] {
  if (!Array.isArray(values)) {
    throw new SdkError("SDK_INVALID_ARGUMENT", `${where} must be an array of identifiers`);
  }
  return values.map((v, i) => toIdIdentifier(v, `${where}[${i}]`));
}
