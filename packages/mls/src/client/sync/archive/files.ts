// Archives as files, for Node. node:fs is imported only when one of these is called, so the
// package still loads in a browser (where these reject: there is no file system to write to).
import { randomBytes, toHex } from "@x/crypto";
import type { ClientDatabase } from "@x/db";
import { ClientError } from "../../errors.js";
import { type ArchiveOptions, exportArchive } from "./export.js";
import { type ImportArchiveOptions, type ImportSummary, importArchive } from "./import.js";
import type { ArchiveMetadata } from "./metadata.js";
import { archiveMetadata } from "./read-metadata.js";

async function nodeFs() {
  try {
    // Specifiers a bundler does not follow: a page's bundle must not try to resolve node:fs.
    const names = ["node:fs", "node:fs/promises"] as const;
    const [fs, promises] = (await Promise.all([
      import(/* @vite-ignore */ names[0]),
      import(/* @vite-ignore */ names[1]),
    ])) as [typeof import("node:fs"), typeof import("node:fs/promises")];
    return { createReadStream: fs.createReadStream, ...promises };
  } catch (cause) {
    throw new ClientError(
      "CLIENT_INVALID_ARGUMENT",
      "archive files need node:fs; elsewhere, use exportArchive / importArchive with bytes or streams",
      { cause },
    );
  }
}

function checkPath(path: unknown): string {
  if (typeof path !== "string" || path.length === 0) {
    throw new ClientError("CLIENT_INVALID_ARGUMENT", "the archive path must be a non-empty string");
  }
  return path;
}

/**
 * Writes an archive of `db` to `path`. The bytes go to a temporary file beside it, renamed to
 * `path` once complete, so a failed export leaves no partial archive behind.
 */
export async function createArchiveFile(
  db: ClientDatabase,
  path: string,
  options: ArchiveOptions | undefined,
  key: Uint8Array,
): Promise<void> {
  checkPath(path);
  const bytes = exportArchive(db, options, key); // checks options and key before any file I/O
  const fs = await nodeFs();
  const temp = `${path}.${toHex(randomBytes(6))}.partial`;
  const file = await fs.open(temp, "wx");
  try {
    try {
      for await (const chunk of bytes) await file.write(chunk);
      await file.sync();
    } finally {
      await file.close();
    }
    await fs.rename(temp, path);
  } catch (e) {
    await fs.rm(temp, { force: true }).catch(() => {});
    throw e;
  }
}

/** Imports the archive at `path` (read as a stream; see importArchive). */
export async function importArchiveFile(
  db: ClientDatabase,
  ownInboxId: string,
  path: string,
  key: Uint8Array,
  options?: ImportArchiveOptions,
): Promise<ImportSummary> {
  checkPath(path);
  const fs = await nodeFs();
  const stream = fs.createReadStream(path);
  try {
    return await importArchive(db, ownInboxId, stream, key, options);
  } finally {
    stream.destroy();
  }
}

/** The metadata of the archive at `path` (only its first element is read). */
export async function archiveFileMetadata(path: string, key: Uint8Array): Promise<ArchiveMetadata> {
  checkPath(path);
  const fs = await nodeFs();
  const stream = fs.createReadStream(path);
  try {
    return await archiveMetadata(stream, key);
  } finally {
    stream.destroy();
  }
}
