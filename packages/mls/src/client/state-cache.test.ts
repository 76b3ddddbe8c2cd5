import type { ClientState } from "ts-mls";
import { beforeAll, describe, expect, it } from "vitest";
import {
  addMembers,
  createGroup,
  encryptApplicationMessage,
  mergeStagedCommit,
  processGroupMessage,
  serializeGroupState,
} from "../engine/index.js";
import { fingerprint, joinViaWelcome, newMember, text } from "../test-utils/identities.js";
import { GroupStateCache, stateCacheOf } from "./state-cache.js";

describe("GroupStateCache", () => {
  let a: ClientState;
  let b: ClientState;
  beforeAll(async () => {
    const [alice, bob] = await Promise.all([newMember(), newMember()]);
    a = await createGroup(alice.identity);
    const add = await addMembers(a, [bob.verified], { [bob.identity.inboxId]: 1n });
    a = mergeStagedCommit(add);
    b = await joinViaWelcome(add, bob);
  });

  it("returns the kept state only while the stored bytes are the same", () => {
    const cache = new GroupStateCache();
    const bytes = serializeGroupState(a);
    const first = cache.decode("g", bytes);
    expect(cache.decode("g", bytes.slice())).toBe(first);
    // Other bytes (a rolled-back write, another writer): decoded again.
    const other = serializeGroupState(b);
    const second = cache.decode("g", other);
    expect(second).not.toBe(first);
    expect(fingerprint(second)).toBe(fingerprint(b));
  });

  it("remembers a saved state for exactly its bytes", () => {
    const cache = new GroupStateCache();
    const bytes = serializeGroupState(b);
    cache.remember("g", bytes, b);
    expect(cache.decode("g", bytes.slice())).toBe(b);
    const stale = serializeGroupState(a);
    expect(cache.decode("g", stale)).not.toBe(b);
  });

  it("drops the least recently used group beyond its size", () => {
    const cache = new GroupStateCache(2);
    const bytes = serializeGroupState(a);
    const one = cache.decode("1", bytes);
    cache.decode("2", bytes);
    cache.decode("1", bytes); // 1 is now the most recent
    cache.decode("3", bytes); // drops 2
    expect(cache.entries).toBe(2);
    expect(cache.decode("1", bytes)).toBe(one);
  });

  it("can share states: encrypting and processing leave the input state unchanged", async () => {
    const before = fingerprint(b);
    const out = await encryptApplicationMessage(b, text("hi"));
    expect(fingerprint(b)).toBe(before);
    const beforeA = fingerprint(a);
    const processed = await processGroupMessage(a, out.message);
    expect(processed.kind).toBe("application");
    expect(fingerprint(a)).toBe(beforeA);
  });

  it("keeps one cache per database object", () => {
    const db1 = {};
    const db2 = {};
    expect(stateCacheOf(db1)).toBe(stateCacheOf(db1));
    expect(stateCacheOf(db1)).not.toBe(stateCacheOf(db2));
  });
});
