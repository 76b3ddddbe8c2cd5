// The device-sync history server over real HTTP on 127.0.0.1.
import { randomBytes, randomUUID } from "node:crypto";
import { once } from "node:events";
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { historyDirFor, startNode } from "../server/node.js";
import type { NodeStore } from "../store/store.js";
import {
  type HistoryServerOptions,
  type RunningHistoryServer,
  startHistoryServer,
} from "./server.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const LIMIT = 15_000_000;
const HOUR = 60 * 60 * 1000;

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/**
 * One request with the path sent as is (fetch would resolve "/files/../x"). The body goes in
 * `chunks` (chunked unless a content-length header is given); an early answer is taken as it
 * comes, and the rest of the body is then dropped.
 */
function request(
  base: string,
  urlPath: string,
  init: { method?: string; headers?: http.OutgoingHttpHeaders; chunks?: Buffer[] } = {},
): Promise<Reply> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request(
      { hostname, port, path: urlPath, method: init.method ?? "GET", headers: init.headers },
      (res) => {
        const body: Buffer[] = [];
        res.on("data", (c: Buffer) => body.push(c));
        res.on("end", () => {
          answered = true;
          resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(body) });
          req.destroy();
        });
      },
    );
    req.on("error", (e) => {
      if (!answered) reject(e);
    });
    (async () => {
      for (const chunk of init.chunks ?? []) {
        if (answered) return;
        if (!req.write(chunk)) await once(req, "drain");
      }
      req.end();
    })().catch(() => {});
  });
}

const upload = (base: string, chunks: Buffer[], headers?: http.OutgoingHttpHeaders) =>
  request(base, "/upload", { method: "POST", chunks, headers });

/** `size` bytes in pieces of 1 MiB at most. */
function pieces(size: number): Buffer[] {
  const all = randomBytes(size);
  const out: Buffer[] = [];
  for (let i = 0; i < size; i += 1 << 20) out.push(all.subarray(i, Math.min(size, i + (1 << 20))));
  return out;
}

const started: RunningHistoryServer[] = [];
const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "x-history-"));
  dirs.push(dir);
  return dir;
}

async function start(options: Partial<HistoryServerOptions> = {}): Promise<RunningHistoryServer> {
  const server = await startHistoryServer({ port: 0, dir: null, ...options });
  started.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("history server: uploads and downloads", () => {
  it("takes a chunked upload without a content type and serves it back verbatim", async () => {
    const dir = tempDir();
    const server = await start({ dir });
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const chunks = [
      data.subarray(0, 1000),
      data.subarray(1000, 2_000_000),
      data.subarray(2_000_000),
    ];
    // fetch sends a stream as chunked, with no content type (as libxmtp's reqwest does).
    const res = await fetch(`${server.url}/upload`, {
      method: "POST",
      body: new ReadableStream({
        start(controller) {
          for (const c of chunks) controller.enqueue(new Uint8Array(c));
          controller.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(200);
    const id = await res.text();
    expect(id).toMatch(UUID); // no newline either

    const got = await fetch(`${server.url}/files/${id}`);
    expect(got.status).toBe(200);
    expect(got.headers.get("content-type")).toBe("application/octet-stream");
    expect(Buffer.from(await got.arrayBuffer()).equals(data)).toBe(true);
  });

  it("takes an upload in one piece with a Content-Length", async () => {
    const server = await start();
    const data = randomBytes(100_000);
    const res = await fetch(`${server.url}/upload`, { method: "POST", body: data });
    expect(res.status).toBe(200);
    const id = await res.text();
    const got = await request(server.url, `/files/${id}`);
    expect(got.status).toBe(200);
    expect(got.headers["content-length"]).toBe("100000");
    expect(got.body.equals(data)).toBe(true);
    // An empty upload is an upload too.
    const empty = await upload(server.url, [], { "content-length": 0 });
    expect(empty.status).toBe(200);
    expect((await request(server.url, `/files/${empty.body}`)).body.length).toBe(0);
  });

  it("writes each upload to a file named by its id in the configured folder, kept across restarts", async () => {
    const dir = path.join(tempDir(), "nested", "uploads");
    const server = await start({ dir });
    expect(server.dir).toBe(dir);
    const data = randomBytes(5000);
    const id = (await upload(server.url, [data])).body.toString();
    expect(readdirSync(dir)).toEqual([id]);
    expect(readFileSync(path.join(dir, id)).equals(data)).toBe(true);
    await server.close();

    // A file left half-written by a crash is removed; stray files are left alone, unserved.
    writeFileSync(path.join(dir, `${randomUUID()}.tmp`), "half");
    writeFileSync(path.join(dir, "notes.txt"), "mine");
    const again = await start({ dir });
    expect((await request(again.url, `/files/${id}`)).body.equals(data)).toBe(true);
    expect(readdirSync(dir).sort()).toEqual([id, "notes.txt"].sort());
  });

  it("keeps uploads in memory with dir null", async () => {
    const server = await start({ dir: null });
    expect(server.dir).toBeNull();
    const data = randomBytes(2000);
    const id = (await upload(server.url, [data])).body.toString();
    expect(id).toMatch(UUID);
    expect((await request(server.url, `/files/${id}`)).body.equals(data)).toBe(true);
  });

  it("answers 200 on / and 404 on anything else", async () => {
    const server = await start();
    const health = await request(server.url, "/");
    expect(health.status).toBe(200);
    for (const [method, urlPath] of [
      ["GET", "/upload"],
      ["PUT", "/upload"],
      ["POST", "/files/x"],
      ["GET", "/files"],
      ["GET", "/nope"],
      ["DELETE", `/files/${randomUUID()}`],
    ] as const) {
      expect((await request(server.url, urlPath, { method })).status, `${method} ${urlPath}`).toBe(
        404,
      );
    }
  });
});

describe("history server: refusals", () => {
  it("refuses 15 MB + 1 byte with 400 and stores nothing, chunked or with a Content-Length", async () => {
    const dir = tempDir();
    const server = await start({ dir });
    const tooBig = pieces(LIMIT + 1);
    expect((await upload(server.url, tooBig)).status).toBe(400);
    const declared = await upload(server.url, tooBig, { "content-length": LIMIT + 1 });
    expect(declared.status).toBe(400);
    expect(declared.headers.connection).toBe("close");
    // A declared size above the limit is refused before any of the body is sent.
    const early = await upload(server.url, [], { "content-length": 10 * LIMIT });
    expect(early.status).toBe(400);
    expect(readdirSync(dir)).toEqual([]);
    // Exactly the limit is fine.
    const ok = await upload(server.url, pieces(LIMIT));
    expect(ok.status).toBe(200);
    expect(readdirSync(dir)).toEqual([ok.body.toString()]);
  });

  it("honours a smaller maxUploadBytes", async () => {
    const server = await start({ maxUploadBytes: 10 });
    expect((await upload(server.url, [Buffer.alloc(10)])).status).toBe(200);
    expect((await upload(server.url, [Buffer.alloc(6), Buffer.alloc(5)])).status).toBe(400);
  });

  it("answers 404 for an unknown id and for paths that are not an id", async () => {
    const dir = tempDir();
    const server = await start({ dir: path.join(dir, "uploads") });
    // A file outside the uploads folder, with an id for a name.
    const outside = randomUUID();
    writeFileSync(path.join(dir, outside), "secret");
    const stored = (await upload(server.url, [Buffer.from("mine")])).body.toString();

    expect((await request(server.url, `/files/${randomUUID()}`)).status).toBe(404);
    for (const urlPath of [
      "/files/../x",
      "/files/%2e%2e",
      "/files/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
      `/files/..%2f${outside}`,
      `/files/../${outside}`,
      `/files/${stored}/../${outside}`,
      `/files/${stored}/`,
      `/files/${stored.toUpperCase()}`,
      `/files/${stored}%00`,
      "/files/",
    ]) {
      const res = await request(server.url, urlPath);
      expect(res.status, urlPath).toBe(404);
      expect(res.body.toString()).not.toContain("secret");
    }
    expect((await request(server.url, `/files/${stored}?x=1`)).body.toString()).toBe("mine");
  });

  it("refuses uploads past the total size or count with 507, after a cleanup", async () => {
    let clock = 1_700_000_000_000;
    const server = await start({ maxTotalBytes: 1000, maxUploads: 3, now: () => clock });
    const first = await upload(server.url, [Buffer.alloc(600)]);
    expect(first.status).toBe(200);
    expect((await upload(server.url, [Buffer.alloc(500)])).status).toBe(507);
    expect((await upload(server.url, [Buffer.alloc(500)], { "content-length": 500 })).status).toBe(
      507,
    );
    clock += 2 * HOUR;
    expect((await upload(server.url, [Buffer.alloc(400)])).status).toBe(200);
    // Once the first is past its age, the next upload makes room by a cleanup.
    clock += 22 * HOUR + 1;
    expect((await upload(server.url, [Buffer.alloc(500)])).status).toBe(200);
    expect((await request(server.url, `/files/${first.body}`)).status).toBe(404);
    // The count: two stored, one more fits, the next does not.
    expect((await upload(server.url, [Buffer.alloc(1)])).status).toBe(200);
    expect((await upload(server.url, [Buffer.alloc(1)])).status).toBe(507);
  });

  it("cuts off an upload that is too slow", async () => {
    const server = await start({ requestTimeoutMs: 300 });
    const socket = net.connect(server.port, "127.0.0.1");
    socket.write("POST /upload HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\nabc");
    const received: Buffer[] = [];
    socket.on("data", (d: Buffer) => received.push(d));
    const t0 = Date.now();
    await once(socket, "close");
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(Buffer.concat(received).toString()).toMatch(/^HTTP\/1\.1 408 /);
  });
});

describe("history server: CORS", () => {
  it("allows any origin, method and header on every answer; a preflight gets 204", async () => {
    const server = await start({ maxUploadBytes: 4 });
    const preflight = await request(server.url, "/upload", {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type, x-libxmtp-version",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers).toMatchObject({
      "access-control-allow-origin": "*",
      "access-control-allow-methods": "POST",
      "access-control-allow-headers": "content-type, x-libxmtp-version",
    });
    expect((await request(server.url, "/anything", { method: "OPTIONS" })).status).toBe(204);

    const id = (await upload(server.url, [Buffer.from("ab")])).body.toString();
    const answers = [
      await request(server.url, "/"),
      await upload(server.url, [Buffer.from("abc")], { origin: "https://app.example" }),
      await upload(server.url, [Buffer.from("too long")]),
      await request(server.url, `/files/${id}`),
      await request(server.url, `/files/${randomUUID()}`),
      await request(server.url, "/nope"),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 400, 200, 404, 404]);
    for (const a of answers) {
      expect(a.headers["access-control-allow-origin"]).toBe("*");
      expect(a.headers["access-control-allow-methods"]).toBe("*");
      expect(a.headers["access-control-allow-headers"]).toBe("*");
    }
  });
});

describe("history server: cleanup", () => {
  it("deletes uploads older than maxAgeMs and keeps newer ones (injected clock)", async () => {
    const dir = tempDir();
    let clock = 1_700_000_000_000;
    const server = await start({ dir, now: () => clock });
    const old = (await upload(server.url, [Buffer.from("old")])).body.toString();
    clock += 23 * HOUR;
    const recent = (await upload(server.url, [Buffer.from("new")])).body.toString();
    clock += 1 * HOUR + 1;
    // Past its age it is not served, even before the cleanup removes the file.
    expect((await request(server.url, `/files/${old}`)).status).toBe(404);
    expect(await server.cleanup()).toBe(1);
    expect(readdirSync(dir)).toEqual([recent]);
    expect((await request(server.url, `/files/${recent}`)).body.toString()).toBe("new");
  });

  it("cleans up at start by the files' mtime, with a configurable age", async () => {
    const dir = tempDir();
    const stale = randomUUID();
    const fresh = randomUUID();
    writeFileSync(path.join(dir, stale), "stale");
    writeFileSync(path.join(dir, fresh), "fresh");
    const twoHoursAgo = (Date.now() - 2 * HOUR) / 1000;
    utimesSync(path.join(dir, stale), twoHoursAgo, twoHoursAgo);
    const server = await start({ dir, maxAgeMs: HOUR });
    expect(existsSync(path.join(dir, stale))).toBe(false);
    expect(readdirSync(dir)).toEqual([fresh]);
    expect((await request(server.url, `/files/${stale}`)).status).toBe(404);
    expect((await request(server.url, `/files/${fresh}`)).body.toString()).toBe("fresh");
  });

  it("stops serving when closed", async () => {
    const server = await startHistoryServer({ port: 0, dir: null });
    await server.close();
    await server.close(); // twice is fine
    await expect(fetch(server.url)).rejects.toThrow();
  });
});

describe("startNode's history server", () => {
  it("is served with historyPort: 0, beside the SQLite file, and stopped with the node", async () => {
    const dir = tempDir();
    const db = path.join(dir, "node.sqlite");
    const node = await startNode({ port: 0, webPort: null, historyPort: 0, db });
    let historyUrl: string;
    try {
      expect(node.historyPort).toBeGreaterThan(0);
      historyUrl = node.historyUrl!;
      expect(historyUrl).toBe(`http://127.0.0.1:${node.historyPort}`);
      const id = (await upload(historyUrl, [Buffer.from("archive")])).body.toString();
      expect(readdirSync(path.join(dir, "node.sqlite.history"))).toEqual([id]);
      expect((await request(historyUrl, `/files/${id}`)).body.toString()).toBe("archive");
    } finally {
      await node.stop();
    }
    await expect(fetch(historyUrl)).rejects.toThrow();
  });

  it("keeps an in-memory node's uploads in memory", async () => {
    const node = await startNode({ port: 0, webPort: null, historyPort: 0 });
    try {
      const id = (await upload(node.historyUrl!, [Buffer.from("x")])).body.toString();
      expect((await request(node.historyUrl!, `/files/${id}`)).body.toString()).toBe("x");
    } finally {
      await node.stop();
    }
  });

  it("puts the uploads beside a SQLite file, else in memory", () => {
    expect(historyDirFor({ db: "./node.sqlite" })).toBe("node.sqlite.history");
    expect(historyDirFor({ db: "/var/lib/x/node.db" })).toBe("/var/lib/x/node.db.history");
    expect(historyDirFor({})).toBeNull();
    expect(historyDirFor({ db: ":memory:" })).toBeNull();
    expect(historyDirFor({ db: "postgres://x@127.0.0.1/db" })).toBeNull();
    expect(historyDirFor({ db: "./node.sqlite", store: {} as NodeStore })).toBeNull();
    expect(historyDirFor({ db: ":memory:", historyDir: "/tmp/h" })).toBe("/tmp/h");
    expect(historyDirFor({ db: "./node.sqlite", historyDir: null })).toBeNull();
  });

  it("is not served without historyPort", async () => {
    for (const historyPort of [undefined, null]) {
      const node = await startNode({ port: 0, webPort: null, historyPort });
      try {
        expect([node.historyUrl, node.historyPort]).toEqual([undefined, undefined]);
      } finally {
        await node.stop();
      }
    }
  });
});
