import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseCliArgs, startupLines, USAGE, UsageError } from "./cli.js";
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

  it("reads the d14n port (5050 by default, a free one with --port 0) or turns d14n off", () => {
    expect((parseCliArgs([]) as NodeOptions).d14nPort).toBe(5050);
    expect((parseCliArgs(["--port", "0"]) as NodeOptions).d14nPort).toBe(0);
    expect((parseCliArgs(["--d14n-port", "6060"]) as NodeOptions).d14nPort).toBe(6060);
    expect((parseCliArgs(["--d14n-port", "0"]) as NodeOptions).d14nPort).toBe(0);
    expect((parseCliArgs(["--no-d14n"]) as NodeOptions).d14nPort).toBeNull();
    expect(() => parseCliArgs(["--d14n-port", "x"])).toThrow(UsageError);
    expect(() => parseCliArgs(["--d14n-port", "65536"])).toThrow(UsageError);
  });

  it("reads the history server's port (5558 by default, a free one with --port 0) or turns it off", () => {
    expect((parseCliArgs([]) as NodeOptions).historyPort).toBe(5558);
    expect((parseCliArgs(["--port", "0"]) as NodeOptions).historyPort).toBe(0);
    expect((parseCliArgs(["--history-port", "6000"]) as NodeOptions).historyPort).toBe(6000);
    expect(
      (parseCliArgs(["--port", "0", "--history-port", "6000"]) as NodeOptions).historyPort,
    ).toBe(6000);
    expect((parseCliArgs(["--no-history"]) as NodeOptions).historyPort).toBeNull();
    expect(() => parseCliArgs(["--history-port", "x"])).toThrow(UsageError);
    expect(() => parseCliArgs(["--history-port", "65536"])).toThrow(UsageError);
    expect(USAGE).toContain("--history-port <n>");
    expect(USAGE).toContain("--no-history");
  });

  it("starts d14n on a free port with --port 0 and none with --no-d14n", async () => {
    const on = await startNode(
      parseCliArgs(["--db", ":memory:", "--port", "0", "--no-web"]) as NodeOptions,
    );
    try {
      expect(on.d14nPort).toBeGreaterThan(0);
      expect(on.d14nPort).not.toBe(5050);
      expect(on.d14nUrl).toBe(`http://127.0.0.1:${on.d14nPort}`);
      const lines = startupLines(on);
      expect(lines[0]).toBe(on.url);
      expect(lines.filter((l) => l.startsWith("http://"))).toEqual([on.url]);
      expect(lines[1]).toBe(
        `d14n: ${on.d14nUrl} (gateway and node; v3 and d14n clients do not see each other's messages)`,
      );
      expect(lines[2]).toMatch(/^d14n node public key: 0[23][0-9a-f]{64}$/);
      expect(lines[2]).toContain(Buffer.from(on.d14nNodePublicKey!).toString("hex"));
      expect(on.historyPort).toBeGreaterThan(0);
      expect(on.historyPort).not.toBe(5558);
      expect(lines[3]).toBe(`history server: ${on.historyUrl} (device sync archives)`);
      expect(lines).toHaveLength(4);
    } finally {
      await on.stop();
    }
    const off = await startNode(
      parseCliArgs(["--db", ":memory:", "--port", "0", "--no-web", "--no-d14n"]) as NodeOptions,
    );
    try {
      expect([off.d14nUrl, off.d14nPort]).toEqual([undefined, undefined]);
      expect(startupLines(off)).toEqual([
        off.url,
        `history server: ${off.historyUrl} (device sync archives)`,
      ]);
    } finally {
      await off.stop();
    }
    const bare = await startNode(
      parseCliArgs([
        "--db",
        ":memory:",
        "--port",
        "0",
        "--no-web",
        "--no-d14n",
        "--no-history",
      ]) as NodeOptions,
    );
    try {
      expect([bare.historyUrl, bare.historyPort]).toEqual([undefined, undefined]);
      expect(startupLines(bare)).toEqual([bare.url]);
    } finally {
      await bare.stop();
    }
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
