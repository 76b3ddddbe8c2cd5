// @x/db/browser in Debian's headless Chromium: OPFS persistence across reloads and a browser
// restart, two tabs writing at once, an iframe without cross-origin isolation, encryption at rest.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, BrowserContext, Frame, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bundleForBrowser,
  launchChromium,
  launchPersistentChromium,
  type StaticServer,
  serveFiles,
} from "./index.js";

const here = path.dirname(new URL(import.meta.url).pathname);
const PAGE = '<!doctype html><body><script type="module" src="/entry.js"></script>';

type Target = Page | Frame;
const ready = (t: Target) => t.waitForFunction(() => document.body?.dataset.ready === "1");
// biome-ignore lint/suspicious/noExplicitAny: the page's window.xdb
const xdb = (t: Target, fn: (x: any, arg: any) => unknown, arg?: unknown) =>
  // biome-ignore lint/suspicious/noExplicitAny: as above
  t.evaluate(([f, a]) => new Function("x", "a", `return (${f})(x, a)`)((window as any).xdb, a), [
    fn.toString(),
    arg,
  ] as const);

const expected = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => `bigint:${2n ** 60n + BigInt(from + i)}`);

describe("@x/db/browser in Chromium", () => {
  let dir: string;
  let server: StaticServer;
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "x-db-browser-"));
    const out = await bundleForBrowser(
      path.join(here, "test-utils/pages/db-page.ts"),
      path.join(dir, "out"),
    );
    // The worker (SQLite and its wasm, ~0.9 MB gzipped) is a chunk of its own: the page's entry
    // (kysely, the schema, the stores) measured 42.6 KB gzipped on 2026-12-02.
    expect(out.entryGzipBytes).toBeLessThan(50_000);
    expect(out.gzipBytes - out.entryGzipBytes).toBeGreaterThan(500_000);
    server = await serveFiles({
      root: out.outdir,
      pages: { "/": PAGE, "/frame.html": '<!doctype html><iframe src="/" width="600"></iframe>' },
    });
    browser = await launchChromium();
    context = await browser.newContext();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function openPage(): Promise<Page> {
    const page = await context.newPage();
    page.on("pageerror", (err) => console.error("page error:", err));
    await page.goto(`${server.url}/`);
    await ready(page);
    return page;
  }

  it("migrates a database in OPFS, writes and reads bigints, and keeps it across a reload", async () => {
    const page = await openPage();
    expect(await xdb(page, (x) => x.open("reload.db3"))).toBe("opfs");
    await xdb(page, (x) => x.write(0, 5));
    expect(await xdb(page, (x) => x.read(0, 5))).toEqual(expected(0, 5));
    expect(await xdb(page, (x) => x.bigNumber())).toBe(`bigint:${2 ** 40 + 1}:integer`);
    await page.reload();
    await ready(page);
    expect(await xdb(page, (x) => x.open("reload.db3"))).toBe("opfs");
    expect(await xdb(page, (x) => x.read(0, 5))).toEqual(expected(0, 5));
    await xdb(page, (x) => x.close());
    await page.close();
  });

  it("a second tab gets a typed error, not a broken file; it opens once the first closes", async () => {
    const [a, b] = [await openPage(), await openPage()];
    await xdb(a, (x) => x.open("tabs.db3"));
    await xdb(a, (x) => x.write(100, 20));
    expect(await xdb(b, (x) => x.openError("tabs.db3"))).toBe("db.open");
    // The first tab is unharmed.
    await xdb(a, (x) => x.write(120, 20));
    expect(await xdb(a, (x) => x.read(100, 40))).toEqual(expected(100, 40));
    await xdb(a, (x) => x.close());
    await xdb(b, (x) => x.open("tabs.db3"));
    expect(await xdb(b, (x) => x.read(100, 40))).toEqual(expected(100, 40));
    await xdb(b, (x) => x.close());
    await Promise.all([a.close(), b.close()]);
  });

  it("works inside an iframe, served without COOP/COEP", async () => {
    const page = await context.newPage();
    await page.goto(`${server.url}/frame.html`);
    const frame = page.frames().find((f) => f !== page.mainFrame());
    if (!frame) throw new Error("no iframe");
    await ready(frame);
    expect(await frame.evaluate(() => globalThis.crossOriginIsolated)).toBe(false);
    expect(await xdb(frame, (x) => x.open("frame.db3"))).toBe("opfs");
    await xdb(frame, (x) => x.write(0, 3));
    expect(await xdb(frame, (x) => x.read(0, 3))).toEqual(expected(0, 3));
    await xdb(frame, (x) => x.close());
    await page.close();
  });

  it("encrypts at rest with a key; a wrong key is a DatabaseKeyError (db.key)", async () => {
    const page = await openPage();
    const key = Array.from({ length: 32 }, (_, i) => i + 1);
    await xdb(page, (x, k) => x.open("secret.db3", k), key);
    await xdb(page, (x) => x.write(0, 3));
    await xdb(page, (x) => x.close());
    await xdb(page, (x) => x.open("plain.db3"));
    await xdb(page, (x) => x.write(0, 3));
    await xdb(page, (x) => x.close());
    // The cursor rows' entity ids are the text "entity-N": plain in one file, absent in the other.
    expect(await xdb(page, (x) => x.rawFile("plain.db3"))).toContain("entity-1");
    const secret = (await xdb(page, (x) => x.rawFile("secret.db3"))) as string;
    expect(secret.length).toBeGreaterThan(4096);
    expect(secret).not.toContain("entity-");
    expect(secret).not.toContain("SQLite format 3");
    const wrong = key.map((b) => b ^ 0xff);
    expect(await xdb(page, (x, k) => x.openError("secret.db3", k), wrong)).toBe("db.key");
    await xdb(page, (x, k) => x.open("secret.db3", k), key);
    expect(await xdb(page, (x) => x.read(0, 3))).toEqual(expected(0, 3));
    await xdb(page, (x) => x.close());
    await page.close();
  });

  it("memory storage works and is gone after a reload", async () => {
    const page = await openPage();
    expect(await xdb(page, (x) => x.open("mem.db3", undefined, "memory"))).toBe("memory");
    await xdb(page, (x) => x.write(0, 2));
    expect(await xdb(page, (x) => x.read(0, 2))).toEqual(expected(0, 2));
    await page.reload();
    await ready(page);
    await xdb(page, (x) => x.open("mem.db3", undefined, "memory"));
    expect(await xdb(page, (x) => x.read(0, 2))).toEqual(["bigint:0", "bigint:0"]);
    await page.close();
  });

  it("keeps the database across a browser restart (same profile)", async () => {
    const profile = path.join(dir, "profile");
    let ctx = await launchPersistentChromium(profile);
    let page = await ctx.newPage();
    await page.goto(`${server.url}/`);
    await ready(page);
    await xdb(page, (x) => x.open("restart.db3"));
    await xdb(page, (x) => x.write(0, 4));
    await xdb(page, (x) => x.close());
    await ctx.close();
    ctx = await launchPersistentChromium(profile);
    page = await ctx.newPage();
    await page.goto(`${server.url}/`);
    await ready(page);
    await xdb(page, (x) => x.open("restart.db3"));
    expect(await xdb(page, (x) => x.read(0, 4))).toEqual(expected(0, 4));
    await ctx.close();
  });
});
