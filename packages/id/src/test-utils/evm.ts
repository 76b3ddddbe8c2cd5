// A real EVM in-process for smart-contract-wallet tests: ganache's provider (no server, no
// port), the test wallets compiled from Solidity with the solc npm compiler.
import ganache from "ganache";
import solc from "solc";
import {
  type Abi,
  createPublicClient,
  createWalletClient,
  custom,
  type Hex,
  type PublicClient,
  type WalletClient,
} from "viem";

/** The three wallets of the tests. */
const SOURCE = `
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// ERC-1271 wallet with one owner: a signature is valid when ecrecover(hash, sig) is the owner.
contract OwnedWallet {
    address public immutable owner;

    constructor(address owner_) {
        owner = owner_;
    }

    function isValidSignature(bytes32 hash, bytes calldata sig) external view returns (bytes4) {
        if (sig.length != 65) return 0xffffffff;
        bytes32 r = bytes32(sig[0:32]);
        bytes32 s = bytes32(sig[32:64]);
        uint8 v = uint8(sig[64]);
        return ecrecover(hash, v, r, s) == owner ? bytes4(0x1626ba7e) : bytes4(0xffffffff);
    }
}

/// An ERC-1271 wallet that refuses every signature.
contract RejectingWallet {
    function isValidSignature(bytes32, bytes calldata) external pure returns (bytes4) {
        return 0xffffffff;
    }
}

/// Deploys OwnedWallets at CREATE2 addresses, so they can be used (ERC-6492) before they exist.
contract WalletFactory {
    function deploy(address owner, bytes32 salt) external returns (address) {
        return address(new OwnedWallet{salt: salt}(owner));
    }
}
`;

export interface Compiled {
  abi: Abi;
  bytecode: Hex;
}

export function compileWallets(): Record<
  "OwnedWallet" | "RejectingWallet" | "WalletFactory",
  Compiled
> {
  const input = {
    language: "Solidity",
    sources: { "Wallets.sol": { content: SOURCE } },
    settings: {
      evmVersion: "shanghai",
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (output.errors ?? []).filter((e: { severity: string }) => e.severity === "error");
  if (errors.length > 0) throw new Error(`solc: ${JSON.stringify(errors)}`);
  const pick = (name: string): Compiled => {
    const c = output.contracts["Wallets.sol"][name];
    return { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` };
  };
  return {
    OwnedWallet: pick("OwnedWallet"),
    RejectingWallet: pick("RejectingWallet"),
    WalletFactory: pick("WalletFactory"),
  };
}

export interface Chain {
  chainId: number;
  publicClient: PublicClient;
  walletClient: WalletClient;
  deployer: Hex;
  deploy(contract: Compiled, args?: readonly unknown[]): Promise<Hex>;
  stop(): Promise<void>;
}

export async function startChain(chainId = 31337): Promise<Chain> {
  const provider = ganache.provider({
    logging: { quiet: true },
    chain: { chainId, hardfork: "shanghai" },
    wallet: { totalAccounts: 1 },
    miner: { instamine: "eager" },
  });
  const transport = custom(provider as unknown as { request(args: unknown): Promise<unknown> });
  const publicClient = createPublicClient({ transport });
  const [deployer] = (await provider.request({ method: "eth_accounts", params: [] })) as Hex[];
  if (!deployer) throw new Error("ganache gave no account");
  const walletClient = createWalletClient({ transport, account: deployer });
  return {
    chainId,
    publicClient: publicClient as PublicClient,
    walletClient,
    deployer,
    async deploy(contract, args = []) {
      // An explicit gas limit: ganache's estimate for contract creation can come out too low.
      const hash = await walletClient.deployContract({
        abi: contract.abi,
        bytecode: contract.bytecode,
        args,
        account: deployer,
        chain: null,
        gas: 3_000_000n,
      });
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success" || !receipt.contractAddress)
        throw new Error("deployment failed");
      return receipt.contractAddress;
    },
    stop: () => provider.disconnect(),
  };
}
