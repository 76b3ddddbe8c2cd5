// The demo's people behind one interface: clients of ours (@x/mls) and the libxmtp 1.5.4 client.

import { randomBytes } from "node:crypto";
import path from "node:path";
import { createGrpcApiClient } from "@x/api-grpc";
import type { XmtpDatabase } from "@x/db";
import { openSqlite } from "@x/db/sqlite";
import { Client } from "@x/mls";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { type LibxmtpPeer, libxmtpPeer, libxmtpTexts, textContent } from "./libxmtp.js";

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

  static async create(name: string, url: string, dir: string): Promise<OurMember> {
    const account = privateKeyToAccount(generatePrivateKey());
    const db = await openSqlite({
      path: path.join(dir, `${name}.db3`),
      encryptionKey: new Uint8Array(randomBytes(32)),
    });
    const client = await Client.create(account, {
      api: createGrpcApiClient({ url, appVersion: "x-demo" }),
      db,
    });
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

export class LibxmtpMember implements Member {
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

  async close(): Promise<void> {}
}
