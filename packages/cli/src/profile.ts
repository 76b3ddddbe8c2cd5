// Profiles: one directory per identity under the x home (default ~/.x, or X_HOME / --home):
//
//   <home>/node.sqlite                 the database of `x node`
//   <home>/profiles/<name>/profile.json  address, inbox id, installation id, node URL
//   <home>/profiles/<name>/wallet.key    the wallet's private key (hex, mode 0600)
//   <home>/profiles/<name>/db.key        the 32-byte client database key (hex, mode 0600)
//   <home>/profiles/<name>/client.db3    the client database, encrypted with db.key
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { CliError, usageError } from "./errors.js";

export const DEFAULT_PROFILE = "default";

export interface ProfileInfo {
  name: string;
  address: string;
  inboxId: string;
  installationId: string;
  /** The node URL the profile was registered with (the gateway's on d14n). */
  url: string;
  /** The network it was registered on (absent in profiles made before d14n: "v3"). */
  network?: "v3" | "d14n";
  createdAt: string;
}

export function resolveHome(option: string | undefined, env: NodeJS.ProcessEnv): string {
  const home = option ?? (env.X_HOME || path.join(homedir(), ".x"));
  return path.resolve(home);
}

export function profileName(option: string | undefined, env: NodeJS.ProcessEnv): string {
  const name = option ?? (env.X_PROFILE || DEFAULT_PROFILE);
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name) || name.startsWith(".")) {
    throw usageError(
      `profile name ${JSON.stringify(name)} is not allowed: use 1..64 letters, digits, ".", "_" or "-"`,
    );
  }
  return name;
}

export class ProfileDir {
  readonly dir: string;

  constructor(
    readonly home: string,
    readonly name: string,
  ) {
    this.dir = path.join(home, "profiles", name);
  }

  get infoPath(): string {
    return path.join(this.dir, "profile.json");
  }
  get walletKeyPath(): string {
    return path.join(this.dir, "wallet.key");
  }
  get dbKeyPath(): string {
    return path.join(this.dir, "db.key");
  }
  get dbPath(): string {
    return path.join(this.dir, "client.db3");
  }

  exists(): boolean {
    return existsSync(this.infoPath);
  }

  /** Creates the directory and the two key files (0600). Fails if the profile exists. */
  create(walletKey: `0x${string}`): { walletKey: `0x${string}`; dbKey: Uint8Array } {
    if (existsSync(this.dir)) {
      throw new CliError(
        "cli.profile_exists",
        `profile "${this.name}" already exists in ${this.dir}; pick another with --profile, or remove that directory to start over`,
      );
    }
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const dbKey = new Uint8Array(randomBytes(32));
    writeSecret(this.walletKeyPath, `${walletKey}\n`);
    writeSecret(this.dbKeyPath, `${Buffer.from(dbKey).toString("hex")}\n`);
    return { walletKey, dbKey };
  }

  /** Records the registered identity; a profile without it is not usable. */
  saveInfo(info: ProfileInfo): void {
    const tmp = `${this.infoPath}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, this.infoPath);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The profile's info and keys; a missing or damaged profile gets a CliError saying what to do. */
  load(): { info: ProfileInfo; walletKey: `0x${string}`; dbKey: Uint8Array } {
    if (!this.exists()) {
      const flag = this.name === DEFAULT_PROFILE ? "" : ` --profile ${this.name}`;
      throw new CliError(
        "cli.profile_missing",
        `no profile "${this.name}" in ${this.home} — create one with \`x init${flag}\``,
      );
    }
    let info: ProfileInfo;
    try {
      info = JSON.parse(readFileSync(this.infoPath, "utf8")) as ProfileInfo;
    } catch (e) {
      throw new CliError(
        "cli.profile_invalid",
        `${this.infoPath} is not valid JSON; restore it or remove the profile directory and run \`x init\` again`,
        { cause: e },
      );
    }
    const walletKey = readSecret(this.walletKeyPath);
    if (!/^0x[0-9a-f]{64}$/.test(walletKey)) {
      throw new CliError(
        "cli.profile_invalid",
        `${this.walletKeyPath} does not hold a 32-byte hex key`,
      );
    }
    const dbKeyHex = readSecret(this.dbKeyPath);
    if (!/^[0-9a-f]{64}$/.test(dbKeyHex)) {
      throw new CliError(
        "cli.profile_invalid",
        `${this.dbKeyPath} does not hold a 32-byte hex key`,
      );
    }
    return {
      info,
      walletKey: walletKey as `0x${string}`,
      dbKey: new Uint8Array(Buffer.from(dbKeyHex, "hex")),
    };
  }
}

function writeSecret(file: string, text: string): void {
  writeFileSync(file, text, { mode: 0o600, flag: "wx" });
  chmodSync(file, 0o600); // the mode above is filtered by the umask
}

function readSecret(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8").trim().toLowerCase();
  } catch (e) {
    throw new CliError(
      "cli.profile_invalid",
      `cannot read ${file}: ${(e as Error).message}; the profile is incomplete — remove its directory and run \`x init\` again`,
      { cause: e },
    );
  }
  if ((statSync(file).mode & 0o077) !== 0) {
    throw new CliError(
      "cli.profile_invalid",
      `${file} can be read by other users; run \`chmod 600 ${file}\``,
    );
  }
  return text;
}

/** A wallet key given with --key: 32 bytes of hex, with or without 0x. */
export function parseWalletKey(text: string): `0x${string}` {
  const body = text.startsWith("0x") ? text.slice(2) : text;
  if (!/^[0-9a-fA-F]{64}$/.test(body)) {
    throw new CliError(
      "cli.bad_key",
      "--key must be a 32-byte private key in hex (64 hex digits, optionally prefixed with 0x)",
      { exitCode: 2 },
    );
  }
  return `0x${body.toLowerCase()}`;
}
