// A consumer's TypeScript against the installed packages: the release test type-checks it with
// `moduleResolution` nodenext and bundler (strict, skipLibCheck off, so our declaration files are
// checked too). Each line uses a type that would be `any` or an error if a package's types did
// not resolve; the @ts-expect-error lines fail the check if a type were too loose.
import type { XmtpApiClient } from "@x/api";
import { decodeTopic, type TopicKind } from "@x/api-d14n";
import { createGrpcApiClient } from "@x/api-grpc";
import { ContentTypeText, defaultCodecs } from "@x/content-types";
import { sha256, toHex } from "@x/crypto";
import type { XmtpDatabase } from "@x/db";
import { openSqlite } from "@x/db/sqlite";
import { ethereumIdentifier } from "@x/id";
import { type Client, ClientError, type DecodedMessage, type Group } from "@x/mls";
import { type RunningNode, startNode } from "@x/node";
import { create } from "@x/proto";
import {
  createSigner,
  isText,
  Client as SdkClient,
  type DecodedMessage as SdkMessage,
} from "@x/sdk";
import { privateKeyToAccount } from "viem/accounts";

export async function consumer(key: `0x${string}`): Promise<string> {
  const node: RunningNode = await startNode({ port: 0, webPort: null, db: ":memory:" });
  const api: XmtpApiClient = createGrpcApiClient({ url: node.url });
  const db: XmtpDatabase = await openSqlite({ path: ":memory:" });
  const { Client: ClientClass } = await import("@x/mls");
  const client: Client = await ClientClass.create(privateKeyToAccount(key), { api, db });
  const group: Group = await client.conversations.createGroup([], { name: "types" });
  const id: string = await group.sendText("hi");
  // @ts-expect-error sendText takes a string
  await group.sendText(42);
  const messages: DecodedMessage[] = await group.messages();
  const epoch: bigint = await group.epoch();
  const identifier = ethereumIdentifier("0x0000000000000000000000000000000000000001");
  const digest: string = toHex(sha256(new TextEncoder().encode(identifier.address)));
  const kindOf = (bytes: Uint8Array): TopicKind => decodeTopic(bytes).kind;
  const codecs = defaultCodecs();
  const typeId: string = ContentTypeText.typeId;
  const empty = create;
  const error: boolean = new Error("x") instanceof ClientError;
  await node.stop();
  return [id, messages.length, epoch, digest, kindOf, codecs, typeId, empty, error].join();
}

/** @x/sdk, node-sdk's names: typed options, content narrowed by the guards. */
export async function sdkConsumer(apiUrl: string): Promise<string[]> {
  const client: SdkClient = await SdkClient.create(createSigner(), {
    env: "local",
    apiUrl,
    dbPath: (inboxId: string) => `${inboxId}.db3`,
  });
  // @ts-expect-error dbPath is a path, a function of the inbox id, or null
  await SdkClient.create(createSigner(), { dbPath: 42 });
  const dm = await client.conversations.createDm(client.inboxId);
  const messages: SdkMessage[] = await dm.messages();
  const texts: string[] = messages.filter(isText).map((m) => m.content ?? "");
  await client.close();
  return texts;
}
