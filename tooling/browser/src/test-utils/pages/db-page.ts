// A test page for @x/db/browser: window.xdb drives a real client database (migrated schema,
// real stores) from page.evaluate.
/// <reference lib="dom" />
import { browserStorageOf, openBrowserDatabase } from "@x/db/browser";

type Db = Awaited<ReturnType<typeof openBrowserDatabase>>;
let db: Db | undefined;
const WELCOME = 1; // CursorKind.Welcome

const idOf = (n: number) => new TextEncoder().encode(`entity-${n}`);

const api = {
  async open(name: string, key?: number[], storage?: "auto" | "opfs" | "memory") {
    db = await openBrowserDatabase({
      name,
      ...(key ? { encryptionKey: new Uint8Array(key) } : {}),
      ...(storage ? { storage } : {}),
    });
    return browserStorageOf(db);
  },
  async openError(name: string, key?: number[]) {
    try {
      const other = await openBrowserDatabase({
        name,
        ...(key ? { encryptionKey: new Uint8Array(key) } : {}),
      });
      await other.close();
      return "opened";
    } catch (err) {
      // The code, not the class name: a minifier renames classes.
      return (err as { code?: string }).code ?? String(err);
    }
  },
  /** Sets cursor n to a value past 2^53 (a bigint), one transaction each. */
  async write(from: number, count: number) {
    if (!db) throw new Error("not open");
    for (let n = from; n < from + count; n++) {
      await db.transaction(async (tx) => {
        await tx.cursors.set(idOf(n), WELCOME, 0, 2n ** 60n + BigInt(n));
      });
    }
  },
  async read(from: number, count: number): Promise<string[]> {
    if (!db) throw new Error("not open");
    const ids = Array.from({ length: count }, (_, i) => idOf(from + i));
    const values = await db.cursors.getMany(ids, WELCOME, 0);
    return values.map((v) => `${typeof v}:${v}`);
  },
  /** An integer above 2^31 passed as a number comes back as an integer (a bigint), not a float. */
  async bigNumber(): Promise<string> {
    if (!db) throw new Error("not open");
    const { sql } = await import("kysely");
    const r = await sql<{
      v: unknown;
      t: string;
    }>`select ${2 ** 40 + 1} as v, typeof(${2 ** 40 + 1}) as t`.execute(db.kysely);
    const row = r.rows[0];
    return `${typeof row?.v}:${String(row?.v)}:${row?.t}`;
  },
  async close() {
    await db?.close();
    db = undefined;
  },
  /** The raw bytes of the database file in OPFS, as Latin-1 text (to look for plaintext). */
  async rawFile(name: string): Promise<string> {
    const root = await navigator.storage.getDirectory();
    const file = await (await root.getFileHandle(name)).getFile();
    return new TextDecoder("latin1").decode(await file.arrayBuffer());
  },
};

(globalThis as unknown as { xdb: typeof api }).xdb = api;
document.body.dataset.ready = "1";
