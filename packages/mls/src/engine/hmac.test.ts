// sender_hmac and HMAC keys. Golden: the seven group messages libxmtp 1.5.4 sent verify with the
// keys libxmtp reported (fixtures.json hmacKeys). The per-inbox root key is not in the fixtures, so
// the derivation itself is checked against an independent HKDF (node:crypto), not against libxmtp.
import { createHmac, hkdfSync } from "node:crypto";
import { decodeMlsMessage } from "ts-mls";
import { describe, expect, it } from "vitest";
import { fixtureIndex, sentGroupMessages } from "../test-utils/fixtures.js";
import {
  deriveHmacKey,
  deriveHmacKeys,
  hmacEpoch,
  newHmacRootKey,
  senderHmac,
  verifySenderHmac,
} from "./hmac.js";
import { fromHex, toHex } from "./tls.js";

const recordedAt = new Date(1795313242_000);

function keysOf(client: string, groupIdHex: string): { epoch: number; key: string }[] {
  const perClient = fixtureIndex.hmacKeys[client];
  if (perClient === undefined || typeof perClient === "string")
    throw new Error(`no keys for ${client}`);
  const keys = perClient[groupIdHex];
  if (keys === undefined) throw new Error(`no keys for ${client} in ${groupIdHex}`);
  return keys;
}

describe("sender_hmac of libxmtp's group messages", () => {
  const messages = sentGroupMessages();

  it("covers the seven messages of the session", () => {
    expect(messages.map((m) => `${m.file}:${m.client}`)).toEqual([
      "015-SendGroupMessages.bin:alice",
      "019-SendGroupMessages.bin:alice",
      "025-SendGroupMessages.bin:bob",
      "027-SendGroupMessages.bin:bob",
      "034-SendGroupMessages.bin:alice",
      "037-SendGroupMessages.bin:alice",
      "040-SendGroupMessages.bin:alice",
    ]);
  });

  it.each(sentGroupMessages().map((m) => [m.file, m] as const))(
    "%s is HMAC-SHA256(sender's key for the current 30-day epoch, data)",
    (_file, m) => {
      const mls = decodeMlsMessage(m.data, 0)?.[0];
      if (mls?.wireformat !== "mls_private_message") throw new Error("expected a PrivateMessage");
      const groupIdHex = toHex(mls.privateMessage.groupId);
      const keys = keysOf(m.client, groupIdHex);
      const current = hmacEpoch(recordedAt);
      expect(current).toBe(692);
      // exactly the current epoch's key verifies: libxmtp signs with hmac_keys(0..=0)
      const verifying = keys.filter((k) =>
        verifySenderHmac([fromHex(k.key)], m.data, m.senderHmac),
      );
      expect(verifying.map((k) => k.epoch)).toEqual([current]);
      expect(toHex(senderHmac(fromHex(verifying[0]!.key), m.data))).toBe(toHex(m.senderHmac));
      // one changed byte of the data breaks it
      const changed = m.data.slice();
      changed[changed.length - 1] = (changed[changed.length - 1] as number) ^ 1;
      expect(
        verifySenderHmac(
          keys.map((k) => fromHex(k.key)),
          changed,
          m.senderHmac,
        ),
      ).toBe(false);
      // and the other member's keys for the same group do not verify it
      const other = m.client === "alice" ? "bob" : "alice";
      expect(
        verifySenderHmac(
          keysOf(other, groupIdHex).map((k) => fromHex(k.key)),
          m.data,
          m.senderHmac,
        ),
      ).toBe(false);
    },
  );
});

describe("HMAC key derivation", () => {
  it("is HKDF-SHA256(salt 'libXMTP HKDF salt!', ikm = root ‖ group id, info = group id ‖ i64_le(epoch), 42)", () => {
    const root = newHmacRootKey();
    expect(root.length).toBe(42);
    const groupId = fromHex("175f5ffa4c6441b4765e8abf8f537211");
    const info = new Uint8Array([...groupId, 0xb4, 0x02, 0, 0, 0, 0, 0, 0]); // 692 little-endian
    const expected = new Uint8Array(
      hkdfSync(
        "sha256",
        new Uint8Array([...root, ...groupId]),
        Buffer.from("libXMTP HKDF salt!"),
        info,
        42,
      ),
    );
    expect(toHex(deriveHmacKey(root, groupId, 692))).toBe(toHex(expected));
    const negative = new Uint8Array(
      hkdfSync(
        "sha256",
        new Uint8Array([...root, ...groupId]),
        Buffer.from("libXMTP HKDF salt!"),
        new Uint8Array([...groupId, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
        42,
      ),
    );
    expect(toHex(deriveHmacKey(root, groupId, -1))).toBe(toHex(negative));
  });

  it("gives the keys of the previous, current and next epoch, all different", () => {
    const root = newHmacRootKey();
    const groupId = crypto.getRandomValues(new Uint8Array(16));
    const keys = deriveHmacKeys(root, groupId, [-1, 0, 1], recordedAt);
    expect(keys.map((k) => k.epoch)).toEqual([691, 692, 693]);
    expect(new Set(keys.map((k) => toHex(k.key))).size).toBe(3);
    const data = crypto.getRandomValues(new Uint8Array(100));
    const mac = senderHmac(keys[1]!.key, data);
    expect(toHex(mac)).toBe(createHmac("sha256", keys[1]!.key).update(data).digest("hex"));
    expect(
      verifySenderHmac(
        keys.map((k) => k.key),
        data,
        mac,
      ),
    ).toBe(true);
  });

  it("uses 30-day epochs since the Unix epoch", () => {
    expect(hmacEpoch(new Date(0))).toBe(0);
    expect(hmacEpoch(new Date(30 * 86400 * 1000 - 1))).toBe(0);
    expect(hmacEpoch(new Date(30 * 86400 * 1000))).toBe(1);
  });
});
