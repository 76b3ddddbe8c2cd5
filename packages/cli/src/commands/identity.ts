// x init, x whoami, x inbox, x revoke: the profile's identity.
import type { XmtpDatabase } from "@x/db";
import { openSqlite } from "@x/db/sqlite";
import { Client } from "@x/mls";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { parseCommandArgs } from "../args.js";
import { type Context, profileOf, withSession } from "../context.js";
import { explainNetworkError, usageError } from "../errors.js";
import { apiFor, resolveNetwork, resolveUrl } from "../network.js";
import { type ProfileInfo, parseWalletKey } from "../profile.js";

export async function initCommand(ctx: Context, rest: string[]): Promise<number> {
  const { positionals, options } = parseCommandArgs("init", rest, ["key"]);
  if (positionals.length > 0) throw usageError(`x init takes no arguments, got ${positionals[0]}`);
  const profile = profileOf(ctx);
  const walletKey = options.key !== undefined ? parseWalletKey(options.key) : generatePrivateKey();
  const account = privateKeyToAccount(walletKey);
  const network = resolveNetwork(ctx.global, ctx.env);
  const url = resolveUrl(ctx.global, undefined, network);
  const { dbKey } = profile.create(walletKey);
  let db: XmtpDatabase | undefined;
  try {
    ctx.out.progress(`registering ${account.address} on ${url}…`);
    db = await openSqlite({ path: profile.dbPath, encryptionKey: dbKey });
    const client = await Client.create(account, {
      api: apiFor(url, network),
      db,
      historySyncUrl: ctx.env.XMTP_HISTORY_SYNC_URL,
    });
    const info: ProfileInfo = {
      name: profile.name,
      address: account.address,
      inboxId: client.inboxId,
      installationId: client.installationId,
      url,
      network,
      createdAt: new Date().toISOString(),
    };
    profile.saveInfo(info);
    await db.close();
    ctx.out.result({ ...info, dir: profile.dir }, [
      `profile "${profile.name}" created in ${profile.dir}`,
      ...whoamiLines(info),
    ]);
    return 0;
  } catch (e) {
    await db?.close().catch(() => {});
    profile.remove(); // nothing half-made stays behind
    throw explainNetworkError(e, url);
  }
}

function whoamiLines(info: ProfileInfo): string[] {
  return [
    `address:         ${info.address}`,
    `inbox id:        ${info.inboxId}`,
    `installation id: ${info.installationId}`,
    `node:            ${info.url}`,
  ];
}

/** Reads the profile only: works without a node. */
export async function whoamiCommand(ctx: Context, rest: string[]): Promise<number> {
  const { positionals } = parseCommandArgs("whoami", rest);
  if (positionals.length > 0) throw usageError("x whoami takes no arguments");
  const profile = profileOf(ctx);
  const { info } = profile.load();
  ctx.out.result(
    {
      profile: profile.name,
      address: info.address,
      inboxId: info.inboxId,
      installationId: info.installationId,
      url: info.url,
    },
    [`profile:         ${profile.name}`, ...whoamiLines(info)],
  );
  return 0;
}

export async function inboxCommand(ctx: Context, rest: string[]): Promise<number> {
  const { positionals } = parseCommandArgs("inbox", rest);
  if (positionals.length > 0) throw usageError("x inbox takes no arguments");
  return withSession(ctx, async ({ client }) => {
    const state = await client.inboxState();
    const identifiers = state.identifiers.map((i) =>
      i.kind === "ethereum" ? i.address : `passkey:${Buffer.from(i.key).toString("hex")}`,
    );
    const recovery =
      state.recoveryIdentifier.kind === "ethereum" ? state.recoveryIdentifier.address : "passkey";
    const installations = state.installations.map((i) => ({
      id: i.id,
      current: i.id === client.installationId,
    }));
    ctx.out.result(
      {
        inboxId: state.inboxId,
        recoveryIdentifier: recovery,
        identifiers,
        installations,
        sequenceId: state.sequenceId,
      },
      [
        `inbox id:     ${state.inboxId}`,
        `recovery:     ${recovery}`,
        `identifiers:  ${identifiers.join(", ")}`,
        `installations (${installations.length}):`,
        ...installations.map((i) => `  ${i.id}${i.current ? "  (this one)" : ""}`),
      ],
    );
    return 0;
  });
}

/**
 * x revoke [installationId...]: revokes the given installations of this inbox, or every other
 * one. The profile's wallet signs, so it must be the inbox's recovery identifier.
 */
export async function revokeCommand(ctx: Context, rest: string[]): Promise<number> {
  const { positionals } = parseCommandArgs("revoke", rest);
  for (const id of positionals) {
    if (!/^[0-9a-fA-F]{64}$/.test(id)) {
      throw usageError(
        `${JSON.stringify(id)} is not an installation id (64 hex digits, see \`x inbox\`)`,
      );
    }
  }
  return withSession(ctx, async ({ client }) => {
    const mine = client.installationId;
    if (positionals.some((id) => id.toLowerCase() === mine)) {
      throw usageError(
        "x revoke cannot revoke the installation it runs on; run it from another one",
      );
    }
    const before = await client.inboxState();
    const targets =
      positionals.length > 0
        ? positionals.map((id) => id.toLowerCase())
        : before.installations.map((i) => i.id).filter((id) => id !== mine);
    if (targets.length === 0) {
      ctx.out.result(
        { revoked: [], installations: before.installations.map((i) => i.id) },
        "nothing to revoke: this is the inbox's only installation",
      );
      return 0;
    }
    ctx.out.progress(`revoking ${targets.length} installation(s)…`);
    const after = await client.revokeInstallations(targets);
    ctx.out.result({ revoked: targets, installations: after.installations.map((i) => i.id) }, [
      `revoked ${targets.length} installation(s):`,
      ...targets.map((id) => `  ${id}`),
      `remaining: ${after.installations.map((i) => i.id).join(", ")}`,
    ]);
    return 0;
  });
}
