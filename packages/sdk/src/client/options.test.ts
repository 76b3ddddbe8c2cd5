import path from "node:path";
import { describe, expect, it } from "vitest";
import { SdkError } from "../errors.js";
import { checkLogLevel, makeLog } from "./logger.js";
import {
  ApiUrls,
  checkClientOptions,
  defaultDbPath,
  parseDbEncryptionKey,
  resolveDbLocation,
  resolveHistorySyncUrl,
  resolveNetwork,
} from "./options.js";

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as SdkError).code;
  }
  return "no error";
};

describe("network options", () => {
  it("default to dev's v3 node, as node-sdk", () => {
    expect(resolveNetwork()).toEqual({ kind: "v3", url: ApiUrls.dev, env: "dev" });
  });

  it("local is x node on 127.0.0.1:5556; production its URL", () => {
    expect(resolveNetwork({ env: "local" })).toEqual({
      kind: "v3",
      url: "http://127.0.0.1:5556",
      env: "local",
    });
    expect(resolveNetwork({ env: "production" })).toMatchObject({
      url: "https://grpc.production.xmtp.network:443",
    });
  });

  it("apiUrl overrides env's URL; env still names the environment", () => {
    expect(resolveNetwork({ env: "local", apiUrl: "http://127.0.0.1:6000/" })).toEqual({
      kind: "v3",
      url: "http://127.0.0.1:6000",
      env: "local",
    });
  });

  it("gatewayHost selects d14n (it wins over apiUrl)", () => {
    expect(
      resolveNetwork({ env: "local", apiUrl: "http://a:1", gatewayHost: "http://127.0.0.1:5050" }),
    ).toEqual({ kind: "d14n", gatewayUrl: "http://127.0.0.1:5050", env: "local" });
  });

  it("a given api is used as it is", () => {
    const api = { getInboxIds: () => {} } as never;
    expect(resolveNetwork({ api })).toEqual({ kind: "custom", api, env: "dev" });
  });

  it("refuses unknown envs and bad URLs with SDK_INVALID_OPTION, saying what to do", () => {
    expect(() => resolveNetwork({ env: "testnet" as never })).toThrow(/gatewayHost/);
    expect(code(() => resolveNetwork({ env: "mainnet" as never }))).toBe("SDK_INVALID_OPTION");
    expect(code(() => resolveNetwork({ apiUrl: "127.0.0.1:5556" }))).toBe("SDK_INVALID_OPTION");
    expect(code(() => resolveNetwork({ apiUrl: "ftp://x" }))).toBe("SDK_INVALID_OPTION");
    expect(code(() => resolveNetwork({ gatewayHost: 5 as never }))).toBe("SDK_INVALID_OPTION");
    expect(code(() => resolveNetwork({ api: {} as never }))).toBe("SDK_INVALID_OPTION");
  });
});

describe("historySyncUrl", () => {
  it("defaults to the environment's history server (local: x node's on 5558)", () => {
    expect(resolveHistorySyncUrl(undefined, "local")).toBe("http://127.0.0.1:5558");
    expect(resolveHistorySyncUrl(undefined, "dev")).toBe(
      "https://message-history.dev.ephemera.network",
    );
  });

  it("null turns it off; a URL is checked", () => {
    expect(resolveHistorySyncUrl(null, "local")).toBeUndefined();
    expect(resolveHistorySyncUrl("http://h:1/", "dev")).toBe("http://h:1");
    expect(code(() => resolveHistorySyncUrl("nope", "dev"))).toBe("SDK_INVALID_OPTION");
  });
});

describe("dbPath", () => {
  it("null is a database in memory", () => {
    expect(resolveDbLocation({ dbPath: null }, "dev")).toEqual({ kind: "memory" });
  });

  it("a string is that file", () => {
    expect(resolveDbLocation({ dbPath: "/tmp/a.db3" }, "dev")).toEqual({
      kind: "file",
      path: "/tmp/a.db3",
    });
  });

  it("a function is called with the inbox id", () => {
    const location = resolveDbLocation({ dbPath: (id) => `/data/${id}.db3` }, "dev");
    expect(location.kind).toBe("perInbox");
    if (location.kind !== "perInbox") return;
    expect(location.pathFor("ab".repeat(32))).toBe(`/data/${"ab".repeat(32)}.db3`);
  });

  it("a function that returns no path fails, naming the inbox", () => {
    const location = resolveDbLocation({ dbPath: () => "" }, "dev");
    if (location.kind !== "perInbox") throw new Error("perInbox expected");
    expect(() => location.pathFor("cd".repeat(32))).toThrow(/cdcd/);
  });

  it("defaults to xmtp-<env>-<inboxId>.db3 in the current directory, as node-sdk", () => {
    const location = resolveDbLocation({}, "production");
    if (location.kind !== "perInbox") throw new Error("perInbox expected");
    const inbox = "ef".repeat(32);
    expect(location.pathFor(inbox)).toBe(path.resolve(`xmtp-production-${inbox}.db3`));
    expect(defaultDbPath("local", inbox)).toBe(path.join(process.cwd(), `xmtp-local-${inbox}.db3`));
  });

  it("refuses other values, and db together with dbPath", () => {
    expect(code(() => resolveDbLocation({ dbPath: "" }, "dev"))).toBe("SDK_INVALID_OPTION");
    expect(code(() => resolveDbLocation({ dbPath: 3 as never }, "dev"))).toBe("SDK_INVALID_OPTION");
    expect(code(() => resolveDbLocation({ db: {} as never }, "dev"))).toBe("SDK_INVALID_OPTION");
    expect(
      code(() => resolveDbLocation({ db: { identity: {} } as never, dbPath: "/x" }, "dev")),
    ).toBe("SDK_INVALID_OPTION");
  });
});

describe("dbEncryptionKey", () => {
  it("takes 32 bytes or 64 hex digits (0x optional)", () => {
    const bytes = new Uint8Array(32).fill(7);
    expect(parseDbEncryptionKey(bytes)).toEqual(bytes);
    expect(parseDbEncryptionKey(`0x${"07".repeat(32)}`)).toEqual(bytes);
    expect(parseDbEncryptionKey("07".repeat(32))).toEqual(bytes);
    expect(parseDbEncryptionKey(undefined)).toBeUndefined();
  });

  it("refuses other lengths and types", () => {
    expect(() => parseDbEncryptionKey(new Uint8Array(16))).toThrow(/32 bytes, got 16/);
    expect(code(() => parseDbEncryptionKey("0x1234"))).toBe("SDK_INVALID_OPTION");
    expect(code(() => parseDbEncryptionKey(42))).toBe("SDK_INVALID_OPTION");
  });
});

describe("other options", () => {
  it("are type-checked before anything is opened", () => {
    expect(code(() => checkClientOptions(null))).toBe("SDK_INVALID_OPTION");
    expect(code(() => checkClientOptions({ disableAutoRegister: "yes" }))).toBe(
      "SDK_INVALID_OPTION",
    );
    expect(code(() => checkClientOptions({ refuseNewInstallation: 1 }))).toBe("SDK_INVALID_OPTION");
    expect(code(() => checkClientOptions({ nonce: 1 }))).toBe("SDK_INVALID_OPTION");
    expect(code(() => checkClientOptions({ codecs: {} }))).toBe("SDK_INVALID_OPTION");
    expect(
      code(() => checkClientOptions({ db: { identity: {} }, dbEncryptionKey: new Uint8Array(32) })),
    ).toBe("SDK_INVALID_OPTION");
    expect(checkClientOptions(undefined)).toEqual({});
  });

  it("logging levels take node-sdk's LogLevel names too; default warn", () => {
    expect(checkLogLevel(undefined)).toBe("warn");
    expect(checkLogLevel("Debug")).toBe("debug");
    expect(checkLogLevel("off")).toBe("off");
    expect(code(() => checkLogLevel("loud"))).toBe("SDK_INVALID_OPTION");
  });

  it("a logger gets what its level lets through, prefixed", () => {
    const lines: string[] = [];
    const logger = {
      error: (...a: unknown[]) => lines.push(`E ${a.join(" ")}`),
      warn: (...a: unknown[]) => lines.push(`W ${a.join(" ")}`),
      info: (...a: unknown[]) => lines.push(`I ${a.join(" ")}`),
      debug: (...a: unknown[]) => lines.push(`D ${a.join(" ")}`),
    };
    const log = makeLog("warn", logger);
    log.error("e");
    log.warn("w");
    log.info("i");
    log.debug("d");
    expect(lines).toEqual(["E [@x/sdk] e", "W [@x/sdk] w"]);
    expect(code(() => makeLog("warn", { warn: () => {} } as never))).toBe("SDK_INVALID_OPTION");
    expect(SdkError).toBeDefined();
  });
});
