// The demo's people behind one interface: clients of ours (@x/mls) and a real libxmtp client
// (1.5.4 on the v3 network; 1.9.1 in d14n mode on the decentralized network).

import { randomBytes } from "node:crypto";
import path from "node:path";
import { createD14nApiClient } from "@x/api-d14n";
import { createGrpcApiClient } from "@x/api-grpc";
import type { XmtpDatabase } from "@x/db";
import { openSqlite } from "@x/db/sqlite";
import { Client } from "@x/mls";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import {
  type LibxmtpPeer,
  libxmtp191Peer,
  libxmtpPeer,
  libxmtpTexts,
  type Peer191,
  textContent,
} from "./libxmtp.js";

export type Network = "v3" | "d14n";

export interface Member {
  name: string;
  /** "@x/mls" or "libxmtp 1.5.4" */
  implementation: string;
  address: string;
  inboxId: string;
  /** Sends a text to a conversation the member is in (fetching its welcome first if needed). */
  send(conversationId: string, text: string): Promise<void>;
  /** Fetches new messages and returns the conversation's texts, oldest first. */
  read(conversationId: string): Promise<string[]>;
  close(): Promise<void>;
}

export class OurMember implements Member {
  readonly implementation = "@x/mls";

  private constructor(
    readonly name: string,
    readonly address: string,
    readonly client: Client,
    private readonly db: XmtpDatabase,
  ) {}

  static async create(
    name: string,
    url: string,
    dir: string,
    network: Network = "v3",
  ): Promise<OurMember> {
    const account = privateKeyToAccount(generatePrivateKey());
    const db = await openSqlite({
      path: path.join(dir, `${name}.db3`),
      encryptionKey: new Uint8Array(randomBytes(32)),
    });
    // The one line that picks the network: @x/api-grpc for a v3 node, @x/api-d14n for a gateway.
    const api =
      network === "d14n"
        ? createD14nApiClient({ gatewayUrl: url, appVersion: "x-demo" })
        : createGrpcApiClient({ url, appVersion: "x-demo" });
    const client = await Client.create(account, { api, db });
    return new OurMember(name, account.address, client, db);
  }

  get inboxId(): string {
    return this.client.inboxId;
  }

  async conversation(id: string) {
    let found = await this.client.conversations.getConversationById(id);
    if (found === undefined) {
      await this.client.conversations.sync();
      found = await this.client.conversations.getConversationById(id);
    }
    if (found === undefined) throw new Error(`${this.name} is not in conversation ${id}`);
    return found;
  }

  async send(conversationId: string, text: string): Promise<void> {
    await (await this.conversation(conversationId)).sendText(text);
  }

  async read(conversationId: string): Promise<string[]> {
    const conversation = await this.conversation(conversationId);
    await conversation.sync();
    const messages = await conversation.messages({ includeTranscript: false });
    return messages.filter((m) => typeof m.content === "string").map((m) => m.content as string);
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

/** What the demo asks of its libxmtp member beyond sending and reading. */
export interface LibxmtpLike extends Member {
  /** Streams every text of every conversation; resolves once the stream is open. */
  streamTexts(
    onText: (m: { conversationId: string; senderInboxId: string; text: string }) => void,
  ): Promise<() => void>;
  /** Opens a DM with the inbox; returns its id. */
  openDm(inboxId: string): Promise<string>;
}

export class LibxmtpMember implements LibxmtpLike {
  readonly implementation = "libxmtp 1.5.4";

  private constructor(
    readonly name: string,
    readonly peer: LibxmtpPeer,
  ) {}

  static async create(name: string, url: string, dir: string): Promise<LibxmtpMember> {
    return new LibxmtpMember(name, await libxmtpPeer(url, dir));
  }

  get address(): string {
    return privateKeyToAccount(this.peer.wallet.privateKey).address;
  }

  get inboxId(): string {
    return this.peer.client.inboxId();
  }

  private async conversation(id: string) {
    const conversations = this.peer.client.conversations();
    try {
      return conversations.findGroupById(id);
    } catch {
      await conversations.sync();
      return conversations.findGroupById(id);
    }
  }

  async send(conversationId: string, text: string): Promise<void> {
    await (await this.conversation(conversationId)).send(textContent(text));
  }

  async read(conversationId: string): Promise<string[]> {
    const conversation = await this.conversation(conversationId);
    await conversation.sync();
    return libxmtpTexts(conversation);
  }

  async streamTexts(
    onText: (m: { conversationId: string; senderInboxId: string; text: string }) => void,
  ): Promise<() => void> {
    const closer = this.peer.client.conversations().streamAllMessages(
      (err, message) => {
        if (err || message === undefined || message.content.type?.typeId !== "text") return;
        onText({
          conversationId: message.convoId,
          senderInboxId: message.senderInboxId,
          text: new TextDecoder().decode(message.content.content),
        });
      },
      () => {},
    );
    await closer.waitForReady();
    return () => closer.end();
  }

  async openDm(inboxId: string): Promise<string> {
    return (await this.peer.client.conversations().createDmByInboxId(inboxId)).id();
  }

  async close(): Promise<void> {}
}

/** libxmtp 1.9.1 (@xmtp/node-sdk 5.5.0) created in d14n mode: `gatewayHost` = the gateway. */
export class Libxmtp191Member implements LibxmtpLike {
  readonly implementation = "libxmtp 1.9.1";

  private constructor(
    readonly name: string,
    readonly peer: Peer191,
  ) {}

  static async create(name: string, url: string, dir: string): Promise<Libxmtp191Member> {
    return new Libxmtp191Member(name, await libxmtp191Peer(url, dir));
  }

  get address(): string {
    return privateKeyToAccount(this.peer.wallet.privateKey).address;
  }

  get inboxId(): string {
    return this.peer.client.inboxId;
  }

  private async conversation(id: string) {
    const conversations = this.peer.client.conversations;
    let found = await conversations.getConversationById(id);
    if (found === undefined) {
      await conversations.sync();
      found = await conversations.getConversationById(id);
    }
    if (found === undefined) throw new Error(`${this.name} is not in conversation ${id}`);
    return found;
  }

  async send(conversationId: string, text: string): Promise<void> {
    await (await this.conversation(conversationId)).sendText(text);
  }

  async read(conversationId: string): Promise<string[]> {
    const conversation = await this.conversation(conversationId);
    await conversation.sync();
    const messages = await conversation.messages();
    return messages.filter((m) => m.contentType?.typeId === "text").map((m) => String(m.content));
  }

  async streamTexts(
    onText: (m: { conversationId: string; senderInboxId: string; text: string }) => void,
  ): Promise<() => void> {
    const stream = await this.peer.client.conversations.streamAllMessages({
      onValue: (m) => {
        if (m.contentType?.typeId !== "text") return;
        onText({
          conversationId: m.conversationId,
          senderInboxId: m.senderInboxId,
          text: String(m.content),
        });
      },
    });
    return () => void stream.end();
  }

  async openDm(inboxId: string): Promise<string> {
    return (await this.peer.client.conversations.createDm(inboxId)).id;
  }

  async close(): Promise<void> {}
}
