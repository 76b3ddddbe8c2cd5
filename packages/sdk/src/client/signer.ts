// Signers: node-sdk's `{ type, getIdentifier, signMessage, getChainId? }` and viem accounts, both
// checked up front and turned into @x/id's IdentitySigner, so a wrong signer fails with one error
// saying what is wrong instead of deep inside a signature request.
import {
  ethereumAddressFromPublicKey,
  fromHex,
  generateSecp256k1PrivateKey,
  secp256k1PublicKey,
  signPersonalMessage,
} from "@x/crypto";
import type { IdentitySigner, Identifier as IdIdentifier } from "@x/id";
import { IdentifierKind } from "../enums.js";
import { SdkError } from "../errors.js";
import { type Identifier, toIdIdentifier } from "./identifiers.js";

type MaybePromise<T> = T | Promise<T>;

export interface EOASigner {
  type: "EOA";
  getIdentifier(): MaybePromise<Identifier>;
  /** The ERC-191 (personal_sign) signature of `message`: 65 bytes r‖s‖v. */
  signMessage(message: string): MaybePromise<Uint8Array>;
}

export interface SCWSigner {
  type: "SCW";
  getIdentifier(): MaybePromise<Identifier>;
  /** The wallet's ERC-1271 / ERC-6492 signature of `message`. */
  signMessage(message: string): MaybePromise<Uint8Array>;
  getChainId(): bigint;
  getBlockNumber?(): bigint;
}

/** node-sdk's signer. */
export type Signer = EOASigner | SCWSigner;

/** A viem account (privateKeyToAccount, or a JSON-RPC account): used as an EOA signer. */
export interface ViemAccount {
  address: `0x${string}`;
  signMessage: (args: { message: string }) => Promise<`0x${string}`>;
}

export type AnySigner = Signer | ViemAccount;

const bad = (what: string) =>
  new SdkError(
    "SDK_INVALID_SIGNER",
    `${what}. A signer is node-sdk's { type: "EOA" | "SCW", getIdentifier(), signMessage(message), getChainId() (SCW) } or a viem account (privateKeyToAccount)`,
  );

function isViemAccount(s: Record<string, unknown>): boolean {
  return typeof s.address === "string" && typeof s.getIdentifier !== "function";
}

/** Checks a signer's shape and adapts it to @x/id. Throws SDK_INVALID_SIGNER. */
export function adaptSigner(signer: unknown): IdentitySigner {
  if (typeof signer !== "object" || signer === null) {
    throw bad(`the signer is ${signer === null ? "null" : typeof signer}`);
  }
  const s = signer as Record<string, unknown>;
  if (isViemAccount(s)) {
    const sign = s.signMessage;
    if (typeof sign !== "function") throw bad("the viem account has no signMessage()");
    const address = s.address as string;
    let identifier: IdIdentifier;
    try {
      identifier = toIdIdentifier(
        { identifier: address, identifierKind: IdentifierKind.Ethereum },
        "the viem account's address",
      );
    } catch {
      throw bad(`the viem account's address ${JSON.stringify(address)} is not an address`);
    }
    return {
      type: "EOA",
      getIdentifier: () => identifier,
      signMessage: async (message) =>
        signatureBytes(
          await (sign as ViemAccount["signMessage"]).call(signer, { message }),
          "viem account",
        ),
    };
  }
  if (s.type !== "EOA" && s.type !== "SCW") {
    throw bad(`signer.type is ${JSON.stringify(s.type)}, not "EOA" or "SCW"`);
  }
  if (typeof s.getIdentifier !== "function") throw bad("signer.getIdentifier is not a function");
  if (typeof s.signMessage !== "function") throw bad("signer.signMessage is not a function");
  if (s.type === "SCW" && typeof s.getChainId !== "function") {
    throw bad('a "SCW" signer needs getChainId()');
  }
  const typed = signer as Signer;
  const adapted: IdentitySigner = {
    type: typed.type,
    getIdentifier: async () => {
      const id = await typed.getIdentifier();
      try {
        return toIdIdentifier(id, "signer.getIdentifier()");
      } catch (e) {
        throw new SdkError("SDK_INVALID_SIGNER", (e as Error).message, { cause: e });
      }
    },
    signMessage: async (message) =>
      signatureBytes(await typed.signMessage(message), "signer.signMessage()"),
  };
  if (typed.type === "SCW") {
    adapted.getChainId = () => {
      const id = typed.getChainId();
      if (typeof id !== "bigint" && typeof id !== "number") {
        throw bad(`signer.getChainId() returned ${typeof id}, not a bigint`);
      }
      return BigInt(id);
    };
    const block = typed.getBlockNumber;
    if (typeof block === "function") {
      adapted.getBlockNumber = () => block.call(typed);
    }
  }
  return adapted;
}

function signatureBytes(value: unknown, where: string): Uint8Array {
  if (value instanceof Uint8Array) {
    if (value.length === 0) throw bad(`${where} returned an empty signature`);
    return value;
  }
  if (typeof value === "string" && /^0x([0-9a-fA-F]{2})+$/.test(value)) return fromHex(value);
  throw bad(
    `${where} returned ${value === null ? "null" : typeof value}, not the signature bytes (a Uint8Array)`,
  );
}

/**
 * An EOA signer from a secp256k1 private key (32 bytes or 0x-hex), with no wallet library:
 * ERC-191 signatures made with @x/crypto. Without a key, a new random one (keep `privateKey`
 * to use the same inbox again).
 */
export function createSigner(privateKey?: Uint8Array | string): EOASigner & {
  privateKey: `0x${string}`;
  address: string;
} {
  let key: Uint8Array;
  if (privateKey === undefined) key = generateSecp256k1PrivateKey();
  else if (privateKey instanceof Uint8Array) key = privateKey.slice();
  else if (/^(0x)?[0-9a-fA-F]{64}$/.test(privateKey)) key = fromHex(privateKey);
  else throw bad("createSigner takes a 32-byte private key (bytes or 64 hex digits)");
  if (key.length !== 32) throw bad("createSigner takes a 32-byte private key");
  let address: string;
  try {
    address = ethereumAddressFromPublicKey(secp256k1PublicKey(key));
  } catch {
    throw bad("createSigner: the private key is not a valid secp256k1 key");
  }
  const hex = Array.from(key, (b) => b.toString(16).padStart(2, "0")).join("");
  return {
    type: "EOA",
    privateKey: `0x${hex}`,
    address,
    getIdentifier: () => ({ identifier: address, identifierKind: IdentifierKind.Ethereum }),
    signMessage: (message: string) => signPersonalMessage(message, key),
  };
}

/** A signer for Client.build: knows its identifier, cannot sign. */
export function identifierOnlySigner(identifier: IdIdentifier): IdentitySigner {
  return {
    type: "EOA",
    getIdentifier: () => identifier,
    signMessage: async () => {
      throw new SdkError(
        "SDK_SIGNER_UNAVAILABLE",
        "this client was made with Client.build(identifier) and has no signer; make it with Client.create(signer) for operations that need a signature",
      );
    },
  };
}
