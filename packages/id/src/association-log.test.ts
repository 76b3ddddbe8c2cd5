import { describe, expect, it } from "vitest";
import { applyUpdate, getState } from "./association-log.js";
import type { AssociationState } from "./association-state.js";
import { AssociationError } from "./errors.js";
import { inboxIdFor, passkeyIdentifier } from "./identifiers.js";
import {
  add,
  changeRecovery,
  create,
  inboxOf,
  randomInstallation,
  randomWallet,
  revoke,
  sig,
  update,
} from "./test-utils/synthetic.js";

function expectCode(run: () => unknown, code: string) {
  expect(run).toThrow(expect.objectContaining({ code }));
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AssociationError);
  }
}

function newInbox() {
  const wallet = randomWallet();
  const inboxId = inboxOf(wallet);
  const state = getState([update(inboxId, [create(wallet)])]);
  return { wallet, inboxId, state };
}

function withInstallation() {
  const { wallet, inboxId, state } = newInbox();
  const installation = randomInstallation();
  return {
    wallet,
    inboxId,
    installation,
    state: applyUpdate(state, update(inboxId, [add(installation, wallet)], 5n)),
  };
}

describe("CreateInbox", () => {
  it("creates the inbox with its wallet as first member and recovery identifier", () => {
    const { wallet, inboxId, state } = newInbox();
    expect(state.inboxId).toBe(inboxId);
    expect(state.members()).toEqual([{ identifier: wallet }]);
    expect(state.recoveryIdentifier).toEqual(wallet);
  });

  it("creates and adds in one update; every signature is then seen", () => {
    const wallet = randomWallet();
    const installation = randomInstallation();
    const create1 = create(wallet, 3n);
    const add1 = add(installation, wallet);
    const state = applyUpdate(undefined, update(inboxOf(wallet, 3n), [create1, add1], 42n));
    expect(state.inboxId).toBe(inboxIdFor(wallet, 3n));
    expect(state.get(installation)).toEqual({
      identifier: installation,
      addedByEntity: wallet,
      clientTimestampNs: 42n,
    });
    for (const a of [create1, add1]) {
      for (const s of a.type === "createInbox"
        ? [a.initialIdentifierSignature]
        : a.type === "addAssociation"
          ? [a.newMemberSignature, a.existingMemberSignature]
          : []) {
        expect(state.hasSeen(s.rawBytes)).toBe(true);
      }
    }
  });

  it("refuses a second CreateInbox, a signer that is not the owner, and a wrong inbox id", () => {
    const { wallet, inboxId, state } = newInbox();
    expectCode(
      () => applyUpdate(state, update(inboxId, [create(wallet)])),
      "ASSOCIATION_MULTIPLE_CREATE",
    );
    const other = randomWallet();
    expectCode(
      () => applyUpdate(undefined, update(inboxOf(wallet), [create(wallet, 0n, sig(other))])),
      "ASSOCIATION_MISSING_EXISTING_MEMBER",
    );
    expectCode(
      () => applyUpdate(undefined, update(inboxOf(other), [create(wallet)])),
      "ASSOCIATION_WRONG_INBOX_ID",
    );
    expectCode(() => applyUpdate(undefined, update(inboxId, [])), "ASSOCIATION_NOT_CREATED");
    expectCode(() => getState([]), "ASSOCIATION_NOT_CREATED");
  });

  it("requires a wallet signature kind for a wallet, and nonce 0 for a legacy key", () => {
    const wallet = randomWallet();
    expectCode(
      () =>
        applyUpdate(
          undefined,
          update(inboxOf(wallet), [create(wallet, 0n, sig(wallet, "installationKey"))]),
        ),
      "ASSOCIATION_SIGNATURE_NOT_ALLOWED",
    );
    expectCode(
      () =>
        applyUpdate(
          undefined,
          update(inboxOf(wallet, 1n), [create(wallet, 1n, sig(wallet, "legacyDelegated"))]),
        ),
      "ASSOCIATION_LEGACY_SIGNATURE_REUSE",
    );
    const legacy = applyUpdate(
      undefined,
      update(inboxOf(wallet), [create(wallet, 0n, sig(wallet, "legacyDelegated"))]),
    );
    expect(legacy.inboxId).toBe(inboxOf(wallet));
    for (const kind of ["erc191", "erc1271"] as const) {
      expect(
        applyUpdate(undefined, update(inboxOf(wallet), [create(wallet, 0n, sig(wallet, kind))]))
          .inboxId,
      ).toBe(inboxOf(wallet));
    }
  });

  it("creates a passkey inbox signed with P-256", () => {
    const passkey = passkeyIdentifier(
      Uint8Array.of(2, ...new Uint8Array(32).fill(7)),
      "https://app.example",
    );
    const state = applyUpdate(undefined, update(inboxOf(passkey), [create(passkey)]));
    expect(state.recoveryIdentifier).toEqual(passkey);
    expectCode(
      () =>
        applyUpdate(
          undefined,
          update(inboxOf(passkey), [create(passkey, 0n, sig(passkey, "erc191"))]),
        ),
      "ASSOCIATION_SIGNATURE_NOT_ALLOWED",
    );
  });

  it("refuses an address that is not 0x plus 40 hex digits", () => {
    const bad = { kind: "ethereum" as const, address: "1234567890abcdef1234567890abcdef12345678" };
    expectCode(
      () => applyUpdate(undefined, update("x", [create(bad)])),
      "ASSOCIATION_INVALID_ACCOUNT_ADDRESS",
    );
  });
});

describe("AddAssociation", () => {
  it("lets a wallet add an installation and a wallet, and an installation add a wallet", () => {
    const { wallet, inboxId, installation, state } = withInstallation();
    const wallet2 = randomWallet();
    const wallet3 = randomWallet();
    const s1 = applyUpdate(state, update(inboxId, [add(wallet2, wallet)], 7n));
    const s2 = applyUpdate(s1, update(inboxId, [add(wallet3, installation)], 8n));
    expect(s2.get(wallet2)?.addedByEntity).toEqual(wallet);
    expect(s2.get(wallet3)?.addedByEntity).toEqual(installation);
    expect(s2.members().map((m) => m.identifier)).toEqual([installation, wallet2, wallet3, wallet]);
  });

  it("refuses an installation adding an installation", () => {
    const { inboxId, installation, state } = withInstallation();
    expectCode(
      () => applyUpdate(state, update(inboxId, [add(randomInstallation(), installation)])),
      "ASSOCIATION_MEMBER_NOT_ALLOWED",
    );
  });

  it("refuses a signer who is neither a member nor the recovery identifier", () => {
    const { inboxId, state } = newInbox();
    expectCode(
      () => applyUpdate(state, update(inboxId, [add(randomInstallation(), randomWallet())])),
      "ASSOCIATION_MISSING_EXISTING_MEMBER",
    );
  });

  it("refuses a new-member signature from someone else, and adding oneself", () => {
    const { wallet, inboxId, state } = newInbox();
    const installation = randomInstallation();
    expectCode(
      () =>
        applyUpdate(
          state,
          update(inboxId, [add(installation, wallet, { newSig: sig(randomInstallation()) })]),
        ),
      "ASSOCIATION_NEW_MEMBER_ID_SIGNATURE_MISMATCH",
    );
    expectCode(
      () => applyUpdate(state, update(inboxId, [add(wallet, wallet)])),
      "ASSOCIATION_ADD_SELF",
    );
  });

  it("checks the signature kinds of both the new and the existing member", () => {
    const { wallet, inboxId, state } = newInbox();
    const installation = randomInstallation();
    expectCode(
      () =>
        applyUpdate(
          state,
          update(inboxId, [add(installation, wallet, { newSig: sig(installation, "erc191") })]),
        ),
      "ASSOCIATION_SIGNATURE_NOT_ALLOWED",
    );
    expectCode(
      () =>
        applyUpdate(
          state,
          update(inboxId, [add(installation, wallet, { bySig: sig(wallet, "p256") })]),
        ),
      "ASSOCIATION_SIGNATURE_NOT_ALLOWED",
    );
  });

  it("refuses a signature seen in an earlier update (replay)", () => {
    const { wallet, inboxId, state } = newInbox();
    const walletSig = sig(wallet);
    const s1 = applyUpdate(
      state,
      update(inboxId, [add(randomInstallation(), wallet, { bySig: walletSig })]),
    );
    expectCode(
      () =>
        applyUpdate(s1, update(inboxId, [add(randomInstallation(), wallet, { bySig: walletSig })])),
      "ASSOCIATION_REPLAY",
    );
    expectCode(
      () => applyUpdate(s1, update(inboxId, [revoke(wallet, wallet, walletSig)])),
      "ASSOCIATION_REPLAY",
    );
  });

  it("accepts a legacy key only on the inbox its wallet created with nonce 0, and never from the recovery identifier", () => {
    const wallet = randomWallet();
    const nonce0 = getState([
      update(inboxOf(wallet), [create(wallet, 0n, sig(wallet, "legacyDelegated"))]),
    ]);
    const s1 = applyUpdate(
      nonce0,
      update(inboxOf(wallet), [
        add(randomInstallation(), wallet, { bySig: sig(wallet, "legacyDelegated") }),
      ]),
    );
    expect(s1.installationIds()).toHaveLength(1);

    const nonce1 = getState([update(inboxOf(wallet, 1n), [create(wallet, 1n)])]);
    expectCode(
      () =>
        applyUpdate(
          nonce1,
          update(inboxOf(wallet, 1n), [
            add(randomInstallation(), wallet, { bySig: sig(wallet, "legacyDelegated") }),
          ]),
        ),
      "ASSOCIATION_LEGACY_SIGNATURE_REUSE",
    );

    // the recovery identifier, once revoked as a member, must sign with a real wallet signature
    const revoked = applyUpdate(nonce0, update(inboxOf(wallet), [revoke(wallet, wallet)]));
    expect(revoked.members()).toHaveLength(0);
    expectCode(
      () =>
        applyUpdate(
          revoked,
          update(inboxOf(wallet), [
            add(randomInstallation(), wallet, { bySig: sig(wallet, "legacyDelegated") }),
          ]),
        ),
      "ASSOCIATION_LEGACY_SIGNATURE_REUSE",
    );
    const readded = applyUpdate(
      revoked,
      update(inboxOf(wallet), [add(randomInstallation(), wallet)]),
    );
    expect(readded.installationIds()).toHaveLength(1);
  });

  it("binds a smart-contract wallet to the chain it was added on", () => {
    const scw = randomWallet();
    const created = getState([update(inboxOf(scw), [create(scw, 0n, sig(scw, "erc1271", 1n))])]);
    expect(created.get(scw)?.addedOnChainId).toBe(1n);
    const onChain2 = sig(scw, "erc1271", 2n);
    for (const action of [
      add(randomInstallation(), scw, { bySig: onChain2 }),
      revoke(scw, scw, onChain2),
      changeRecovery(randomWallet(), scw, onChain2),
    ]) {
      expectCode(
        () => applyUpdate(created, update(inboxOf(scw), [action])),
        "ASSOCIATION_CHAIN_ID_MISMATCH",
      );
    }
    const ok = applyUpdate(
      created,
      update(inboxOf(scw), [add(randomInstallation(), scw, { bySig: sig(scw, "erc1271", 1n) })]),
    );
    expect(ok.installationIds()).toHaveLength(1);
    // a member added through an SCW signature records that chain
    const other = randomWallet();
    const s2 = applyUpdate(
      ok,
      update(inboxOf(scw), [
        add(other, scw, { newSig: sig(other, "erc1271", 8453n), bySig: sig(scw, "erc1271", 1n) }),
      ]),
    );
    expect(s2.get(other)?.addedOnChainId).toBe(8453n);
  });

  it("re-adding an existing member replaces it (new parent and time)", () => {
    const { wallet, inboxId, installation, state } = withInstallation();
    const wallet2 = randomWallet();
    const s1 = applyUpdate(state, update(inboxId, [add(wallet2, wallet)], 6n));
    const s2 = applyUpdate(s1, update(inboxId, [add(installation, wallet2)], 9n));
    expect(s2.get(installation)).toEqual({
      identifier: installation,
      addedByEntity: wallet2,
      clientTimestampNs: 9n,
    });
    expect(s2.members()).toHaveLength(3);
  });
});

describe("RevokeAssociation", () => {
  it("removes a member and the installations it added, not the wallets it added", () => {
    const { wallet, inboxId, installation, state } = withInstallation();
    const installation2 = randomInstallation();
    const wallet2 = randomWallet();
    const installation3 = randomInstallation();
    let s = applyUpdate(
      state,
      update(
        inboxId,
        [add(installation2, wallet), add(wallet2, wallet), add(installation3, wallet2)],
        9n,
      ),
    );
    expect(s.members()).toHaveLength(5);
    s = applyUpdate(s, update(inboxId, [revoke(wallet, wallet)]));
    expect(s.members().map((m) => m.identifier)).toEqual([wallet2, installation3]);
    expect(s.has(installation)).toBe(false);
  });

  it("revoking a member that is not there changes nothing but is allowed", () => {
    const { wallet, inboxId, state } = withInstallation();
    const s = applyUpdate(state, update(inboxId, [revoke(randomInstallation(), wallet)]));
    expect(s.members()).toEqual(state.members());
  });

  it("only the recovery identifier may revoke, never through a legacy key", () => {
    const { wallet, inboxId, installation, state } = withInstallation();
    const wallet2 = randomWallet();
    const s = applyUpdate(state, update(inboxId, [add(wallet2, wallet)]));
    expectCode(
      () => applyUpdate(s, update(inboxId, [revoke(installation, wallet2)])),
      "ASSOCIATION_MISSING_EXISTING_MEMBER",
    );
    expectCode(
      () => applyUpdate(s, update(inboxId, [revoke(installation, installation)])),
      "ASSOCIATION_MISSING_EXISTING_MEMBER",
    );
    expectCode(
      () =>
        applyUpdate(
          s,
          update(inboxId, [revoke(installation, wallet, sig(wallet, "legacyDelegated"))]),
        ),
      "ASSOCIATION_SIGNATURE_NOT_ALLOWED",
    );
    expectCode(
      () => applyUpdate(undefined, update(inboxId, [revoke(installation, wallet)])),
      "ASSOCIATION_NOT_CREATED",
    );
  });

  it("a member can be revoked and added again", () => {
    const { wallet, inboxId, state } = newInbox();
    const wallet2 = randomWallet();
    const s1 = applyUpdate(state, update(inboxId, [add(wallet2, wallet), revoke(wallet2, wallet)]));
    expect(s1.members()).toHaveLength(1);
    const s2 = applyUpdate(s1, update(inboxId, [add(wallet2, wallet)]));
    expect(s2.members()).toHaveLength(2);
  });
});

describe("ChangeRecoveryAddress", () => {
  it("moves the recovery privileges to the new identifier", () => {
    const { wallet, inboxId, installation, state } = withInstallation();
    const recovery = randomWallet();
    const s = applyUpdate(state, update(inboxId, [changeRecovery(recovery, wallet)]));
    expect(s.recoveryIdentifier).toEqual(recovery);
    // the old recovery identifier (still a member) may no longer revoke
    expectCode(
      () => applyUpdate(s, update(inboxId, [revoke(wallet, wallet)])),
      "ASSOCIATION_MISSING_EXISTING_MEMBER",
    );
    // the new one may, without being a member, and may add
    const s2 = applyUpdate(s, update(inboxId, [revoke(installation, recovery)]));
    expect(s2.has(installation)).toBe(false);
    const s3 = applyUpdate(s2, update(inboxId, [add(randomInstallation(), recovery)], 11n));
    expect(s3.installationIds()).toHaveLength(1);
  });

  it("only the recovery identifier may change it", () => {
    const { inboxId, installation, state } = withInstallation();
    expectCode(
      () => applyUpdate(state, update(inboxId, [changeRecovery(randomWallet(), installation)])),
      "ASSOCIATION_MISSING_EXISTING_MEMBER",
    );
    expectCode(
      () =>
        applyUpdate(
          state,
          update(inboxId, [
            changeRecovery(
              randomWallet(),
              state.recoveryIdentifier,
              sig(state.recoveryIdentifier, "legacyDelegated"),
            ),
          ]),
        ),
      "ASSOCIATION_SIGNATURE_NOT_ALLOWED",
    );
  });
});

describe("failed updates change nothing", () => {
  it("a failing action in the middle leaves the earlier state as it was", () => {
    const { wallet, inboxId, state } = withInstallation();
    const before = snapshot(state);
    const good = add(randomWallet(), wallet);
    const bad = add(randomInstallation(), randomWallet());
    expect(() => applyUpdate(state, update(inboxId, [good, bad]))).toThrow(AssociationError);
    expect(snapshot(state)).toEqual(before);
    const goodSig = (good as { existingMemberSignature: { rawBytes: Uint8Array } })
      .existingMemberSignature.rawBytes;
    expect(state.hasSeen(goodSig)).toBe(false);
  });
});

describe("diffs", () => {
  it("lists new and removed members", () => {
    const { wallet, inboxId, installation, state } = withInstallation();
    const installation2 = randomInstallation();
    const next = applyUpdate(
      state,
      update(inboxId, [revoke(installation, wallet), add(installation2, wallet)]),
    );
    const diff = state.diff(next);
    expect(diff.newMembers).toEqual([installation2]);
    expect(diff.removedMembers).toEqual([installation]);
    expect(next.asDiff().newMembers).toHaveLength(2);
  });
});

function snapshot(state: AssociationState) {
  return {
    members: state.members(),
    recovery: state.recoveryIdentifier,
    seen: state.seenSignatures(),
    inbox: state.inboxId,
  };
}
