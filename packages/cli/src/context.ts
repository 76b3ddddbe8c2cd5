// What every command gets: the parsed options, the output, the profile, and a way to open the
// profile's client.
import type { XmtpDatabase } from "@x/db";
import { openSqlite } from "@x/db/sqlite";
import { ethereumIdentifier } from "@x/id";
import { Client, type Conversation } from "@x/mls";
import { privateKeyToAccount } from "viem/accounts";
import type { GlobalOptions } from "./args.js";
import { CliError, explainNetworkError, usageError } from "./errors.js";
import { shortId } from "./format.js";
import { apiFor, resolveNetwork, resolveUrl } from "./network.js";
import type { Io, Output } from "./output.js";
import { ProfileDir, profileName, resolveHome } from "./profile.js";

export interface Context {
  global: GlobalOptions;
  io: Io;
  out: Output;
  env: NodeJS.ProcessEnv;
  home: string;
  /** Resolves when the user interrupts (SIGINT/SIGTERM), for long-running commands. */
  interrupted: Promise<string>;
}

export function makeContext(
  global: GlobalOptions,
  io: Io,
  out: Output,
  env: NodeJS.ProcessEnv,
  interrupted: Promise<string>,
): Context {
  return { global, io, out, env, home: resolveHome(global.home, env), interrupted };
}

export function profileOf(ctx: Context): ProfileDir {
  return new ProfileDir(ctx.home, profileName(ctx.global.profile, ctx.env));
}

export interface Session {
  client: Client;
  db: XmtpDatabase;
  url: string;
  profile: ProfileDir;
  /** Display names: "me", or the inbox's Ethereum address, shortened. */
  names: Names;
  close(): Promise<void>;
}

/** Opens the profile's database and its registered client (no new registration). */
export async function openSession(ctx: Context): Promise<Session> {
  const profile = profileOf(ctx);
  const { info, walletKey, dbKey } = profile.load();
  const network = resolveNetwork(ctx.global, ctx.env, info.network);
  const url = resolveUrl(ctx.global, info.url, network);
  const db = await openSqlite({ path: profile.dbPath, encryptionKey: dbKey });
  try {
    const client = await Client.create(privateKeyToAccount(walletKey), {
      api: apiFor(url, network),
      db,
      identityStrategy: "cachedOnly",
      historySyncUrl: ctx.env.XMTP_HISTORY_SYNC_URL,
    });
    return {
      client,
      db,
      url,
      profile,
      names: new Names(client),
      close: () => db.close(),
    };
  } catch (e) {
    await db.close();
    throw explainNetworkError(e, url);
  }
}

/** Runs `fn` with an open session, closing it afterwards and explaining network failures. */
export async function withSession<T>(ctx: Context, fn: (s: Session) => Promise<T>): Promise<T> {
  const session = await openSession(ctx);
  try {
    return await fn(session);
  } catch (e) {
    throw explainNetworkError(e, session.url);
  } finally {
    await session.close();
  }
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const INBOX_ID = /^[0-9a-fA-F]{64}$/;

/** Inbox ids for members given as Ethereum addresses or inbox ids. */
export async function resolveInboxIds(
  client: Client,
  refs: readonly string[],
  url: string,
): Promise<string[]> {
  const out: string[] = [];
  for (const ref of refs) {
    if (INBOX_ID.test(ref)) {
      out.push(ref.toLowerCase());
    } else if (ADDRESS.test(ref)) {
      const inboxId = await client.getInboxIdByIdentifier(ethereumIdentifier(ref));
      if (inboxId === undefined) {
        throw new CliError(
          "cli.not_found",
          `${ref} has no XMTP inbox on ${url}; its owner must register first (\`x init\`)`,
        );
      }
      out.push(inboxId);
    } else {
      throw usageError(
        `${JSON.stringify(ref)} is neither an Ethereum address (0x + 40 hex digits) nor an inbox id (64 hex digits)`,
      );
    }
  }
  return out;
}

/**
 * A conversation named by its id (or a unique prefix of at least 6 hex digits), or a DM by the
 * peer's address or inbox id. Welcomes are synced once if it is not found locally.
 */
export async function findConversation(s: Session, ref: string): Promise<Conversation> {
  const found = await lookup(s, ref);
  if (found !== undefined) return found;
  await s.client.conversations.sync();
  const again = await lookup(s, ref);
  if (again !== undefined) return again;
  throw new CliError(
    "cli.not_found",
    `no conversation ${JSON.stringify(ref)} in profile "${s.profile.name}" — \`x list\` shows the conversations you are in`,
  );
}

async function lookup(s: Session, ref: string): Promise<Conversation | undefined> {
  const conversations = s.client.conversations;
  if (ADDRESS.test(ref) || INBOX_ID.test(ref)) {
    let inboxId: string | undefined = ref.toLowerCase();
    if (ADDRESS.test(ref)) inboxId = await s.client.getInboxIdByIdentifier(ethereumIdentifier(ref));
    return inboxId === undefined ? undefined : conversations.getDmByInboxId(inboxId);
  }
  if (!/^[0-9a-fA-F]{6,}$/.test(ref)) {
    throw usageError(
      `${JSON.stringify(ref)} is not a conversation id (hex, as \`x list\` shows), an address or an inbox id`,
    );
  }
  const exact = await conversations.getConversationById(ref.toLowerCase());
  if (exact !== undefined) return exact;
  const matches = (await conversations.list()).filter((c) => c.id.startsWith(ref.toLowerCase()));
  if (matches.length > 1) {
    throw usageError(`${ref} matches ${matches.length} conversations; give more of the id`);
  }
  return matches[0];
}

export class Names {
  private readonly known = new Map<string, string>();

  constructor(private readonly client: Client) {
    this.known.set(client.inboxId, "me");
  }

  /** Looks up the addresses of inboxes not seen yet (failures fall back to the inbox id). */
  async load(inboxIds: Iterable<string>): Promise<void> {
    for (const id of new Set(inboxIds)) {
      if (this.known.has(id)) continue;
      try {
        const state = await this.client.inboxState(id);
        const eth = state.identifiers.find((i) => i.kind === "ethereum");
        this.known.set(id, eth ? shortAddress(eth.address) : shortId(id));
      } catch {
        this.known.set(id, shortId(id));
      }
    }
  }

  name = (inboxId: string): string => this.known.get(inboxId) ?? shortId(inboxId);
}

export function shortAddress(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}
