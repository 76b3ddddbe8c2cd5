// Our commit builder carries the two rules stock ts-mls 1.6.4 gets wrong for OpenMLS. The decisive
// proof (libxmtp members processing our Add+GCE, GCE-only and Remove+GCE commits) is in
// tooling/interop and in the release test on the packed packages; these tests pin each rule down.
import {
  acceptAll,
  type Capabilities,
  type CiphersuiteImpl,
  type ClientState,
  createCommit,
  createGroup,
  type Extension,
  emptyPskIndex,
  generateKeyPackage,
  joinGroup,
  type KeyPackage,
  type PrivateKeyPackage,
  type Proposal,
  processMessage,
  type Welcome,
} from "ts-mls";
import { encode } from "ts-mls/codec/tlsEncoder.js";
import { decryptWithLabel } from "ts-mls/crypto/hpke.js";
import { groupContextEncoder } from "ts-mls/groupContext.js";
import { beforeAll, describe, expect, it } from "vitest";
import { xmtpCiphersuite } from "./ciphersuite.js";
import { buildCommit } from "./commit.js";
import { toHex } from "./tls.js";

const MEMBERSHIP = 0xff01;
const capabilities: Capabilities = {
  versions: ["mls10"],
  ciphersuites: ["MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519"],
  extensions: [MEMBERSHIP],
  proposals: [],
  credentials: ["basic"],
};
const lifetime = { notBefore: 0n, notAfter: 2n ** 63n };

let cs: CiphersuiteImpl;
beforeAll(async () => {
  cs = await xmtpCiphersuite();
});

type Package = { publicPackage: KeyPackage; privatePackage: PrivateKeyPackage };

function member(name: string): Promise<Package> {
  return generateKeyPackage(
    { credentialType: "basic", identity: new TextEncoder().encode(name) },
    capabilities,
    lifetime,
    [],
    cs,
  );
}

const membership = (n: number): Extension => ({
  extensionType: MEMBERSHIP,
  extensionData: new Uint8Array([n]),
});
const add = (p: Package): Proposal => ({
  proposalType: "add",
  add: { keyPackage: p.publicPackage },
});
const gce = (n: number): Proposal => ({
  proposalType: "group_context_extensions",
  groupContextExtensions: { extensions: [membership(n)] },
});

function expectSameEpoch(a: ClientState, b: ClientState) {
  expect(b.groupContext.epoch).toBe(a.groupContext.epoch);
  expect(toHex(b.keySchedule.epochAuthenticator)).toBe(toHex(a.keySchedule.epochAuthenticator));
  expect(toHex(b.groupContext.treeHash)).toBe(toHex(a.groupContext.treeHash));
}

async function follow(state: ClientState, message: Parameters<typeof processMessage>[0]) {
  const processed = await processMessage(message, state, emptyPskIndex, acceptAll, cs);
  if (processed.kind !== "newState") throw new Error("expected a new state");
  return processed.newState;
}

/** Joins from a commit's welcome (which it must have). */
function join(commit: { welcome?: Welcome }, p: Package): Promise<ClientState> {
  if (commit.welcome === undefined) throw new Error("expected a welcome");
  return joinGroup(commit.welcome, p.publicPackage, p.privatePackage, emptyPskIndex, cs);
}

/** alice alone, then alice + bob (bob joined from alice's add-only welcome). */
async function twoMembers() {
  const alice = await member("alice");
  const bob = await member("bob");
  const start = await createGroup(
    crypto.getRandomValues(new Uint8Array(16)),
    alice.publicPackage,
    alice.privatePackage,
    [membership(1)],
    cs,
  );
  const addBob = await buildCommit(start, cs, { proposals: [add(bob)] });
  // Add-only: the one case where no path is needed (and none is sent).
  expect(addBob.commit.path).toBeUndefined();
  const bobState = await join(addBob, bob);
  expectSameEpoch(addBob.newState, bobState);
  return { aliceState: addBob.newState, bobState };
}

describe("buildCommit", () => {
  it("puts an UpdatePath on Add+GroupContextExtensions, where stock ts-mls 1.6.4 puts none", async () => {
    const { aliceState, bobState } = await twoMembers();
    const carol = await member("carol");

    // The canary: if a ts-mls upgrade ever fixes this, the builder can go back to createCommit.
    const stock = await createCommit(
      { state: aliceState, cipherSuite: cs },
      { extraProposals: [add(carol), gce(2)], wireAsPublicMessage: true },
    );
    if (stock.commit.wireformat !== "mls_public_message") throw new Error("expected public");
    const stockContent = stock.commit.publicMessage.content;
    if (stockContent.contentType !== "commit") throw new Error("expected a commit");
    expect(stockContent.commit.path).toBeUndefined();

    const ours = await buildCommit(aliceState, cs, { proposals: [add(carol), gce(2)] });
    expect(ours.commit.path).toBeDefined();
    expect(ours.message.wireformat).toBe("mls_private_message");
    // bob (who must process the commit) and carol (who joins) land in alice's epoch.
    const bobNext = await follow(bobState, ours.message);
    expectSameEpoch(ours.newState, bobNext);
    expect(bobNext.groupContext.extensions).toEqual([membership(2)]);
    const carolState = await join(ours, carol);
    expectSameEpoch(ours.newState, carolState);
  });

  it("encrypts the path under the provisional GroupContext with the new extensions", async () => {
    const { aliceState, bobState } = await twoMembers();
    const ours = await buildCommit(aliceState, cs, { proposals: [gce(7)] });
    const path = ours.commit.path;
    if (path === undefined) throw new Error("expected a path on a GCE-only commit");

    // Decrypt bob's path secret by hand (RFC 9420 §7.6), as OpenMLS does: the context is the old
    // one with epoch + 1, the new tree hash and the GCE's extensions.
    const [node] = path.nodes;
    const [ciphertext] = node?.encryptedPathSecret ?? [];
    if (ciphertext === undefined) throw new Error("expected a ciphertext for bob");
    const bobKey = Object.values(bobState.privatePath.privateKeys)[0];
    if (bobKey === undefined) throw new Error("bob has no private key");
    const key = await cs.hpke.importPrivateKey(bobKey);
    const provisional = (extensions: Extension[]) =>
      encode(groupContextEncoder)({
        ...aliceState.groupContext,
        epoch: aliceState.groupContext.epoch + 1n,
        treeHash: ours.newState.groupContext.treeHash,
        extensions,
      });
    const open = (extensions: Extension[]) =>
      decryptWithLabel(
        key,
        "UpdatePathNode",
        provisional(extensions),
        ciphertext.kemOutput,
        ciphertext.ciphertext,
        cs.hpke,
      );
    await expect(open([membership(7)])).resolves.toHaveLength(32);
    await expect(open(aliceState.groupContext.extensions)).rejects.toThrow();

    expectSameEpoch(ours.newState, await follow(bobState, ours.message));
  });

  it("puts an UpdatePath on empty commits and Remove+GCE, and the remaining member follows", async () => {
    const { aliceState, bobState } = await twoMembers();
    const empty = await buildCommit(aliceState, cs, { proposals: [] });
    expect(empty.commit.path).toBeDefined();
    const bobNext = await follow(bobState, empty.message);
    expectSameEpoch(empty.newState, bobNext);

    const carol = await member("carol");
    const withCarol = await buildCommit(empty.newState, cs, { proposals: [add(carol)] });
    const bobWithCarol = await follow(bobNext, withCarol.message);
    const carolState = await join(withCarol, carol);
    const bobLeaf = bobWithCarol.privatePath.leafIndex;
    const removeBob = await buildCommit(withCarol.newState, cs, {
      proposals: [{ proposalType: "remove", remove: { removed: bobLeaf } }, gce(3)],
    });
    expect(removeBob.commit.path).toBeDefined();
    const carolNext = await follow(carolState, removeBob.message);
    expectSameEpoch(removeBob.newState, carolNext);
    expect(carolNext.groupContext.extensions).toEqual([membership(3)]);
    // bob, removed, processes the commit into a state that is no longer active.
    const bobRemoved = await follow(bobWithCarol, removeBob.message);
    expect(bobRemoved.groupActiveState.kind).toBe("removedFromGroup");
  });

  it("leaves the given state usable when it throws, and refuses a non-member removal", async () => {
    const { aliceState } = await twoMembers();
    const before = toHex(aliceState.keySchedule.epochAuthenticator);
    await expect(
      buildCommit(aliceState, cs, {
        proposals: [{ proposalType: "remove", remove: { removed: 9 } }],
      }),
    ).rejects.toThrow();
    expect(toHex(aliceState.keySchedule.epochAuthenticator)).toBe(before);
    const next = await buildCommit(aliceState, cs, { proposals: [gce(4)] });
    expect(next.newState.groupContext.epoch).toBe(aliceState.groupContext.epoch + 1n);
  });
});
