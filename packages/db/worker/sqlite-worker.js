// The browser database worker: SQLite (wa-sqlite, SQLite3MultipleCiphers build) on OPFS through
// OPFSCoopSyncVFS, which needs a dedicated worker (OPFS sync access handles exist only there)
// and lets the connections of several tabs share one file, one transaction at a time, through
// Web Locks. Bundled with its wasm inlined at build time (scripts/build-worker.mjs), so a page
// starts it from a Blob URL and no bundler ever has to find a worker or a wasm file.

import * as SQLite from "@journeyapps/wa-sqlite";
import SQLiteESMFactory from "@journeyapps/wa-sqlite/dist/mc-wa-sqlite.mjs";
import wasmBytes from "@journeyapps/wa-sqlite/dist/mc-wa-sqlite.wasm";
import { OPFSCoopSyncVFS } from "@journeyapps/wa-sqlite/src/examples/OPFSCoopSyncVFS.js";

let sqlite3;
let module;
let db;
let storage;

async function loadSqlite() {
  module = await SQLiteESMFactory({
    // The wasm is in this bundle: never let Emscripten look for a file next to a blob: URL.
    locateFile: (file) => file,
    instantiateWasm(imports, done) {
      WebAssembly.instantiate(wasmBytes, imports).then((r) => done(r.instance, r.module));
      return {};
    },
  });
  sqlite3 = SQLite.Factory(module);
}

function hasOpfs() {
  return (
    typeof navigator !== "undefined" &&
    typeof navigator.storage?.getDirectory === "function" &&
    typeof FileSystemFileHandle !== "undefined" &&
    typeof FileSystemFileHandle.prototype.createSyncAccessHandle === "function"
  );
}

async function open({ name, key, storage: wanted }) {
  await loadSqlite();
  let vfsName;
  if (wanted === "memory" || (wanted === "auto" && !hasOpfs())) {
    storage = "memory";
  } else {
    if (!hasOpfs())
      throw Object.assign(new Error("OPFS is not available here"), { code: "NO_OPFS" });
    const vfs = await OPFSCoopSyncVFS.create("x-opfs", module);
    sqlite3.vfs_register(vfs, false);
    vfsName = "x-opfs";
    storage = "opfs";
  }
  if (key && vfsName) {
    // SQLite3MultipleCiphers encrypts through a shim VFS over the one that stores the pages.
    const rc = module.ccall("sqlite3mc_vfs_create", "number", ["string", "number"], [vfsName, 0]);
    if (rc !== 0) throw new Error(`sqlite3mc_vfs_create failed (${rc})`);
    vfsName = `multipleciphers-${vfsName}`;
  }
  const flags = SQLite.SQLITE_OPEN_READWRITE | SQLite.SQLITE_OPEN_CREATE;
  db = await sqlite3.open_v2(storage === "memory" ? ":memory:" : name, flags, vfsName);
  if (key) {
    await run("pragma cipher = 'sqlcipher'", []);
    await run("pragma legacy = 4", []);
    await run(`pragma key = "x'${key}'"`, []);
  }
  // The first read tells whether the key (or its absence) fits.
  await run("pragma schema_version", []);
  // No busy_timeout: SQLite's busy handler would call the VFS's xSleep, which this VFS lacks.
  // OPFSCoopSyncVFS waits for the other tab's lock itself (wa-sqlite retries the operation).
  return { storage };
}

function readColumn(stmt, i) {
  switch (sqlite3.column_type(stmt, i)) {
    case SQLite.SQLITE_INTEGER:
      // Every integer as a bigint, as @x/db's better-sqlite3 connection gives them.
      return sqlite3.column_int64(stmt, i);
    case SQLite.SQLITE_FLOAT:
      return sqlite3.column_double(stmt, i);
    case SQLite.SQLITE_TEXT:
      return sqlite3.column_text(stmt, i);
    case SQLite.SQLITE_BLOB:
      return sqlite3.column_blob(stmt, i).slice();
    default:
      return null;
  }
}

async function run(sql, params) {
  const rows = [];
  for await (const stmt of sqlite3.statements(db, sql)) {
    if (params.length > 0) sqlite3.bind_collection(stmt, params.map(toBindable));
    const names = sqlite3.column_names(stmt);
    while ((await sqlite3.step(stmt)) === SQLite.SQLITE_ROW) {
      const row = {};
      for (let i = 0; i < names.length; i++) row[names[i]] = readColumn(stmt, i);
      rows.push(row);
    }
  }
  return {
    rows,
    changes: sqlite3.changes(db),
    lastInsertRowid: BigInt(sqlite3.last_insert_id(db)),
  };
}

// wa-sqlite's errors carry SQLite's numeric result code; @x/db's error mapping reads the names
// better-sqlite3 uses.
function codeName(err) {
  const code = err?.code;
  if (typeof code !== "number") return code ?? null;
  const message = String(err?.message ?? "");
  if (code === 1555 || (code === 19 && message.includes("PRIMARY KEY")))
    return "SQLITE_CONSTRAINT_PRIMARYKEY";
  if (code === 2067 || (code === 19 && message.includes("UNIQUE")))
    return "SQLITE_CONSTRAINT_UNIQUE";
  if ((code & 0xff) === 19) return "SQLITE_CONSTRAINT";
  if ((code & 0xff) === 5) return "SQLITE_BUSY";
  if ((code & 0xff) === 6) return "SQLITE_LOCKED";
  if (code === 26) return "SQLITE_NOTADB";
  return `SQLITE_${code}`;
}

function toBindable(v) {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (v === undefined) return null;
  // wa-sqlite binds a number as an int only when it fits in 32 bits, else as a REAL: a larger
  // integer goes in as an int64, as better-sqlite3 stores it.
  if (typeof v === "number" && Number.isSafeInteger(v) && v !== (v | 0)) return BigInt(v);
  return v;
}

self.onmessage = async (event) => {
  const { id, op, args } = event.data;
  try {
    let result;
    if (op === "open") result = await open(args);
    else if (op === "run") result = await run(args.sql, args.params);
    else if (op === "close") {
      if (db !== undefined) await sqlite3.close(db);
      db = undefined;
      result = null;
    } else throw new Error(`unknown op ${op}`);
    self.postMessage({ id, ok: true, result });
  } catch (err) {
    self.postMessage({
      id,
      ok: false,
      error: { message: String(err?.message ?? err), code: codeName(err) },
    });
  }
};
