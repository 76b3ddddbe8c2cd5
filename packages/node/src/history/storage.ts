// Where the history server keeps its uploads: files in a folder, or a Map in memory.
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import path from "node:path";

/** An upload's id: a lowercase UUID, the only name the server reads or writes. */
export const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface StoredUpload {
  size: number;
  /** When it was stored, in ms since the epoch. */
  at: number;
}

export interface UploadStorage {
  /** The uploads stored already (a folder's files, by their mtime). */
  scan(): Promise<Map<string, StoredUpload>>;
  write(id: string, data: Buffer): Promise<void>;
  /** The upload's bytes, or undefined when it is gone. */
  read(id: string): Promise<Buffer | undefined>;
  remove(id: string): Promise<void>;
}

export class MemoryStorage implements UploadStorage {
  private readonly data = new Map<string, Buffer>();

  async scan(): Promise<Map<string, StoredUpload>> {
    return new Map();
  }

  async write(id: string, data: Buffer): Promise<void> {
    this.data.set(id, data);
  }

  async read(id: string): Promise<Buffer | undefined> {
    return this.data.get(id);
  }

  async remove(id: string): Promise<void> {
    this.data.delete(id);
  }
}

const TMP_SUFFIX = ".tmp";

const isMissing = (e: unknown) => (e as NodeJS.ErrnoException).code === "ENOENT";

export class DirStorage implements UploadStorage {
  constructor(readonly dir: string) {}

  async scan(): Promise<Map<string, StoredUpload>> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const found = new Map<string, StoredUpload>();
    for (const name of await readdir(this.dir)) {
      const file = path.join(this.dir, name);
      // A write cut short by a crash: never renamed to its id, so never served.
      if (name.endsWith(TMP_SUFFIX) && UPLOAD_ID.test(name.slice(0, -TMP_SUFFIX.length))) {
        await unlink(file).catch(() => {});
        continue;
      }
      if (!UPLOAD_ID.test(name)) continue;
      const info = await stat(file);
      if (info.isFile()) found.set(name, { size: info.size, at: info.mtimeMs });
    }
    return found;
  }

  /** Written under a temporary name, then renamed: a reader never sees half a file. */
  async write(id: string, data: Buffer): Promise<void> {
    const tmp = this.file(id) + TMP_SUFFIX;
    try {
      await writeFile(tmp, data, { mode: 0o600 });
      await rename(tmp, this.file(id));
    } catch (e) {
      await unlink(tmp).catch(() => {});
      throw e;
    }
  }

  async read(id: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.file(id));
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  async remove(id: string): Promise<void> {
    await unlink(this.file(id)).catch((e) => {
      if (!isMissing(e)) throw e;
    });
  }

  private file(id: string): string {
    // Callers check the id; checked again here since it becomes a path.
    if (!UPLOAD_ID.test(id)) throw new Error(`not an upload id: ${JSON.stringify(id)}`);
    return path.join(this.dir, id);
  }
}
