// Smart-contract-wallet (ERC-1271 / ERC-6492) signature verification, as libxmtp's
// scw_verifier: either on chain through the ERC-6492 universal off-chain validator (an eth_call
// that deploys nothing), or remotely through the node's VerifySmartContractWalletSignatures.
import { create } from "@x/proto";
import {
  type VerifySmartContractWalletSignaturesRequest,
  VerifySmartContractWalletSignaturesRequestSchema,
  type VerifySmartContractWalletSignaturesResponse,
} from "@x/proto/identity/api/v1";
import type { Hex, PublicClient } from "viem";
import { DeserializationError, SignatureError } from "./errors.js";

// viem (about half of this package's import time) is loaded only when a smart-contract-wallet
// signature is actually verified through a chain.
let viemModule: Promise<typeof import("viem")> | undefined;
const viem = () => {
  viemModule ??= import("viem");
  return viemModule;
};

/** A CAIP-10 account id, `namespace:reference:address` (e.g. `eip155:8453:0xabc…`). */
export interface AccountId {
  /** `namespace:reference`, e.g. `eip155:1` */
  readonly chainId: string;
  readonly accountAddress: string;
}

const CHAIN_ID_PATTERN = /^[-a-z0-9]{3,8}:[-_a-zA-Z0-9]{1,32}$/;
const ACCOUNT_ADDRESS_PATTERN = /^[-.%a-zA-Z0-9]{1,128}$/;

/** Parses a CAIP-10 account id with libxmtp's rules. Throws DESERIALIZATION_INVALID_VALUE. */
export function parseAccountId(text: string): AccountId {
  const parts = text.split(":");
  if (parts.length !== 3) {
    throw new DeserializationError(
      "DESERIALIZATION_INVALID_VALUE",
      `account id ${JSON.stringify(text)} must have 3 colon-separated parts (CAIP-10), got ${parts.length}`,
    );
  }
  const chainId = `${parts[0]}:${parts[1]}`;
  const accountAddress = parts[2] ?? "";
  if (!CHAIN_ID_PATTERN.test(chainId) || !ACCOUNT_ADDRESS_PATTERN.test(accountAddress)) {
    throw new DeserializationError(
      "DESERIALIZATION_INVALID_VALUE",
      `account id ${JSON.stringify(text)} is not a well-formed chain id and address`,
    );
  }
  return { chainId, accountAddress };
}

export function formatAccountId(accountId: AccountId): string {
  return `${accountId.chainId}:${accountId.accountAddress}`;
}

export function evmAccountId(chainId: bigint | number, accountAddress: string): AccountId {
  return { chainId: `eip155:${BigInt(chainId)}`, accountAddress };
}

/** The numeric chain id of an `eip155:` account. Throws SIGNATURE_INVALID_ACCOUNT_ID. */
export function evmChainId(accountId: AccountId): bigint {
  if (!accountId.chainId.startsWith("eip155:")) {
    throw new SignatureError(
      "SIGNATURE_INVALID_ACCOUNT_ID",
      `chain id ${accountId.chainId} is not prefixed with eip155:`,
    );
  }
  const digits = accountId.chainId.slice("eip155:".length);
  const value = /^[0-9]+$/.test(digits) ? BigInt(digits) : -1n;
  if (value < 0n || value > 0xffffffffffffffffn) {
    throw new SignatureError(
      "SIGNATURE_INVALID_ACCOUNT_ID",
      `chain id ${accountId.chainId} is not a valid u64`,
    );
  }
  return value;
}

export interface ScwVerificationRequest {
  accountId: AccountId;
  /** 32-byte digest; for identity updates the EIP-191 hash of the signature text. */
  hash: Uint8Array;
  signature: Uint8Array;
  /** Verify against the chain state at this block; latest when omitted. */
  blockNumber?: bigint;
}

export interface ScwVerificationResult {
  isValid: boolean;
  /** The block the answer holds for. */
  blockNumber?: bigint;
  error?: string;
}

export interface SmartContractSignatureVerifier {
  isValidSignature(request: ScwVerificationRequest): Promise<ScwVerificationResult>;
}

/** The part of a viem PublicClient the chain verifier uses. */
export type ChainClient = Pick<PublicClient, "call" | "getBlockNumber">;

/**
 * Verifies through one chain's RPC: an eth_call of the ERC-6492 universal validator's creation
 * code with (signer, hash, signature) as constructor arguments; the call returns 0x01 when valid.
 * Handles deployed ERC-1271 wallets, undeployed ERC-6492-wrapped ones, and plain EOA signatures.
 * The validator bytecode is viem's `erc6492SignatureValidatorByteCode` (the AmbireTech
 * validator family libxmtp also embeds; libxmtp's compiled copy differs in bytes, same ABI and result).
 */
export class ChainRpcVerifier implements SmartContractSignatureVerifier {
  constructor(private readonly client: ChainClient) {}

  async isValidSignature(request: ScwVerificationRequest): Promise<ScwVerificationResult> {
    const { concat, encodeAbiParameters, erc6492SignatureValidatorByteCode, isAddress, toHex } =
      await viem();
    const address = request.accountId.accountAddress;
    if (!isAddress(address, { strict: false })) {
      throw new SignatureError(
        "SIGNATURE_INVALID_ACCOUNT_ID",
        `${JSON.stringify(address)} is not an EVM address; smart-contract wallets must be 0x-prefixed 20-byte addresses`,
      );
    }
    if (request.hash.length !== 32) {
      throw new SignatureError("SIGNATURE_MALFORMED", "the hash to verify must be 32 bytes");
    }
    const data = concat([
      erc6492SignatureValidatorByteCode,
      encodeAbiParameters(
        [{ type: "address" }, { type: "bytes32" }, { type: "bytes" }],
        [address, toHex(request.hash), toHex(request.signature)],
      ),
    ]);
    try {
      // cacheTime 0: viem otherwise reuses a block number for a few seconds.
      const blockNumber =
        request.blockNumber ?? (await this.client.getBlockNumber({ cacheTime: 0 }));
      const result = await this.client.call({ data, blockNumber });
      return { isValid: (result.data as Hex | undefined) === "0x01", blockNumber };
    } catch (cause) {
      throw await verifierFailure(cause);
    }
  }
}

/** A viem public client over http to `url`, made on first use. */
function httpChainClient(url: string): ChainClient {
  let client: Promise<ChainClient> | undefined;
  const get = () => {
    client ??= viem().then((v) => v.createPublicClient({ transport: v.http(url) }));
    return client;
  };
  return {
    call: async (args) => (await get()).call(args),
    getBlockNumber: async (args) => (await get()).getBlockNumber(args),
  } as ChainClient;
}

/** Routes each request to the verifier of its chain id (`eip155:N`), like libxmtp's MultiSmartContractSignatureVerifier. */
export class MultiChainVerifier implements SmartContractSignatureVerifier {
  private readonly verifiers: Map<string, SmartContractSignatureVerifier>;

  constructor(verifiers: Record<string, SmartContractSignatureVerifier>) {
    this.verifiers = new Map(Object.entries(verifiers));
  }

  /** One ChainRpcVerifier per `{"eip155:N": "https://rpc…"}` entry, over viem's http transport. */
  static fromUrls(urls: Record<string, string>): MultiChainVerifier {
    const verifiers: Record<string, SmartContractSignatureVerifier> = {};
    for (const [chainId, url] of Object.entries(urls)) {
      verifiers[chainId] = new ChainRpcVerifier(httpChainClient(url));
    }
    return new MultiChainVerifier(verifiers);
  }

  async isValidSignature(request: ScwVerificationRequest): Promise<ScwVerificationResult> {
    const verifier = this.verifiers.get(request.accountId.chainId);
    if (!verifier) {
      throw new SignatureError(
        "SIGNATURE_NO_VERIFIER",
        `no smart-contract-wallet verifier for chain ${request.accountId.chainId}; configure an RPC URL for it`,
      );
    }
    return verifier.isValidSignature(request);
  }
}

/** The node's IdentityApi.VerifySmartContractWalletSignatures, however the caller reaches it. */
export type VerifySmartContractWalletSignatures = (
  request: VerifySmartContractWalletSignaturesRequest,
) => Promise<VerifySmartContractWalletSignaturesResponse>;

/** Asks the node to verify (libxmtp's RemoteSignatureVerifier): one signature per request. */
export class RemoteVerifier implements SmartContractSignatureVerifier {
  constructor(private readonly verify: VerifySmartContractWalletSignatures) {}

  async isValidSignature(request: ScwVerificationRequest): Promise<ScwVerificationResult> {
    const message = create(VerifySmartContractWalletSignaturesRequestSchema, {
      signatures: [
        {
          accountId: formatAccountId(request.accountId),
          hash: request.hash,
          signature: request.signature,
          ...(request.blockNumber === undefined ? {} : { blockNumber: request.blockNumber }),
        },
      ],
    });
    let response: VerifySmartContractWalletSignaturesResponse;
    try {
      response = await this.verify(message);
    } catch (cause) {
      throw await verifierFailure(cause);
    }
    const first = response.responses[0];
    if (!first) {
      throw new SignatureError(
        "SIGNATURE_VERIFIER_FAILED",
        "VerifySmartContractWalletSignatures answered with no response for the one signature sent",
        { retryable: true },
      );
    }
    return {
      isValid: first.isValid,
      ...(first.blockNumber === undefined ? {} : { blockNumber: first.blockNumber }),
      ...(first.error === undefined ? {} : { error: first.error }),
    };
  }
}

async function verifierFailure(cause: unknown): Promise<SignatureError> {
  if (cause instanceof SignatureError) return cause;
  // Only an error that looks like viem's (it has walk()) makes us load viem to classify it.
  const v =
    cause instanceof Error && typeof (cause as { walk?: unknown }).walk === "function"
      ? await viem()
      : undefined;
  const isViem = v !== undefined && cause instanceof v.BaseError;
  const transient =
    isViem &&
    (cause as InstanceType<typeof v.BaseError>).walk(
      (e) =>
        e instanceof v.HttpRequestError ||
        e instanceof v.TimeoutError ||
        e instanceof v.WebSocketRequestError,
    ) !== null;
  const reason = cause instanceof Error ? cause.message.split("\n")[0] : String(cause);
  return new SignatureError(
    "SIGNATURE_VERIFIER_FAILED",
    `the smart-contract-wallet verifier failed: ${reason}${transient ? "; retry later" : ""}`,
    { cause, retryable: transient || !isViem },
  );
}
