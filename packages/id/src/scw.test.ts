// Smart-contract wallets against a real in-process EVM (ganache): a deployed ERC-1271 wallet, an
// undeployed ERC-6492 wallet, and a wallet that rejects everything, through the chain verifier
// and through the remote (node) verifier.
import { fromHex, generateEd25519PrivateKey, generateSecp256k1PrivateKey, toHex } from "@x/crypto";
import { create } from "@x/proto";
import {
  type VerifySmartContractWalletSignaturesRequest,
  VerifySmartContractWalletSignaturesResponseSchema,
} from "@x/proto/identity/api/v1";
import {
  encodeFunctionData,
  getContractAddress,
  type Hex,
  hashMessage,
  keccak256,
  serializeErc6492Signature,
  stringToHex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyUpdate } from "./association-log.js";
import { ethereumIdentifier, inboxIdFor } from "./identifiers.js";
import { verifyIdentityUpdate } from "./identity-update.js";
import { decodeIdentityUpdate, encodeIdentityUpdate } from "./proto.js";
import {
  ChainRpcVerifier,
  evmAccountId,
  MultiChainVerifier,
  RemoteVerifier,
  type SmartContractSignatureVerifier,
} from "./scw-verifier.js";
import { installationIdentifierFor, SignatureRequestBuilder } from "./signature-request.js";
import { type Chain, compileWallets, startChain } from "./test-utils/evm.js";

let chain: Chain;
let contracts: ReturnType<typeof compileWallets>;
let verifier: ChainRpcVerifier;
const owner = privateKeyToAccount(`0x${toHex(generateSecp256k1PrivateKey())}`);
const stranger = privateKeyToAccount(`0x${toHex(generateSecp256k1PrivateKey())}`);

beforeAll(async () => {
  contracts = compileWallets();
  chain = await startChain();
  verifier = new ChainRpcVerifier(chain.publicClient);
}, 120_000);

afterAll(async () => {
  await chain?.stop();
});

/** What the wallet's owner signs: the raw digest the wallet will be asked about. */
async function ownerSignature(signer: typeof owner, text: string): Promise<Uint8Array> {
  return fromHex(await signer.sign({ hash: hashMessage(text) }));
}

async function verifyText(
  v: SmartContractSignatureVerifier,
  address: string,
  text: string,
  signature: Uint8Array,
  blockNumber?: bigint,
) {
  return v.isValidSignature({
    accountId: evmAccountId(chain.chainId, address),
    hash: fromHex(hashMessage(text)),
    signature,
    ...(blockNumber === undefined ? {} : { blockNumber }),
  });
}

describe("ChainRpcVerifier", () => {
  it("a deployed ERC-1271 wallet: its owner's signature is valid, a stranger's is not", async () => {
    const wallet = await chain.deploy(contracts.OwnedWallet, [owner.address]);
    const text = "hello wallet";
    const good = await verifyText(verifier, wallet, text, await ownerSignature(owner, text));
    expect(good.isValid).toBe(true);
    expect(good.blockNumber).toBe(await chain.publicClient.getBlockNumber());
    expect(
      (await verifyText(verifier, wallet, text, await ownerSignature(stranger, text))).isValid,
    ).toBe(false);
    expect(
      (await verifyText(verifier, wallet, "other", await ownerSignature(owner, text))).isValid,
    ).toBe(false);
  }, 60_000);

  it("an undeployed ERC-6492 wallet verifies through its factory call, and stays undeployed", async () => {
    const factory = await chain.deploy(contracts.WalletFactory);
    const salt = keccak256(stringToHex("wallet-1"));
    const initCode = `${contracts.OwnedWallet.bytecode}${encodeOwner(owner.address)}` as Hex;
    const counterfactual = getContractAddress({
      from: factory,
      opcode: "CREATE2",
      salt,
      bytecode: initCode,
    });
    expect(await chain.publicClient.getCode({ address: counterfactual })).toBeUndefined();

    const text = "hello counterfactual wallet";
    const inner = toHex(await ownerSignature(owner, text));
    const wrapped = fromHex(
      serializeErc6492Signature({
        address: factory,
        data: encodeFunctionData({
          abi: contracts.WalletFactory.abi,
          functionName: "deploy",
          args: [owner.address, salt],
        }),
        signature: `0x${inner}`,
      }),
    );
    expect((await verifyText(verifier, counterfactual, text, wrapped)).isValid).toBe(true);
    const strangerWrapped = fromHex(
      serializeErc6492Signature({
        address: factory,
        data: encodeFunctionData({
          abi: contracts.WalletFactory.abi,
          functionName: "deploy",
          args: [owner.address, salt],
        }),
        signature: `0x${toHex(await ownerSignature(stranger, text))}`,
      }),
    );
    expect((await verifyText(verifier, counterfactual, text, strangerWrapped)).isValid).toBe(false);
    // eth_call deploys nothing
    expect(await chain.publicClient.getCode({ address: counterfactual })).toBeUndefined();
  }, 60_000);

  it("a wallet that rejects every signature is never valid", async () => {
    const wallet = await chain.deploy(contracts.RejectingWallet);
    const text = "nope";
    expect(
      (await verifyText(verifier, wallet, text, await ownerSignature(owner, text))).isValid,
    ).toBe(false);
  }, 60_000);

  it("answers for the block asked: before the wallet existed its owner's signature was not valid", async () => {
    const before = await chain.publicClient.getBlockNumber();
    const wallet = await chain.deploy(contracts.OwnedWallet, [owner.address]);
    const text = "time travel";
    const sig = await ownerSignature(owner, text);
    expect((await verifyText(verifier, wallet, text, sig)).isValid).toBe(true);
    const old = await verifyText(verifier, wallet, text, sig, before);
    expect(old).toEqual({ isValid: false, blockNumber: before });
  }, 60_000);

  it("plain EOA signatures verify too (the validator falls back to ecrecover)", async () => {
    const text = "eoa";
    const eoaSig = fromHex(await owner.signMessage({ message: text }));
    expect((await verifyText(verifier, owner.address, text, eoaSig)).isValid).toBe(true);
    expect((await verifyText(verifier, stranger.address, text, eoaSig)).isValid).toBe(false);
  }, 60_000);

  it("refuses non-EVM addresses and routes by chain id", async () => {
    await expect(verifyText(verifier, "not-an-address", "x", Uint8Array.of(1))).rejects.toThrow(
      expect.objectContaining({ code: "SIGNATURE_INVALID_ACCOUNT_ID" }),
    );
    const multi = new MultiChainVerifier({ [`eip155:${chain.chainId}`]: verifier });
    const text = "routed";
    expect(
      (
        await verifyText(
          multi,
          owner.address,
          text,
          fromHex(await owner.signMessage({ message: text })),
        )
      ).isValid,
    ).toBe(true);
    await expect(
      multi.isValidSignature({
        accountId: evmAccountId(1, owner.address),
        hash: new Uint8Array(32),
        signature: Uint8Array.of(1),
      }),
    ).rejects.toThrow(expect.objectContaining({ code: "SIGNATURE_NO_VERIFIER" }));
  }, 60_000);
});

describe("identity updates signed by smart-contract wallets", () => {
  async function registerScw(
    v: SmartContractSignatureVerifier,
    signer: typeof owner,
    blockNumber?: bigint,
  ) {
    const wallet = await chain.deploy(contracts.OwnedWallet, [owner.address]);
    const walletId = ethereumIdentifier(wallet);
    const installationKey = generateEd25519PrivateKey();
    const inboxId = inboxIdFor(walletId, 0n);
    const request = new SignatureRequestBuilder(inboxId, 1_800_000_000_000_000_000n)
      .createInbox(walletId, 0n)
      .addAssociation(installationIdentifierFor(installationKey), walletId)
      .build({ scwVerifier: v });
    await request.addSmartContractWalletSignature({
      chainId: chain.chainId,
      accountAddress: wallet,
      signature: await ownerSignature(signer, request.signatureText()),
      ...(blockNumber === undefined ? {} : { blockNumber }),
    });
    await request.addInstallationSignature(installationKey);
    return { wallet, walletId, inboxId, bytes: encodeIdentityUpdate(request.build()) };
  }

  it("registers an inbox owned by an ERC-1271 wallet; the chain id is recorded", async () => {
    const { walletId, inboxId, bytes } = await registerScw(verifier, owner);
    const update = decodeIdentityUpdate(bytes);
    const first = update.actions[0];
    expect(first?.type === "createInbox" && first.initialIdentifierSignature.kind).toBe(
      "smartContractWallet",
    );
    if (
      first?.type === "createInbox" &&
      first.initialIdentifierSignature.kind === "smartContractWallet"
    ) {
      expect(first.initialIdentifierSignature.blockNumber).toBeGreaterThan(0n);
    }
    const state = applyUpdate(
      undefined,
      await verifyIdentityUpdate(update, { scwVerifier: verifier }),
    );
    expect(state.inboxId).toBe(inboxId);
    expect(state.get(walletId)?.addedOnChainId).toBe(BigInt(chain.chainId));
    expect(state.installationIds()).toHaveLength(1);
  }, 60_000);

  it("a stranger's signature for the wallet is refused while gathering signatures", async () => {
    await expect(registerScw(verifier, stranger)).rejects.toThrow(
      expect.objectContaining({ code: "SIGNATURE_INVALID" }),
    );
  }, 60_000);

  it("the remote verifier sends VerifySmartContractWalletSignatures and uses the node's answer", async () => {
    const seen: VerifySmartContractWalletSignaturesRequest[] = [];
    // The injected call plays the node: it answers with a chain verifier of its own.
    const remote = new RemoteVerifier(async (request) => {
      seen.push(request);
      const responses = await Promise.all(
        request.signatures.map(async (s) => {
          const [ns, ref, address] = s.accountId.split(":");
          const answer = await verifier.isValidSignature({
            accountId: { chainId: `${ns}:${ref}`, accountAddress: address ?? "" },
            hash: s.hash,
            signature: s.signature,
            ...(s.blockNumber === undefined ? {} : { blockNumber: s.blockNumber }),
          });
          return { isValid: answer.isValid, blockNumber: answer.blockNumber };
        }),
      );
      return create(VerifySmartContractWalletSignaturesResponseSchema, { responses });
    });
    const { wallet, bytes } = await registerScw(remote, owner);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.signatures[0]?.accountId).toBe(`eip155:${chain.chainId}:${wallet}`);
    expect(seen[0]?.signatures[0]?.hash).toHaveLength(32);
    const state = applyUpdate(
      undefined,
      await verifyIdentityUpdate(decodeIdentityUpdate(bytes), { scwVerifier: remote }),
    );
    expect(state.members()).toHaveLength(2);
    // the second verification asked at the block recorded in the update
    expect(seen[1]?.signatures[0]?.blockNumber).toBeGreaterThan(0n);
  }, 60_000);

  it("a node that cannot answer gives a retryable typed error", async () => {
    const down = new RemoteVerifier(async () => {
      throw new Error("connect ECONNREFUSED");
    });
    const { bytes } = await registerScw(verifier, owner);
    await expect(
      verifyIdentityUpdate(decodeIdentityUpdate(bytes), { scwVerifier: down }),
    ).rejects.toThrow(
      expect.objectContaining({ code: "SIGNATURE_VERIFIER_FAILED", retryable: true }),
    );
  }, 60_000);
});

function encodeOwner(address: string): string {
  return address.slice(2).toLowerCase().padStart(64, "0");
}
