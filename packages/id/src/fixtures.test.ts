// The real PublishIdentityUpdate bodies libxmtp 1.5.4 sent verify, apply to the expected state,
// and stop verifying when any byte changes.
import { fromHex, toHex } from "@x/crypto";
import { decodeMessage, toBinary } from "@x/proto";
import { GetIdentityUpdatesResponseSchema } from "@x/proto/identity/api/v1";
import { IdentityUpdateSchema } from "@x/proto/identity/associations";
import { describe, expect, it } from "vitest";
import { applyUpdate } from "./association-log.js";
import { IdentityError } from "./errors.js";
import { ethereumIdentifier, inboxIdFor, installationIdentifier } from "./identifiers.js";
import { updateSignatureText, verifyIdentityUpdate } from "./identity-update.js";
import { decodeIdentityUpdate, encodeIdentityUpdate, identityUpdateFromProto } from "./proto.js";
import { fixtures, publishedUpdate, readFixture } from "./test-utils/fixtures.js";

for (const name of ["alice", "bob"] as const) {
  const client = fixtures.clients[name];
  const proto = publishedUpdate(client);
  const bytes = toBinary(IdentityUpdateSchema, proto);

  describe(`${name}'s PublishIdentityUpdate (${client.publishIdentityUpdateFile})`, () => {
    it("derives the fixture inbox id from the address and nonce 1", () => {
      expect(inboxIdFor(ethereumIdentifier(client.address), client.nonce)).toBe(client.inboxId);
    });

    it("decodes to CreateInbox + AddAssociation and re-encodes byte for byte", () => {
      const update = decodeIdentityUpdate(bytes);
      expect(update.inboxId).toBe(client.inboxId);
      expect(update.clientTimestampNs).toBe(BigInt(client.clientTimestampNs));
      expect(update.actions.map((a) => a.type)).toEqual(["createInbox", "addAssociation"]);
      const [create, add] = update.actions;
      expect(create).toMatchObject({
        nonce: 1n,
        accountIdentifier: { kind: "ethereum", address: client.identifier },
        initialIdentifierSignature: { kind: "erc191", bytes: fromHex(client.walletSignature) },
      });
      expect(add).toMatchObject({
        newMemberIdentifier: { kind: "installation", key: fromHex(client.installationId) },
        existingMemberSignature: { kind: "erc191", bytes: fromHex(client.walletSignature) },
        newMemberSignature: {
          kind: "installationKey",
          bytes: fromHex(client.installationSignature),
          publicKey: fromHex(client.installationId),
        },
      });
      expect(encodeIdentityUpdate(update)).toEqual(bytes);
    });

    it("rebuilds libxmtp's signatureText() byte for byte", () => {
      expect(updateSignatureText(identityUpdateFromProto(proto))).toBe(client.signatureText);
    });

    it("verifies (wallet and installation) and applies to the expected association state", async () => {
      const verified = await verifyIdentityUpdate(identityUpdateFromProto(proto));
      const [create, add] = verified.actions;
      expect(create?.type === "createInbox" && create.initialIdentifierSignature.signer).toEqual(
        ethereumIdentifier(client.address),
      );
      expect(add?.type === "addAssociation" && add.newMemberSignature.kind).toBe("installationKey");

      const state = applyUpdate(undefined, verified);
      const wallet = ethereumIdentifier(client.address);
      const installation = installationIdentifier(fromHex(client.installationId));
      expect(state.inboxId).toBe(client.inboxId);
      expect(state.recoveryIdentifier).toEqual(wallet);
      expect(state.members()).toEqual([
        {
          identifier: installation,
          addedByEntity: wallet,
          clientTimestampNs: BigInt(client.clientTimestampNs),
        },
        { identifier: wallet },
      ]);
      expect(state.installationIds().map(toHex)).toEqual([client.installationId]);
      expect(state.seenSignatures().map(toHex).sort()).toEqual(
        [client.walletSignature.slice(2), client.installationSignature].sort(),
      );
      // published once; the same update again is a second CreateInbox
      expect(() => applyUpdate(state, verified)).toThrow(
        expect.objectContaining({ code: "ASSOCIATION_MULTIPLE_CREATE" }),
      );
    });

    it("fails with a typed error when any single signed byte of the update changes", async () => {
      // Flip each byte in turn. The flip must fail with a typed error unless it leaves everything
      // that is signed unchanged. Two kinds of flips do that, in libxmtp as here:
      // - the low bits of client_timestamp_ns: the text only shows whole seconds;
      // - initial_identifier_kind 1 -> 0: UNSPECIFIED means Ethereum.
      // And protobuf-es (unlike prost) decodes some framing changes to the same message: a wire
      // type that does not match the field, a nested length that overruns its parent. Those
      // decode to exactly the original update.
      const original = decodeIdentityUpdate(bytes);
      let rejected = 0;
      let unchanged = 0;
      for (let at = 0; at < bytes.length; at++) {
        const changed = bytes.slice();
        changed[at] = (changed[at] ?? 0) ^ 0x01;
        const outcome = await verifyAndApply(changed);
        if (outcome === "accepted") {
          const decoded = decodeIdentityUpdate(changed);
          expect(updateSignatureText(decoded), `byte ${at}`).toBe(client.signatureText);
          expect(
            encodeIdentityUpdate({ ...decoded, clientTimestampNs: original.clientTimestampNs }),
            `byte ${at}`,
          ).toEqual(bytes);
          unchanged++;
        } else {
          expect(outcome, `byte ${at}`).toBeInstanceOf(IdentityError);
          rejected++;
        }
      }
      expect(rejected + unchanged).toBe(bytes.length);
      expect(rejected).toBeGreaterThan(bytes.length - 50);
    }, 60_000);

    it("fails when a text input (inbox id, time, nonce, owner, installation) changes", async () => {
      const other = fixtures.clients[name === "alice" ? "bob" : "alice"];
      const changes: Array<(p: typeof proto) => void> = [
        (p) => {
          p.inboxId = other.inboxId;
        },
        (p) => {
          p.clientTimestampNs += 1_000_000_000n;
        },
        (p) => {
          const c = p.actions[0]?.kind;
          if (c?.case === "createInbox") c.value.nonce = 2n;
        },
        (p) => {
          const c = p.actions[0]?.kind;
          if (c?.case === "createInbox") c.value.initialIdentifier = other.identifier;
        },
        (p) => {
          const a = p.actions[1]?.kind;
          if (
            a?.case === "add" &&
            a.value.newMemberIdentifier?.kind.case === "installationPublicKey"
          ) {
            a.value.newMemberIdentifier.kind.value = fromHex(other.installationId);
          }
        },
        (p) => {
          p.actions.reverse();
        },
      ];
      for (const change of changes) {
        const copy = decodeMessage(IdentityUpdateSchema, bytes);
        change(copy);
        const changedBytes = toBinary(IdentityUpdateSchema, copy);
        expect(changedBytes).not.toEqual(bytes);
        expect(await verifyAndApply(changedBytes)).toBeInstanceOf(IdentityError);
      }
    });
  });
}

describe("GetIdentityUpdates responses carry the published bytes", () => {
  for (const [file, client] of [
    ["005-GetIdentityUpdates.response.bin", fixtures.clients.alice],
    ["010-GetIdentityUpdates.response.bin", fixtures.clients.bob],
  ] as const) {
    it(`${file} holds ${client.publishIdentityUpdateFile}'s update, which verifies`, async () => {
      const response = decodeMessage(GetIdentityUpdatesResponseSchema, readFixture(file));
      const log = response.responses[0]?.updates[0];
      expect(response.responses[0]?.inboxId).toBe(client.inboxId);
      expect(log?.update).toBeDefined();
      const served = toBinary(IdentityUpdateSchema, log!.update!);
      expect(served).toEqual(toBinary(IdentityUpdateSchema, publishedUpdate(client)));
      const state = applyUpdate(
        undefined,
        await verifyIdentityUpdate(decodeIdentityUpdate(served)),
      );
      expect(state.inboxId).toBe(client.inboxId);
    });
  }
});

async function verifyAndApply(bytes: Uint8Array): Promise<unknown> {
  try {
    const update = await verifyIdentityUpdate(decodeIdentityUpdate(bytes));
    applyUpdate(undefined, update);
    return "accepted";
  } catch (error) {
    return error;
  }
}
