import { fromHex, generateEd25519PrivateKey, generateSecp256k1PrivateKey, toHex } from "@x/crypto";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { applyUpdate } from "./association-log.js";
import type { AssociationState } from "./association-state.js";
import { SignatureRequestError } from "./errors.js";
import { ethereumIdentifier, inboxIdFor } from "./identifiers.js";
import { verifyIdentityUpdate } from "./identity-update.js";
import { decodeIdentityUpdate, encodeIdentityUpdate } from "./proto.js";
import {
  type IdentitySigner,
  installationIdentifierFor,
  SignatureRequestBuilder,
  toIdentitySigner,
} from "./signature-request.js";
import { fixtures } from "./test-utils/fixtures.js";

function wallet() {
  return privateKeyToAccount(`0x${toHex(generateSecp256k1PrivateKey())}`);
}

async function publishAndApply(state: AssociationState | undefined, bytes: Uint8Array) {
  return applyUpdate(state, await verifyIdentityUpdate(decodeIdentityUpdate(bytes)));
}

describe("SignatureRequest", () => {
  it("reproduces alice's registration text and bytes from the same inputs", async () => {
    const alice = fixtures.clients.alice;
    const owner = ethereumIdentifier(alice.address);
    const request = new SignatureRequestBuilder(alice.inboxId, BigInt(alice.clientTimestampNs))
      .createInbox(owner, alice.nonce)
      .addAssociation({ kind: "installation", key: fromHex(alice.installationId) }, owner)
      .build();
    expect(request.signatureText()).toBe(alice.signatureText);
    expect(request.missingAddressSignatures()).toEqual([owner]);
    await request.addSignerSignature(privateKeyToAccount(alice.privateKey));
    await request.addSignature({
      kind: "installationKey",
      bytes: fromHex(alice.installationSignature),
      publicKey: fromHex(alice.installationId),
    });
    expect(request.isReady()).toBe(true);
    const rebuilt = encodeIdentityUpdate(request.build());
    const { publishedUpdate } = await import("./test-utils/fixtures.js");
    const { toBinary } = await import("@x/proto");
    const { IdentityUpdateSchema } = await import("@x/proto/identity/associations");
    expect(rebuilt).toEqual(toBinary(IdentityUpdateSchema, publishedUpdate(alice)));
  });

  it("registers an inbox with a viem account and an installation, then revokes and changes recovery", async () => {
    const owner = wallet();
    const ownerId = ethereumIdentifier(owner.address);
    const installationKey = generateEd25519PrivateKey();
    const installation = installationIdentifierFor(installationKey);
    const inboxId = inboxIdFor(ownerId, 0n);

    const register = new SignatureRequestBuilder(inboxId, 1_000_000_000n)
      .createInbox(ownerId, 0n)
      .addAssociation(installation, ownerId)
      .build();
    expect(register.missingSignatures()).toEqual([ownerId, installation]);
    await expect(() => register.build()).toThrow(
      expect.objectContaining({ code: "SIGNATURE_REQUEST_MISSING_SIGNER" }),
    );
    await register.addSignerSignature(owner);
    expect(register.isReady()).toBe(false);
    await register.addInstallationSignature(installationKey);
    let state = await publishAndApply(undefined, encodeIdentityUpdate(register.build()));
    expect(state.installationIds().map(toHex)).toEqual([toHex(installation.key)]);

    const recovery = wallet();
    const recoveryId = ethereumIdentifier(recovery.address);
    const change = new SignatureRequestBuilder(inboxId, 2_000_000_000n)
      .changeRecoveryAddress(ownerId, recoveryId)
      .build();
    await change.addSignerSignature(owner);
    state = await publishAndApply(state, encodeIdentityUpdate(change.build()));
    expect(state.recoveryIdentifier).toEqual(recoveryId);

    const revoke = new SignatureRequestBuilder(inboxId, 3_000_000_000n)
      .revokeAssociation(recoveryId, ownerId)
      .build();
    await revoke.addSignerSignature(recovery);
    state = await publishAndApply(state, encodeIdentityUpdate(revoke.build()));
    // revoking the owner wallet also revoked the installation it added
    expect(state.members()).toEqual([]);
  });

  it("verifies as it goes: an unknown signer or a bad signature is refused and nothing is filed", async () => {
    const owner = wallet();
    const ownerId = ethereumIdentifier(owner.address);
    const request = new SignatureRequestBuilder(inboxIdFor(ownerId, 0n))
      .createInbox(ownerId, 0n)
      .build();
    await expect(request.addSignerSignature(wallet())).rejects.toThrow(
      expect.objectContaining({ code: "SIGNATURE_REQUEST_UNKNOWN_SIGNER" }),
    );
    await expect(
      request.addInstallationSignature(generateEd25519PrivateKey()),
    ).rejects.toBeInstanceOf(SignatureRequestError);
    await expect(
      request.addSignature({ kind: "erc191", bytes: new Uint8Array(65) }),
    ).rejects.toThrow(expect.objectContaining({ code: "SIGNATURE_MALFORMED" }));
    expect(request.missingSignatures()).toEqual([ownerId]);
    // a signature over another text recovers someone else
    const otherText = await owner.signMessage({ message: "something else" });
    await expect(
      request.addSignature({ kind: "erc191", bytes: fromHex(otherText) }),
    ).rejects.toThrow(expect.objectContaining({ code: "SIGNATURE_REQUEST_UNKNOWN_SIGNER" }));
  });

  it("accepts signers with getIdentifier()/signMessage() and rejects anything else", async () => {
    const owner = wallet();
    const custom: IdentitySigner = {
      getIdentifier: () => ethereumIdentifier(owner.address),
      signMessage: (message) => owner.signMessage({ message }),
    };
    const ownerId = ethereumIdentifier(owner.address);
    const request = new SignatureRequestBuilder(inboxIdFor(ownerId, 7n))
      .createInbox(ownerId, 7n)
      .build();
    await request.addSignerSignature(custom);
    expect(request.isReady()).toBe(true);
    expect(() => toIdentitySigner({} as never)).toThrow(
      expect.objectContaining({ code: "SIGNATURE_REQUEST_BAD_SIGNER" }),
    );
    const scwWithoutChain: IdentitySigner = { ...custom, type: "SCW" };
    await expect(
      new SignatureRequestBuilder("x")
        .createInbox(ownerId, 0n)
        .build()
        .addSignerSignature(scwWithoutChain),
    ).rejects.toThrow(expect.objectContaining({ code: "SIGNATURE_REQUEST_BAD_SIGNER" }));
  });
});
