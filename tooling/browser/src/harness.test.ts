import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleForBrowser, launchChromium, serveFiles } from "./index.js";

describe("browser harness", () => {
  let browser: Browser;
  let dir: string;
  beforeAll(async () => {
    browser = await launchChromium();
    dir = await mkdtemp(path.join(tmpdir(), "x-browser-"));
  });
  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("bundles an entry and runs it in a page served without isolation headers", async () => {
    const src = path.join(dir, "main.js");
    await writeFile(src, "document.body.dataset.answer = String(6 * 7);\n");
    const out = await bundleForBrowser(src, path.join(dir, "out"));
    expect(out.gzipBytes).toBeGreaterThan(0);
    const server = await serveFiles({
      root: out.outdir,
      pages: { "/": '<!doctype html><body><script type="module" src="/entry.js"></script>' },
    });
    try {
      const page = await browser.newPage();
      await page.goto(`${server.url}/`);
      await page.waitForFunction(() => document.body.dataset.answer === "42");
      expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(false);
      await page.close();
    } finally {
      await server.close();
    }
  });

  it("sends COOP/COEP when asked", async () => {
    const server = await serveFiles({
      root: dir,
      pages: { "/": "<!doctype html><p>hi</p>" },
      isolated: true,
    });
    try {
      const page = await browser.newPage();
      await page.goto(`${server.url}/`);
      expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
      await page.close();
    } finally {
      await server.close();
    }
  });
});
