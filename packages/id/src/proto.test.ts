import { fromHex, toHex } from "@x/crypto";
import { create, toBinary } from "@x/proto";
import {
  AssociationStateSchema,
  IdentifierKind,
  IdentityActionSchema,
  IdentityUpdateSchema,
} from "@x/proto/identity/associations";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { applyUpdate } from "./association-log.js";
import { DeserializationError } from "./errors.js";
import { verifyIdentityUpdate } from "./identity-update.js";
import {
  associationStateFromProto,
  associationStateToProto,
  decodeIdentityUpdate,
  encodeIdentityUpdate,
  identityUpdateFromProto,
} from "./proto.js";
import { parseAccountId } from "./scw-verifier.js";
import { SignatureRequestBuilder } from "./signature-request.js";
import { fixtures, publishedUpdate } from "./test-utils/fixtures.js";
import {
  add,
  changeRecovery,
  create as createAction,
  inboxOf,
  randomInstallation,
  randomWallet,
  revoke,
  update,
} from "./test-utils/synthetic.js";

describe("IdentityUpdate protobuf conversions", () => {
  it("round-trips every action and signature kind", () => {
    const update1 = {
      inboxId: "inbox",
      clientTimestampNs: 5n,
      actions: [
        {
          type: "createInbox" as const,
          nonce: 3n,
          accountIdentifier: {
            kind: "passkey" as const,
            key: Uint8Array.of(2, 3),
            relyingParty: "https://rp",
          },
          initialIdentifierSignature: {
            kind: "passkey" as const,
            publicKey: Uint8Array.of(2, 3),
            signature: Uint8Array.of(4),
            authenticatorData: Uint8Array.of(5),
            clientDataJson: Uint8Array.of(6),
          },
        },
        {
          type: "addAssociation" as const,
          newMemberIdentifier: { kind: "ethereum" as const, address: "0xAbC" },
          newMemberSignature: {
            kind: "smartContractWallet" as const,
            accountId: parseAccountId("eip155:8453:0xAbC"),
            blockNumber: 99n,
            signature: Uint8Array.of(7),
          },
          existingMemberSignature: {
            kind: "legacyDelegated" as const,
            signature: Uint8Array.of(8),
            delegatedKey: {
              keyBytes: Uint8Array.of(9),
              signature: { kind: "ecdsaCompact" as const, bytes: Uint8Array.of(1), recovery: 1 },
            },
          },
        },
        {
          type: "revokeAssociation" as const,
          revokedMember: { kind: "installation" as const, key: Uint8Array.of(1) },
          recoveryIdentifierSignature: { kind: "erc191" as const, bytes: Uint8Array.of(10) },
        },
        {
          type: "changeRecoveryAddress" as const,
          newRecoveryIdentifier: { kind: "ethereum" as const, address: "0x01" },
          recoveryIdentifierSignature: { kind: "erc191" as const, bytes: Uint8Array.of(11) },
        },
      ],
    };
    const bytes = encodeIdentityUpdate(update1);
    expect(decodeIdentityUpdate(bytes)).toEqual(update1);
    expect(encodeIdentityUpdate(decodeIdentityUpdate(bytes))).toEqual(bytes);
  });

  it("takes Ethereum identifiers as written and UNSPECIFIED kinds as Ethereum, like libxmtp", () => {
    const proto = publishedUpdate(fixtures.clients.alice);
    const kind = proto.actions[0]?.kind;
    if (kind?.case !== "createInbox") throw new Error("fixture starts with create_inbox");
    kind.value.initialIdentifierKind = IdentifierKind.UNSPECIFIED;
    kind.value.initialIdentifier = fixtures.clients.alice.address; // checksummed
    const update1 = identityUpdateFromProto(proto);
    expect(update1.actions[0]).toMatchObject({
      accountIdentifier: { kind: "ethereum", address: fixtures.clients.alice.address },
    });
  });

  it("a mixed-case owner address no longer matches the recovered (lowercase) signer", async () => {
    const account = privateKeyToAccount(fixtures.clients.alice.privateKey);
    const checksummed = { kind: "ethereum" as const, address: account.address };
    const request = new SignatureRequestBuilder("any", 1n).createInbox(checksummed, 0n).build();
    // the wallet recovers as lowercase, which is not the checksummed identifier it signs for
    await expect(request.addSignerSignature(account)).rejects.toThrow(
      expect.objectContaining({ code: "SIGNATURE_REQUEST_UNKNOWN_SIGNER" }),
    );
    const signature = fromHex(await account.signMessage({ message: request.signatureText() }));
    const update1 = {
      inboxId: "any",
      clientTimestampNs: 1n,
      actions: [
        {
          type: "createInbox" as const,
          nonce: 0n,
          accountIdentifier: checksummed,
          initialIdentifierSignature: { kind: "erc191" as const, bytes: signature },
        },
      ],
    };
    const verified = await verifyIdentityUpdate(
      decodeIdentityUpdate(encodeIdentityUpdate(update1)),
    );
    expect(() => applyUpdate(undefined, verified)).toThrow(
      expect.objectContaining({ code: "ASSOCIATION_MISSING_EXISTING_MEMBER" }),
    );
  });

  it("refuses missing fields and invalid values with typed errors", () => {
    const bad = (mutate: (bytes: ReturnType<typeof publishedUpdate>) => void, code: string) => {
      const proto = publishedUpdate(fixtures.clients.bob);
      mutate(proto);
      expect(() => decodeIdentityUpdate(toBinary(IdentityUpdateSchema, proto))).toThrow(
        expect.objectContaining({ code }),
      );
    };
    bad((p) => {
      p.actions.push(create(IdentityActionSchema));
    }, "DESERIALIZATION_MISSING_FIELD");
    bad((p) => {
      const k = p.actions[0]?.kind;
      if (k?.case === "createInbox") k.value.initialIdentifierSignature = undefined;
    }, "DESERIALIZATION_MISSING_FIELD");
    bad((p) => {
      const k = p.actions[1]?.kind;
      if (k?.case === "add") k.value.newMemberIdentifier = undefined;
    }, "DESERIALIZATION_MISSING_FIELD");
    bad((p) => {
      const k = p.actions[1]?.kind;
      if (k?.case === "add" && k.value.newMemberSignature?.signature.case === "installationKey") {
        k.value.newMemberSignature.signature.value.publicKey = new Uint8Array(31);
      }
    }, "DESERIALIZATION_INVALID_VALUE");
    bad((p) => {
      const k = p.actions[0]?.kind;
      if (k?.case === "createInbox") {
        k.value.initialIdentifierKind = IdentifierKind.PASSKEY;
        k.value.initialIdentifier = "not hex";
      }
    }, "DESERIALIZATION_INVALID_VALUE");
    expect(() => decodeIdentityUpdate(Uint8Array.of(0x0a, 0x05, 0x01))).toThrow(
      DeserializationError,
    );
    expect(() => decodeIdentityUpdate(Uint8Array.of(0x0a, 0x05, 0x01))).toThrow(
      expect.objectContaining({ code: "DESERIALIZATION_DECODE_FAILED" }),
    );
  });

  it("parses CAIP-10 account ids with libxmtp's rules", () => {
    expect(parseAccountId("eip155:1:0xab16a96D359eC26a11e2C2b3d8f8B8942d5Bfcdb")).toEqual({
      chainId: "eip155:1",
      accountAddress: "0xab16a96D359eC26a11e2C2b3d8f8B8942d5Bfcdb",
    });
    expect(parseAccountId("hedera:mainnet:0.0.1234567890-zbhlt").accountAddress).toBe(
      "0.0.1234567890-zbhlt",
    );
    for (const bad of [
      "eip/155:1:0xab",
      "eip155:1",
      "eip155:1:0xab:extra",
      "e:1:0xab",
      "eip155:1:",
    ]) {
      expect(() => parseAccountId(bad)).toThrow(
        expect.objectContaining({ code: "DESERIALIZATION_INVALID_VALUE" }),
      );
    }
  });
});

describe("AssociationState protobuf", () => {
  it("round-trips a state with members, parents, chain ids and seen signatures", () => {
    const wallet = randomWallet();
    const wallet2 = randomWallet();
    const installation = randomInstallation();
    const inboxId = inboxOf(wallet);
    let state = applyUpdate(
      undefined,
      update(inboxId, [createAction(wallet), add(installation, wallet), add(wallet2, wallet)], 9n),
    );
    state = applyUpdate(state, update(inboxId, [changeRecovery(wallet2, wallet)], 10n));
    state = applyUpdate(state, update(inboxId, [revoke(randomInstallation(), wallet2)], 11n));
    const proto = associationStateToProto(state);
    expect(proto.recoveryIdentifierKind).toBe(IdentifierKind.ETHEREUM);
    const back = associationStateFromProto(proto);
    expect(back.members()).toEqual(state.members());
    expect(back.recoveryIdentifier).toEqual(state.recoveryIdentifier);
    expect(back.seenSignatures().map(toHex)).toEqual(state.seenSignatures().map(toHex));
    expect(toBinary(AssociationStateSchema, associationStateToProto(back))).toEqual(
      toBinary(AssociationStateSchema, proto),
    );
    expect(() =>
      associationStateFromProto(create(AssociationStateSchema, { members: [{}] })),
    ).toThrow(expect.objectContaining({ code: "DESERIALIZATION_MISSING_FIELD" }));
  });
});
