// The decoded fixture bodies carry the values the fixture index and README
// state: inbox ids, identifiers, keys, timestamps, group ids, paging, welcome
// wrapping, push flags, and identity updates served back byte for byte.
import { createHash } from "node:crypto";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  GetIdentityUpdatesRequestSchema,
  GetIdentityUpdatesResponseSchema,
  GetInboxIdsRequestSchema,
  GetInboxIdsResponseSchema,
  PublishIdentityUpdateRequestSchema,
} from "./identity/api/v1/index.js";
import { IdentifierKind, IdentityUpdateSchema } from "./identity/associations/index.js";
import { MlsCredentialSchema } from "./identity/index.js";
import {
  FetchKeyPackagesRequestSchema,
  FetchKeyPackagesResponseSchema,
  QueryGroupMessagesRequestSchema,
  QueryGroupMessagesResponseSchema,
  QueryWelcomeMessagesRequestSchema,
  QueryWelcomeMessagesResponseSchema,
  SendGroupMessagesRequestSchema,
  SendWelcomeMessagesRequestSchema,
  SortDirection,
  UploadKeyPackageRequestSchema,
} from "./mls/api/v1/index.js";
import {
  WelcomeWrapperAlgorithm,
  WelcomeWrapperEncryptionSchema,
} from "./mls/message_contents/index.js";
import {
  type FixtureClient,
  type FixtureFile,
  fixtureEntry,
  fixtures,
  hex,
  readFixture,
  unhex,
} from "./test-utils/fixtures.js";

const { alice, bob } = fixtures.clients;
const clientByInbox = new Map([alice, bob].map((c) => [c.inboxId, c]));
const clientByInstallation = new Map([alice, bob].map((c) => [c.installationId, c]));
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const calls = (rpc: string, direction: "request" | "response") =>
  fixtures.files.filter((f) => f.rpc === rpc && f.direction === direction);
const requestOf = (entry: FixtureFile) => fixtureEntry(entry.call, "request");

/** Index of `needle` in `haystack`, or -1. */
function indexOfBytes(haystack: Uint8Array, needle: Uint8Array): number {
  return Buffer.from(haystack).indexOf(Buffer.from(needle));
}

describe("identity API bodies", () => {
  it("GetInboxIds asks for lowercase Ethereum identifiers (kind 1) and gets the right inbox", () => {
    const requests = calls("GetInboxIds", "request");
    expect(requests.length).toBeGreaterThan(0);
    for (const entry of requests) {
      const req = fromBinary(GetInboxIdsRequestSchema, readFixture(entry.file));
      const res = fromBinary(
        GetInboxIdsResponseSchema,
        readFixture(fixtureEntry(entry.call, "response").file),
      );
      expect(req.requests.map((r) => r.identifier)).toEqual(
        entry.facts.requests.map((r: { identifier: string }) => r.identifier),
      );
      for (const r of req.requests) {
        expect(r.identifierKind).toBe(IdentifierKind.ETHEREUM);
        expect(r.identifierKind).toBe(1);
        expect(r.identifier).toBe(r.identifier.toLowerCase());
        expect([alice.identifier, bob.identifier]).toContain(r.identifier);
      }
      expect(res.responses).toHaveLength(req.requests.length);
      res.responses.forEach((r, i) => {
        const fact = entry.facts.responses[i];
        expect(r.identifier).toBe(fact.identifier);
        expect(r.identifierKind).toBe(fact.identifierKind);
        // proto3 `optional`: an unregistered identifier has no inbox_id at all.
        expect(r.inboxId).toBe(fact.inboxId ?? undefined);
      });
    }
    // 001 (alice, not registered yet) and 011 (bob, registered) both happen.
    const first = fromBinary(
      GetInboxIdsResponseSchema,
      readFixture("001-GetInboxIds.response.bin"),
    );
    expect(first.responses[0]?.inboxId).toBeUndefined();
    const later = fromBinary(
      GetInboxIdsResponseSchema,
      readFixture("011-GetInboxIds.response.bin"),
    );
    expect(later.responses[0]?.inboxId).toBe(bob.inboxId);
  });

  it.each([
    ["alice", alice],
    ["bob", bob],
  ] as const)(
    "PublishIdentityUpdate of %s: create_inbox + add with the recorded keys and signatures",
    (_name, client: FixtureClient) => {
      const req = fromBinary(
        PublishIdentityUpdateRequestSchema,
        readFixture(client.publishIdentityUpdateFile),
      );
      const update = req.identityUpdate!;
      expect(update.inboxId).toBe(client.inboxId);
      expect(update.clientTimestampNs).toBe(BigInt(client.clientTimestampNs));
      expect(update.actions.map((a) => a.kind.case)).toEqual(["createInbox", "add"]);

      const create = update.actions[0]!.kind;
      if (create.case !== "createInbox") throw new Error("first action is not create_inbox");
      expect(create.value.initialIdentifier).toBe(client.identifier);
      expect(create.value.nonce).toBe(BigInt(client.nonce));
      expect(create.value.initialIdentifierKind).toBe(IdentifierKind.ETHEREUM);
      const createSig = create.value.initialIdentifierSignature?.signature;
      expect(createSig?.case).toBe("erc191");
      expect(hex(createSig?.case === "erc191" ? createSig.value.bytes : new Uint8Array())).toBe(
        client.walletSignature.slice(2),
      );

      const add = update.actions[1]!.kind;
      if (add.case !== "add") throw new Error("second action is not add");
      const member = add.value.newMemberIdentifier?.kind;
      expect(member?.case).toBe("installationPublicKey");
      expect(hex(member?.value as Uint8Array)).toBe(client.installationId);
      const existing = add.value.existingMemberSignature?.signature;
      expect(existing?.case).toBe("erc191");
      expect(existing?.value).toEqual(createSig?.value);
      const fresh = add.value.newMemberSignature?.signature;
      if (fresh?.case !== "installationKey") throw new Error("new member signature kind");
      expect(hex(fresh.value.publicKey)).toBe(client.installationId);
      expect(hex(fresh.value.bytes)).toBe(client.installationSignature);
      expect(fresh.value.bytes).toHaveLength(64);
    },
  );

  it("GetIdentityUpdates requests carry inbox ids and last seen sequence ids", () => {
    for (const entry of calls("GetIdentityUpdates", "request")) {
      const req = fromBinary(GetIdentityUpdatesRequestSchema, readFixture(entry.file));
      expect(req.requests.map((r) => [r.inboxId, r.sequenceId.toString()])).toEqual(
        entry.facts.requests.map((r: { inboxId: string; sequenceId: string }) => [
          r.inboxId,
          r.sequenceId,
        ]),
      );
      for (const r of req.requests) expect(clientByInbox.has(r.inboxId)).toBe(true);
    }
  });

  it("GetIdentityUpdates responses serve the exact published IdentityUpdate bytes", () => {
    const published = new Map(
      [alice, bob].map((c) => {
        const req = fromBinary(
          PublishIdentityUpdateRequestSchema,
          readFixture(c.publishIdentityUpdateFile),
        );
        return [c.inboxId, toBinary(IdentityUpdateSchema, req.identityUpdate!)] as const;
      }),
    );
    let served = 0;
    for (const entry of calls("GetIdentityUpdates", "response")) {
      const raw = readFixture(entry.file);
      const res = fromBinary(GetIdentityUpdatesResponseSchema, raw);
      const facts = requestOf(entry).facts.responses;
      expect(res.responses.map((r) => r.inboxId)).toEqual(
        facts.map((r: { inboxId: string }) => r.inboxId),
      );
      res.responses.forEach((r, i) => {
        const expected = facts[i].updates;
        expect(r.updates).toHaveLength(expected.length);
        r.updates.forEach((log, j) => {
          expect(log.sequenceId.toString()).toBe(expected[j].sequenceId);
          expect(log.serverTimestampNs.toString()).toBe(expected[j].serverTimestampNs);
          const bytes = toBinary(IdentityUpdateSchema, log.update!);
          expect(bytes).toEqual(published.get(r.inboxId));
          // ...and those bytes sit verbatim inside the response body.
          expect(indexOfBytes(raw, bytes)).toBeGreaterThan(0);
          served++;
        });
      });
    }
    // 005, 010, 012 and 022 each return one update.
    expect(served).toBe(4);
  });
});

describe("key packages", () => {
  it.each([
    ["alice", alice],
    ["bob", bob],
  ] as const)(
    "UploadKeyPackage of %s carries an MlsCredential for its inbox",
    (_name, client: FixtureClient) => {
      const req = fromBinary(UploadKeyPackageRequestSchema, readFixture(client.keyPackageFile));
      expect(req.isInboxIdCredential).toBe(true);
      const kp = req.keyPackage!.keyPackageTlsSerialized;
      expect(kp).toHaveLength(1651);
      expect(kp.subarray(0, 4)).toEqual(new Uint8Array([0x00, 0x01, 0x00, 0x03])); // MLS 1.0, suite 3

      // signature_key<V> (32 bytes), credential_type basic (1), identity<V> (66 bytes).
      const credential = unhex(client.keyPackage.credentialIdentityHex);
      const leafPart = new Uint8Array([
        0x20,
        ...unhex(client.installationId),
        0x00,
        0x01,
        0x40,
        0x42,
        ...credential,
      ]);
      expect(indexOfBytes(kp, leafPart)).toBeGreaterThan(0);

      expect(credential.subarray(0, 2)).toEqual(new Uint8Array([0x0a, 0x40]));
      const decoded = fromBinary(MlsCredentialSchema, credential);
      expect(decoded.inboxId).toBe(client.inboxId);
      expect(toBinary(MlsCredentialSchema, decoded)).toEqual(credential);
    },
  );

  it.each([
    ["alice", alice],
    ["bob", bob],
  ] as const)(
    "the 0xff03 extension of %s's key package is a WelcomeWrapperEncryption (X-Wing)",
    (_name, client: FixtureClient) => {
      const req = fromBinary(UploadKeyPackageRequestSchema, readFixture(client.keyPackageFile));
      const kp = req.keyPackage!.keyPackageTlsSerialized;
      // extension_type 0xff03, extension_data<V> with a 2-byte varint length of 1221.
      const at = indexOfBytes(kp, new Uint8Array([0xff, 0x03, 0x44, 0xc5]));
      expect(at).toBeGreaterThan(0);
      const ext = fromBinary(WelcomeWrapperEncryptionSchema, kp.subarray(at + 4, at + 4 + 1221));
      expect(ext.algorithm).toBe(WelcomeWrapperAlgorithm.XWING_MLKEM_768_DRAFT_6);
      expect(ext.algorithm).toBe(client.keyPackage.welcomeWrapperEncryption.algorithm);
      expect(ext.pubKey).toHaveLength(1216);
      expect(sha256(ext.pubKey)).toBe(client.keyPackage.welcomeWrapperEncryption.pubKeySha256);
    },
  );

  it("FetchKeyPackages returns bob's uploaded key package for bob's installation key", () => {
    const upload = fromBinary(UploadKeyPackageRequestSchema, readFixture(bob.keyPackageFile));
    for (const entry of calls("FetchKeyPackages", "request")) {
      const req = fromBinary(FetchKeyPackagesRequestSchema, readFixture(entry.file));
      expect(req.installationKeys.map(hex)).toEqual(entry.facts.installationKeys);
      expect(req.installationKeys.map(hex)).toEqual([bob.installationId]);
      const res = fromBinary(
        FetchKeyPackagesResponseSchema,
        readFixture(fixtureEntry(entry.call, "response").file),
      );
      expect(res.keyPackages).toHaveLength(1);
      expect(res.keyPackages[0]!.keyPackageTlsSerialized).toEqual(
        upload.keyPackage!.keyPackageTlsSerialized,
      );
    }
  });
});

describe("group messages", () => {
  const groupIds = [fixtures.conversations.dm.groupId, fixtures.conversations.group.groupId];

  it("SendGroupMessages: MLS PrivateMessages with HMACs; should_push only for application messages", () => {
    const sends = calls("SendGroupMessages", "request");
    expect(sends).toHaveLength(7);
    const kinds: string[] = [];
    for (const entry of sends) {
      const req = fromBinary(SendGroupMessagesRequestSchema, readFixture(entry.file));
      expect(req.messages).toHaveLength(entry.facts.messages.length);
      req.messages.forEach((m, i) => {
        const fact = entry.facts.messages[i];
        if (m.version.case !== "v1") throw new Error("GroupMessageInput without v1");
        const { data, senderHmac, shouldPush } = m.version.value;
        expect(data).toHaveLength(fact.dataBytes);
        expect(hex(senderHmac)).toBe(fact.senderHmac);
        expect(senderHmac).toHaveLength(32);
        // MLSMessage framing: version 1, wire format 2 (PrivateMessage),
        // group_id<V> (16 bytes), epoch (u64), content_type.
        expect([...data.subarray(0, 5)]).toEqual([0x00, 0x01, 0x00, 0x02, 0x10]);
        expect(hex(data.subarray(5, 21))).toBe(fact.groupId);
        expect(groupIds).toContain(fact.groupId);
        expect(Buffer.from(data).readBigUInt64BE(21)).toBe(BigInt(fact.epoch));
        const contentType = data[29];
        expect(contentType).toBe(fact.contentType === "commit" ? 3 : 1);
        expect(shouldPush).toBe(contentType === 1);
        expect(shouldPush).toBe(fact.shouldPush);
        kinds.push(`${fact.contentType}:${shouldPush}`);
      });
    }
    expect(kinds.filter((k) => k === "commit:false")).toHaveLength(4);
    expect(kinds.filter((k) => k === "application:true")).toHaveLength(3);
  });

  it("QueryGroupMessages pages ascending, limit 100, from the last seen id", () => {
    const queries = calls("QueryGroupMessages", "request");
    expect(queries.length).toBeGreaterThan(0);
    for (const entry of queries) {
      const raw = readFixture(entry.file);
      const req = fromBinary(QueryGroupMessagesRequestSchema, raw);
      expect(hex(req.groupId)).toBe(entry.facts.groupId);
      expect(req.pagingInfo?.direction).toBe(SortDirection.ASCENDING);
      expect(req.pagingInfo?.direction).toBe(entry.facts.paging.direction);
      expect(req.pagingInfo?.limit).toBe(100);
      expect(req.pagingInfo?.idCursor.toString()).toBe(entry.facts.paging.idCursor);
      // A first query leaves id_cursor out (proto3 default): 24 bytes, else 26.
      expect(raw.length).toBe(req.pagingInfo?.idCursor === 0n ? 24 : 26);

      const res = fromBinary(
        QueryGroupMessagesResponseSchema,
        readFixture(fixtureEntry(entry.call, "response").file),
      );
      const ids = res.messages.map((m) => (m.version.case === "v1" ? m.version.value.id : -1n));
      expect(ids.map(String)).toEqual(entry.facts.returnedIds);
      for (const m of res.messages) {
        if (m.version.case !== "v1") throw new Error("GroupMessage without v1");
        const v1 = m.version.value;
        expect(hex(v1.groupId)).toBe(entry.facts.groupId);
        expect(v1.id > req.pagingInfo!.idCursor).toBe(true);
        // is_commit and should_push agree with the MLS content type in data.
        expect(v1.isCommit).toBe(v1.data[29] === 3);
        expect(v1.shouldPush).toBe(v1.data[29] === 1);
        expect(v1.createdNs > 0n).toBe(true);
      }
      expect(res.pagingInfo?.direction).toBe(SortDirection.ASCENDING);
      expect(res.pagingInfo?.limit).toBe(100);
      expect(res.pagingInfo?.idCursor).toBe(0n);
    }
  });

  it("an empty page is exactly 0x12 0x04 0x08 0x01 0x10 0x64", () => {
    const empty = readFixture("044-QueryGroupMessages.response.bin");
    expect([...empty]).toEqual([0x12, 0x04, 0x08, 0x01, 0x10, 0x64]);
    const res = fromBinary(QueryGroupMessagesResponseSchema, empty);
    expect(res.messages).toEqual([]);
    expect(res.pagingInfo?.direction).toBe(SortDirection.ASCENDING);
    expect(res.pagingInfo?.limit).toBe(100);
  });

  it("messages served by QueryGroupMessages are the bytes that were sent", () => {
    const sent = new Set(
      calls("SendGroupMessages", "request").flatMap((e) =>
        fromBinary(SendGroupMessagesRequestSchema, readFixture(e.file)).messages.map((m) =>
          hex(m.version.value!.data),
        ),
      ),
    );
    for (const entry of calls("QueryGroupMessages", "response")) {
      const res = fromBinary(QueryGroupMessagesResponseSchema, readFixture(entry.file));
      for (const m of res.messages) expect(sent.has(hex(m.version.value!.data))).toBe(true);
    }
  });
});

describe("welcomes", () => {
  it("SendWelcomeMessages wraps to bob's X-Wing key (algorithm 2) with 18-byte metadata", () => {
    const sends = calls("SendWelcomeMessages", "request");
    expect(sends).toHaveLength(2);
    for (const entry of sends) {
      const req = fromBinary(SendWelcomeMessagesRequestSchema, readFixture(entry.file));
      expect(req.messages).toHaveLength(1);
      const w = req.messages[0]!.version;
      if (w.case !== "v1") throw new Error("WelcomeMessageInput without v1");
      const fact = entry.facts.welcomes[0];
      expect(hex(w.value.installationKey)).toBe(bob.installationId);
      expect(clientByInstallation.get(hex(w.value.installationKey))).toBe(bob);
      expect(w.value.wrapperAlgorithm).toBe(WelcomeWrapperAlgorithm.XWING_MLKEM_768_DRAFT_6);
      expect(w.value.wrapperAlgorithm).toBe(2);
      expect(w.value.welcomeMetadata).toHaveLength(18);
      expect(w.value.data).toHaveLength(fact.dataBytes);
      expect(w.value.hpkePublicKey).toHaveLength(1216);
      expect(sha256(w.value.hpkePublicKey)).toBe(
        bob.keyPackage.welcomeWrapperEncryption.pubKeySha256,
      );
    }
  });

  it("QueryWelcomeMessages returns the stored welcome with its id, wrapping and metadata", () => {
    const sent = calls("SendWelcomeMessages", "request").map((e) => {
      const w = fromBinary(SendWelcomeMessagesRequestSchema, readFixture(e.file)).messages[0]!;
      if (w.version.case !== "v1") throw new Error("WelcomeMessageInput without v1");
      return w.version.value;
    });
    const queries = calls("QueryWelcomeMessages", "request");
    expect(queries).toHaveLength(2);
    queries.forEach((entry, i) => {
      const req = fromBinary(QueryWelcomeMessagesRequestSchema, readFixture(entry.file));
      expect(hex(req.installationKey)).toBe(bob.installationId);
      expect(req.pagingInfo?.direction).toBe(SortDirection.ASCENDING);
      expect(req.pagingInfo?.limit).toBe(100);
      expect(req.pagingInfo?.idCursor.toString()).toBe(entry.facts.paging.idCursor);

      const res = fromBinary(
        QueryWelcomeMessagesResponseSchema,
        readFixture(fixtureEntry(entry.call, "response").file),
      );
      expect(res.messages).toHaveLength(1);
      const w = res.messages[0]!.version;
      if (w.case !== "v1") throw new Error("WelcomeMessage without v1");
      expect(w.value.id.toString()).toBe(entry.facts.returnedIds[0]);
      expect(hex(w.value.installationKey)).toBe(bob.installationId);
      expect(w.value.wrapperAlgorithm).toBe(WelcomeWrapperAlgorithm.XWING_MLKEM_768_DRAFT_6);
      expect(w.value.welcomeMetadata).toEqual(sent[i]!.welcomeMetadata);
      expect(w.value.data).toEqual(sent[i]!.data);
      expect(w.value.hpkePublicKey).toEqual(sent[i]!.hpkePublicKey);
    });
  });
});
