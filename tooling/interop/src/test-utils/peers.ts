// One face for the two libxmtp APIs the interop tests run against: @xmtp/node-bindings 1.5.4
// (libxmtp 1.5.4) and @xmtp/node-sdk 5.5.0 (libxmtp 1.9.1). A scenario written against
// LibxmtpPeer runs unchanged for both; where the APIs differ (canMessage's return shape,
// isActive as method or getter, addMembersByInboxId or addMembers, ...) the adapter hides it.
import type * as bindings154 from "@xmtp/node-bindings";
import {
  type Identifier,
  peer154,
  peer191,
  randomWallet,
  type SdkConversation,
  type TempDir,
  textContent,
  texts154,
  texts191,
  type Wallet,
} from "./libxmtp.js";

/** A group or DM as a libxmtp client holds it. */
export interface LibxmtpConversation {
  readonly id: string;
  sync(): Promise<void>;
  send(text: string): Promise<void>;
  /** Syncs, then returns the texts of the application messages, oldest first. */
  texts(): Promise<string[]>;
  name(): string;
  isActive(): boolean;
  epoch(): Promise<bigint>;
  members(): Promise<{ inboxId: string; installationIds: string[] }[]>;
  addMembers(inboxIds: string[]): Promise<void>;
}

export interface LibxmtpPeer {
  readonly version: string;
  readonly inboxId: string;
  readonly wallet: Wallet;
  libxmtpVersion(): string | undefined;
  /** Whether each identifier can be messaged, keyed by its identifier string. */
  canMessage(identifiers: Identifier[]): Promise<Record<string, boolean>>;
  /** Syncs the conversation list, finds the conversation by id (or fails) and syncs it. */
  findConversation(id: string): Promise<LibxmtpConversation>;
  /** Syncs the conversation list, finds the DM with `inboxId` (or fails) and syncs it. */
  findDm(inboxId: string): Promise<LibxmtpConversation>;
  createGroup(inboxIds: string[]): Promise<LibxmtpConversation>;
  createDm(inboxId: string): Promise<LibxmtpConversation>;
}

/** How a scenario gets peers of one libxmtp version. */
export interface LibxmtpVersion {
  readonly version: string;
  /** Which network it talks to: "v3" (the node's MLS API) or "d14n" (gateway + replication). */
  network: "v3" | "d14n";
  /** `url`: the node's v3 URL, or its d14n URL for a d14n peer. */
  create(url: string, dir: TempDir): Promise<LibxmtpPeer>;
}

function conversation154(c: bindings154.Conversation): LibxmtpConversation {
  return {
    id: c.id(),
    sync: async () => {
      await c.sync();
    },
    send: async (text) => {
      await c.send(textContent(text));
    },
    texts: async () => {
      await c.sync();
      return texts154(c);
    },
    name: () => c.groupName(),
    isActive: () => c.isActive(),
    epoch: async () => (await c.debugInfo()).epoch,
    members: async () => await c.listMembers(),
    addMembers: (inboxIds) => c.addMembersByInboxId(inboxIds),
  };
}

export const libxmtp154: LibxmtpVersion = {
  version: "1.5.4",
  network: "v3",
  async create(url, dir) {
    const { client, wallet } = await peer154(url, dir);
    const conversations = client.conversations();
    return {
      version: "1.5.4",
      inboxId: client.inboxId(),
      wallet,
      libxmtpVersion: () => client.libxmtpVersion(),
      canMessage: (identifiers) => client.canMessage(identifiers as bindings154.Identifier[]),
      async findConversation(id) {
        await conversations.sync();
        const c = conversation154(conversations.findGroupById(id));
        await c.sync();
        return c;
      },
      async findDm(inboxId) {
        await conversations.sync();
        const c = conversation154(conversations.findDmByTargetInboxId(inboxId));
        await c.sync();
        return c;
      },
      createGroup: async (inboxIds) =>
        conversation154(await conversations.createGroupByInboxId(inboxIds)),
      createDm: async (inboxId) => conversation154(await conversations.createDmByInboxId(inboxId)),
    };
  },
};

function conversation191(c: SdkConversation): LibxmtpConversation {
  return {
    id: c.id,
    sync: async () => {
      await c.sync();
    },
    send: async (text) => {
      await c.sendText(text);
    },
    texts: () => texts191(c),
    name: () => (c as { name: string }).name,
    isActive: () => c.isActive,
    epoch: async () => (await c.debugInfo()).epoch,
    members: async () => await c.members(),
    addMembers: (inboxIds) =>
      (c as unknown as { addMembers(ids: string[]): Promise<void> }).addMembers(inboxIds),
  };
}

async function synced191(c: SdkConversation | undefined, what: string) {
  if (c === undefined) throw new Error(`1.9.1 client has no ${what}`);
  await c.sync();
  return conversation191(c);
}

/** libxmtp 1.9.1 on v3 (`url` = the node), or with `d14n` on the decentralized network only. */
const make191 = (d14n: boolean): LibxmtpVersion => ({
  version: "1.9.1",
  network: d14n ? "d14n" : "v3",
  async create(url, dir) {
    const wallet = randomWallet();
    const client = await peer191(url, dir, wallet, d14n ? { gatewayHost: url } : {});
    return {
      version: "1.9.1",
      inboxId: client.inboxId,
      wallet,
      libxmtpVersion: () => client.libxmtpVersion,
      canMessage: async (identifiers) =>
        Object.fromEntries(await client.canMessage(identifiers as never)),
      async findConversation(id) {
        await client.conversations.sync();
        const c = await client.conversations.getConversationById(id);
        return synced191(c, `conversation ${id}`);
      },
      async findDm(inboxId) {
        await client.conversations.sync();
        const c = client.conversations.getDmByInboxId(inboxId) as SdkConversation | undefined;
        return synced191(c, `DM with ${inboxId}`);
      },
      createGroup: async (inboxIds) =>
        conversation191((await client.conversations.createGroup(inboxIds)) as SdkConversation),
      createDm: async (inboxId) =>
        conversation191((await client.conversations.createDm(inboxId)) as SdkConversation),
    };
  },
});

export const libxmtp191 = make191(false);
/** libxmtp 1.9.1 created in d14n mode (`gatewayHost` = the node's d14n URL). */
export const libxmtp191d14n = make191(true);
