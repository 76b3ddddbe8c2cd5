// Unit tests of the client's pure parts; the client end to end is tested against real libxmtp
// in tooling/interop (src/client-*.test.ts), which needs a node and SQLite.
import { ContentTypeGroupUpdated, ContentTypeText, contentTypeId } from "@x/content-types";
import { ContentType } from "@x/db";
import { describe, expect, it } from "vitest";
import { newIdentity } from "../test-utils/identities.js";
import { contentTypeNumber } from "./content.js";
import { ClientError } from "./errors.js";
import { decodeSecrets } from "./key-packages.js";
import { KeyedLock } from "./lock.js";

describe("KeyedLock", () => {
  it("runs one operation per key at a time, in order, and survives failures", async () => {
    const lock = new KeyedLock();
    const log: string[] = [];
    const step = (name: string, ms: number, fail = false) =>
      lock.run("g", async () => {
        log.push(`${name}:start`);
        await new Promise((r) => setTimeout(r, ms));
        log.push(`${name}:end`);
        if (fail) throw new Error(name);
        return name;
      });
    const other = lock.run("h", async () => {
      log.push("other");
      return "other";
    });
    const results = await Promise.allSettled([step("a", 20, true), step("b", 1), other]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "fulfilled", "fulfilled"]);
    expect(log.indexOf("a:end")).toBeLessThan(log.indexOf("b:start"));
    expect(log.indexOf("other")).toBeLessThan(log.indexOf("a:end"));
  });
});

describe("contentTypeNumber", () => {
  it("maps content types to libxmtp's stored enum", () => {
    expect(contentTypeNumber(ContentTypeText)).toBe(ContentType.Text);
    expect(contentTypeNumber(ContentTypeGroupUpdated)).toBe(ContentType.GroupUpdated);
    expect(contentTypeNumber(contentTypeId("example.com", "text", 1, 0))).toBe(ContentType.Unknown);
    expect(contentTypeNumber(undefined)).toBe(ContentType.Unknown);
  });
});

describe("stored key-package secrets", () => {
  it("round-trip through the secrets column and reject truncated bytes", async () => {
    const { keyPackageRef } = await import("../engine/index.js");
    const { newStoredKeyPackage } = await import("./key-packages.js");
    const identity = newIdentity();
    const puts: { secrets: Uint8Array; initPublicKey: Uint8Array; hashRef: Uint8Array }[] = [];
    const tx = {
      mls: { putKeyPackage: async (s: (typeof puts)[number]) => void puts.push(s) },
      keyPackageHistory: { insert: async () => ({ id: 7 }) },
    } as unknown as Parameters<typeof newStoredKeyPackage>[1];
    const { bytes, historyId } = await newStoredKeyPackage(identity, tx, 1_000n);
    expect(historyId).toBe(7);
    const row = { ...puts[0]!, postQuantumPublicKey: null, createdAtNs: 0n };
    const back = decodeSecrets(row);
    expect(back.keyPackage.initKey).toEqual(row.initPublicKey);
    expect(await keyPackageRef(back.keyPackage)).toEqual(row.hashRef);
    expect(bytes.length).toBeGreaterThan(0);
    expect(back.privateKeyPackage.signaturePrivateKey).toEqual(identity.installationKey.privateKey);
    expect(() => decodeSecrets({ ...row, secrets: row.secrets.slice(0, 10) })).toThrow(ClientError);
    expect(() => decodeSecrets({ ...row, secrets: Uint8Array.of(...row.secrets, 1) })).toThrow(
      ClientError,
    );
  });

  it("keep the X-Wing private key of the 0xff03 extension, found by its public key", async () => {
    const { xwingKeyPairFromSeed } = await import("@x/crypto");
    const { decodeOpaque, encodeOpaque, validateKeyPackage } = await import("../engine/index.js");
    const { encodeKeyPackage } = await import("ts-mls/keyPackage.js");
    const { newStoredKeyPackage } = await import("./key-packages.js");
    const puts: { secrets: Uint8Array; postQuantumPublicKey: Uint8Array | null }[] = [];
    const history: { postQuantumPublicKey: Uint8Array | null }[] = [];
    const tx = {
      mls: { putKeyPackage: async (s: (typeof puts)[number]) => void puts.push(s) },
      keyPackageHistory: {
        insert: async (h: (typeof history)[number]) => {
          history.push(h);
          return { id: 1 };
        },
      },
    } as unknown as Parameters<typeof newStoredKeyPackage>[1];
    await newStoredKeyPackage(newIdentity(), tx, 1_000n);
    const row = { ...puts[0]!, hashRef: new Uint8Array(1), initPublicKey: new Uint8Array(1) };
    const back = decodeSecrets({ ...row, createdAtNs: 0n });
    const verified = await validateKeyPackage(encodeKeyPackage(back.keyPackage));
    const xwingPublic = verified.welcomeWrapperEncryption!.publicKey;
    expect(row.postQuantumPublicKey).toEqual(xwingPublic);
    expect(history[0]!.postQuantumPublicKey).toEqual(xwingPublic);
    expect(xwingKeyPairFromSeed(back.xwingPrivateKey!).publicKey).toEqual(xwingPublic);
    // a key package stored before 0xff03 (four fields) still reads, without an X-Wing key
    const fields: Uint8Array[] = [];
    for (let at = 0, i = 0; i < 4; i++) {
      const r = decodeOpaque(row.secrets, at)!;
      fields.push(r.data);
      at = r.next;
    }
    const old = new Uint8Array(fields.map(encodeOpaque).flatMap((b) => [...b]));
    const legacy = decodeSecrets({ ...row, secrets: old, createdAtNs: 0n });
    expect(legacy.xwingPrivateKey).toBeUndefined();
    expect(legacy.privateKeyPackage).toEqual(back.privateKeyPackage);
  });
});
