// The same operations on each client: ours, libxmtp 1.5.4 and libxmtp 1.9.1. Scenarios are
// written once against `Impl`/`Handle`.

import type { Group } from "@x/mls";
import type * as b154 from "@xmtp/node-bindings";
import {
  createLibxmtp154,
  createLibxmtp191,
  createOurs,
  eventually,
  type TempDir,
  textContent154,
  type Wallet,
} from "./peers.js";

export type ImplName = "ours" | "libxmtp-1.5.4" | "libxmtp-1.9.1";
export type Network = "v3" | "d14n";

/** An opaque conversation of one implementation. */
export type Conv = { readonly id: string; readonly raw: unknown };

export interface Handle {
  inboxId: string;
  dbPath: string;
  /** What a child process needs to reopen this client from its database. */
  reopen: { privateKey: `0x${string}`; dbPath: string; dbKeyHex?: string };
  createGroup(inboxIds: string[]): Promise<Conv>;
  addMembers(conv: Conv, inboxIds: string[]): Promise<void>;
  send(conv: Conv, text: string): Promise<void>;
  /** Welcomes only. */
  syncWelcomes(): Promise<void>;
  find(id: string): Promise<Conv>;
  syncConv(conv: Conv): Promise<void>;
  syncAll(): Promise<void>;
  /** Text messages stored for the conversation. */
  countTexts(conv: Conv): Promise<number>;
  /** Calls `onText` for each text received in `conv` (however the client can); returns a stop. */
  listen(conv: Conv, onText: (text: string) => void): Promise<() => Promise<void>>;
}

export interface Impl {
  name: ImplName;
  create(wallet?: Wallet): Promise<Handle>;
}

/** `network` "d14n": `url` is the node's d14n listener. */
export function ours(url: string, dir: TempDir, network: Network = "v3"): Impl {
  return {
    name: "ours",
    async create(wallet) {
      const dbPath = dir.unique("ours.sqlite");
      const p = await createOurs(url, dbPath, wallet, network);
      const c = p.client;
      const wrap = (g: Group): Conv => ({ id: g.id, raw: g });
      const g = (conv: Conv) => conv.raw as Group;
      return {
        inboxId: c.inboxId,
        dbPath,
        reopen: { privateKey: p.wallet.privateKey, dbPath },
        createGroup: async (ids) => wrap(await c.conversations.createGroup(ids)),
        addMembers: (conv, ids) => g(conv).addMembers(ids),
        send: async (conv, text) => {
          await g(conv).sendText(text);
        },
        syncWelcomes: async () => {
          await c.conversations.sync();
        },
        find: async (id) => {
          const found = await c.conversations.getConversationById(id);
          if (!found) throw new Error(`ours: conversation ${id} not found`);
          return wrap(found as Group);
        },
        syncConv: async (conv) => {
          await g(conv).sync();
        },
        syncAll: async () => {
          await c.conversations.syncAll();
        },
        countTexts: async (conv) =>
          (await g(conv).messages()).filter((m) => m.contentType?.typeId === "text").length,
        // group.stream(): subscribes from the group's cursor, processes each envelope as sync does.
        listen: async (conv, onText) => {
          const stream = await g(conv).stream({
            onValue: (m) => {
              if (m.contentType?.typeId === "text") onText(String(m.content));
            },
          });
          return async () => {
            await stream.end();
          };
        },
      };
    },
  };
}

export function libxmtp154(url: string, dir: TempDir): Impl {
  return {
    name: "libxmtp-1.5.4",
    async create(wallet) {
      const dbPath = dir.unique("154.db3");
      const p = await createLibxmtp154(url, dbPath, { wallet, appVersion: "bench-1.5.4" });
      const c = p.client;
      const wrap = (x: b154.Conversation): Conv => ({ id: x.id(), raw: x });
      const g = (conv: Conv) => conv.raw as b154.Conversation;
      return {
        inboxId: c.inboxId(),
        dbPath,
        reopen: {
          privateKey: p.wallet.privateKey,
          dbPath,
          dbKeyHex: Buffer.from(p.dbKey).toString("hex"),
        },
        createGroup: async (ids) => wrap(await c.conversations().createGroupByInboxId(ids)),
        addMembers: (conv, ids) => g(conv).addMembersByInboxId(ids),
        send: async (conv, text) => {
          await g(conv).send(textContent154(text));
        },
        syncWelcomes: () => c.conversations().sync(),
        find: async (id) => wrap(c.conversations().findGroupById(id)),
        syncConv: (conv) => g(conv).sync(),
        syncAll: async () => {
          await c.conversations().syncAllConversations();
        },
        countTexts: async (conv) =>
          (await g(conv).findMessages()).filter((m) => m.content.type?.typeId === "text").length,
        listen: async (conv, onText) => {
          const closer = g(conv).stream(
            (err, m) => {
              if (!err && m && m.content.type?.typeId === "text") {
                onText(new TextDecoder().decode(m.content.content));
              }
            },
            () => {},
          );
          await closer.waitForReady();
          return async () => closer.end();
        },
      };
    },
  };
}

/** `network` "d14n": `url` is the node's d14n listener, given to libxmtp as its gatewayHost. */
export function libxmtp191(url: string, dir: TempDir, network: Network = "v3"): Impl {
  return {
    name: "libxmtp-1.9.1",
    async create(wallet) {
      const dbPath = dir.unique("191.db3");
      const p = await createLibxmtp191(url, dbPath, {
        wallet,
        appVersion: "bench-1.9.1",
        ...(network === "d14n" ? { gatewayHost: url } : {}),
      });
      const c = p.client;
      type G = NonNullable<Awaited<ReturnType<typeof c.conversations.getConversationById>>>;
      const wrap = (x: G): Conv => ({ id: x.id, raw: x });
      const g = (conv: Conv) => conv.raw as G;
      return {
        inboxId: c.inboxId,
        dbPath,
        reopen: {
          privateKey: p.wallet.privateKey,
          dbPath,
          dbKeyHex: Buffer.from(p.dbKey).toString("hex"),
        },
        createGroup: async (ids) => wrap(await c.conversations.createGroup(ids)),
        addMembers: async (conv, ids) => {
          await (g(conv) as Awaited<ReturnType<typeof c.conversations.createGroup>>).addMembers(
            ids,
          );
        },
        send: async (conv, text) => {
          await g(conv).sendText(text);
        },
        syncWelcomes: () => c.conversations.sync(),
        find: async (id) => {
          const found = await c.conversations.getConversationById(id);
          if (!found) throw new Error(`1.9.1: conversation ${id} not found`);
          return wrap(found);
        },
        syncConv: async (conv) => {
          await g(conv).sync();
        },
        syncAll: async () => {
          await c.conversations.syncAll();
        },
        countTexts: async (conv) =>
          (await g(conv).messages()).filter((m) => m.contentType?.typeId === "text").length,
        listen: async (conv, onText) => {
          const stream = await g(conv).stream({
            onValue: (m) => {
              if (m.contentType?.typeId === "text") onText(String(m.content));
            },
          });
          return async () => {
            await stream.end();
          };
        },
      };
    },
  };
}

/** How the benchmark waits: every 50 ms, for up to a minute. */
export const POLL = { timeoutMs: 60_000, intervalMs: 50 };

/** The receiver joins `id` through its welcomes. */
export async function join(h: Handle, id: string): Promise<Conv> {
  return eventually(
    async () => {
      await h.syncWelcomes();
      return h.find(id).catch(() => undefined);
    },
    `${h.inboxId} to join ${id}`,
    POLL,
  );
}
