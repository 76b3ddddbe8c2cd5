// A real libxmtp 1.5.4 client (@xmtp/node-bindings, made by @x/testing/libxmtp) for the demo:
// random wallet, encrypted database in the demo's directory, registered on the demo's node.
import path from "node:path";
import {
  createLibxmtp154,
  createLibxmtp191,
  type Libxmtp154,
  type Libxmtp191,
  randomWallet,
} from "@x/testing/libxmtp";

export { textContent154 as textContent, texts154 as libxmtpTexts } from "@x/testing/libxmtp";

export type LibxmtpPeer = Libxmtp154;

export function libxmtpPeer(url: string, dir: string): Promise<LibxmtpPeer> {
  const wallet = randomWallet();
  const dbPath = path.join(dir, `libxmtp-${wallet.identifier.identifier}.db3`);
  return createLibxmtp154(url, dbPath, { wallet, appVersion: "x-demo" });
}

export type Peer191 = Libxmtp191;

/** libxmtp 1.9.1 in d14n mode: `url` is the gateway (node-sdk then never contacts a v3 node). */
export function libxmtp191Peer(url: string, dir: string): Promise<Peer191> {
  const wallet = randomWallet();
  const dbPath = path.join(dir, `libxmtp191-${wallet.identifier.identifier}.db3`);
  return createLibxmtp191(url, dbPath, { wallet, appVersion: "x-demo", gatewayHost: url });
}
