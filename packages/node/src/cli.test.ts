import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseCliArgs, UsageError } from "./cli.js";
import { type NodeOptions, startNode } from "./server/node.js";

describe("x-node arguments", () => {
  it("defaults to ./node.sqlite on 127.0.0.1:5556 and 5557", () => {
    const o = parseCliArgs([]) as NodeOptions;
    expect([o.db, o.host, o.port, o.webPort, o.rateLimit, o.scwVerifier]).toEqual([
      "./node.sqlite",
      "127.0.0.1",
      5556,
      5557,
      false,
      undefined,
    ]);
  });

  it("reads every option", () => {
    const o = parseCliArgs([
      "--db",
      "postgres://x@127.0.0.1/db",
      "--port",
      "0",
      "--no-web",
      "--rate-limit",
      "--chain-rpc",
      "eip155:1=http://127.0.0.1:8545",
    ]) as NodeOptions;
    expect([o.db, o.port, o.webPort, o.rateLimit]).toEqual([
      "postgres://x@127.0.0.1/db",
      0,
      null,
      true,
    ]);
    expect(o.scwVerifier).toBeDefined();
    expect(parseCliArgs(["--help"])).toBe("help");
  });

  it("refuses bad arguments with a usage error", () => {
    for (const args of [
      ["--port", "http"],
      ["--port", "70000"],
      ["--bogus"],
      ["--chain-rpc", "nourl"],
    ]) {
      expect(() => parseCliArgs(args)).toThrow(UsageError);
    }
  });

  it("starts a node on a SQLite file that keeps its data", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "x-node-cli-"));
    try {
      const options = parseCliArgs([
        "--db",
        path.join(dir, "node.sqlite"),
        "--port",
        "0",
        "--web-port",
        "0",
      ]);
      if (options === "help") throw new Error("unexpected");
      const node = await startNode(options);
      expect(node.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(node.webUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      await node.store.upsertKeyPackage(Uint8Array.of(1), "a".repeat(64), Uint8Array.of(2), 1n);
      await node.stop();
      const again = await startNode(options);
      expect(await again.store.fetchKeyPackages([Uint8Array.of(1)])).toEqual([Uint8Array.of(2)]);
      await again.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
