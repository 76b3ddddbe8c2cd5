// Proves the two fixes carried in patches/ts-mls@1.6.4.patch are in effect. The decisive proof
// (a libxmtp member processing our Add+GCE commit) is in tooling/interop; these tests catch a
// lost or stale patch early.
import {
  acceptAll,
  type Capabilities,
  type CiphersuiteImpl,
  type ClientState,
  createCommit,
  createGroup,
  emptyPskIndex,
  generateKeyPackage,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  joinGroup,
  type KeyPackage,
  type PrivateKeyPackage,
  processMessage,
} from "ts-mls";
import { beforeAll, describe, expect, it } from "vitest";

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
  cs = await getCiphersuiteImpl(
    getCiphersuiteFromName("MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519"),
  );
});

async function member(
  name: string,
): Promise<{ publicPackage: KeyPackage; privatePackage: PrivateKeyPackage }> {
  return generateKeyPackage(
    { credentialType: "basic", identity: new TextEncoder().encode(name) },
    capabilities,
    lifetime,
    [],
    cs,
  );
}

const membership = (n: number) => ({
  extensionType: MEMBERSHIP,
  extensionData: new Uint8Array([n]),
});

async function commitAsPublic(state: ClientState, proposals: Parameters<typeof createCommit>[1]) {
  const result = await createCommit(
    { state, cipherSuite: cs },
    { ...proposals, wireAsPublicMessage: true, ratchetTreeExtension: true },
  );
  if (result.commit.wireformat !== "mls_public_message")
    throw new Error("expected a public message");
  const message = result.commit;
  const content = message.publicMessage.content;
  if (content.contentType !== "commit") throw new Error("expected a commit");
  return { result, message, path: content.commit.path };
}

describe("ts-mls 1.6.4 with our patch", () => {
  it("puts an UpdatePath on Add+GroupContextExtensions commits, and none on Add-only", async () => {
    const alice = await member("alice");
    const bob = await member("bob");
    const carol = await member("carol");
    const groupId = crypto.getRandomValues(new Uint8Array(16));
    let aliceState = await createGroup(
      groupId,
      alice.publicPackage,
      alice.privatePackage,
      [membership(1)],
      cs,
    );

    const addOnly = await commitAsPublic(aliceState, {
      extraProposals: [{ proposalType: "add", add: { keyPackage: bob.publicPackage } }],
    });
    expect(addOnly.path).toBeUndefined();
    aliceState = addOnly.result.newState;
    let bobState = await joinGroup(
      addOnly.result.welcome!,
      bob.publicPackage,
      bob.privatePackage,
      emptyPskIndex,
      cs,
    );

    // The unpatched 1.6.4 sends this commit without a path; OpenMLS then fails with
    // "Unable to determine commit path" and the libxmtp member forks.
    const addWithGce = await commitAsPublic(aliceState, {
      extraProposals: [
        { proposalType: "add", add: { keyPackage: carol.publicPackage } },
        {
          proposalType: "group_context_extensions",
          groupContextExtensions: { extensions: [membership(2)] },
        },
      ],
    });
    expect(addWithGce.path).toBeDefined();

    // Bob (a member who must process the commit) follows it into the same epoch.
    const processed = await processMessage(
      addWithGce.message,
      bobState,
      emptyPskIndex,
      acceptAll,
      cs,
    );
    if (processed.kind !== "newState") throw new Error("expected a new state");
    bobState = processed.newState;
    expect(bobState.groupContext.epoch).toBe(addWithGce.result.newState.groupContext.epoch);
    expect(bobState.groupContext.extensions).toEqual([membership(2)]);
    expect(bobState.keySchedule.epochAuthenticator).toEqual(
      addWithGce.result.newState.keySchedule.epochAuthenticator,
    );
  });

  it("puts an UpdatePath on a GroupContextExtensions-only commit", async () => {
    const alice = await member("alice");
    const state = await createGroup(
      crypto.getRandomValues(new Uint8Array(16)),
      alice.publicPackage,
      alice.privatePackage,
      [membership(1)],
      cs,
    );
    const gceOnly = await commitAsPublic(state, {
      extraProposals: [
        {
          proposalType: "group_context_extensions",
          groupContextExtensions: { extensions: [membership(3)] },
        },
      ],
    });
    expect(gceOnly.path).toBeDefined();
  });
});
