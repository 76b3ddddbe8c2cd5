// Property tests: random sequences of valid and invalid updates only ever fail with typed
// errors, and the state always agrees with a small reference model written here.
import { randomBytes, toHex } from "@x/crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Action, applyUpdate, type IdentityUpdate } from "./association-log.js";
import type { AssociationState } from "./association-state.js";
import { AssociationError, IdentityError } from "./errors.js";
import { inboxIdFor, type MemberIdentifier } from "./identifiers.js";
import { verifyIdentityUpdate } from "./identity-update.js";
import { decodeIdentityUpdate } from "./proto.js";
import type { SignatureKind, VerifiedSignature } from "./signatures.js";
import { fixtures, readFixture } from "./test-utils/fixtures.js";

// ---- a fixed universe of identities ----

const WALLETS: MemberIdentifier[] = [0, 1, 2].map(() => ({
  kind: "ethereum",
  address: `0x${toHex(randomBytes(20))}`,
}));
const INSTALLATIONS: MemberIdentifier[] = [0, 1, 2].map(() => ({
  kind: "installation",
  key: randomBytes(32),
}));
const PASSKEYS: MemberIdentifier[] = [
  { kind: "passkey", key: randomBytes(33), relyingParty: "https://rp.example" },
];
const ALL = [...WALLETS, ...INSTALLATIONS, ...PASSKEYS];
const OWNERS = [...WALLETS, ...PASSKEYS] as Array<
  Extract<MemberIdentifier, { kind: "ethereum" | "passkey" }>
>;
const SIGNATURE_BYTES = Array.from({ length: 5000 }, () => randomBytes(8));
const KINDS: SignatureKind[] = ["erc191", "erc1271", "installationKey", "legacyDelegated", "p256"];
const NATURAL: Record<MemberIdentifier["kind"], SignatureKind> = {
  ethereum: "erc191",
  installation: "installationKey",
  passkey: "p256",
};

// ---- generators ----

const member = fc.integer({ min: 0, max: ALL.length - 1 }).map((i) => ALL[i]!);
const wallet = fc.integer({ min: 0, max: WALLETS.length - 1 }).map((i) => WALLETS[i]!);
/** Mostly wallets (deep chains of adds), sometimes anyone. */
const likelyWallet = fc.oneof({ weight: 3, arbitrary: wallet }, { weight: 2, arbitrary: member });
/** Mostly the inbox's creator (its recovery identifier), sometimes anyone. */
const likelyRecovery = fc.oneof(
  { weight: 3, arbitrary: fc.constant(WALLETS[0]!) },
  { weight: 1, arbitrary: member },
);
const owner = fc.integer({ min: 0, max: OWNERS.length - 1 }).map((i) => OWNERS[i]!);

/** A signature by `who` (or, sometimes, by someone else), usually of the natural kind. */
function signature(who: MemberIdentifier) {
  return fc
    .record({
      signer: fc.oneof(
        { weight: 6, arbitrary: fc.constant(who) },
        { weight: 1, arbitrary: member },
      ),
      kind: fc.oneof(
        { weight: 6, arbitrary: fc.constant<SignatureKind | null>(null) },
        { weight: 2, arbitrary: fc.constantFrom(...KINDS) },
      ),
      // mostly fresh bytes, sometimes one of a few reused ones (replays)
      raw: fc.oneof(
        { weight: 8, arbitrary: fc.integer({ min: 4, max: SIGNATURE_BYTES.length - 1 }) },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: 3 }) },
      ),
      chain: fc.oneof(
        { weight: 12, arbitrary: fc.constant<bigint | undefined>(undefined) },
        { weight: 1, arbitrary: fc.constantFrom(1n, 2n) },
      ),
    })
    .map(
      ({ signer, kind, raw, chain }): VerifiedSignature => ({
        signer,
        kind: kind ?? NATURAL[signer.kind],
        rawBytes: SIGNATURE_BYTES[raw]!,
        ...(chain === undefined ? {} : { chainId: chain }),
      }),
    );
}

const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.tuple(owner, fc.constantFrom(0n, 1n)).chain(([id, nonce]) =>
      signature(id).map(
        (s): Action => ({
          type: "createInbox",
          nonce,
          accountIdentifier: id,
          initialIdentifierSignature: s,
        }),
      ),
    ),
  },
  {
    weight: 5,
    arbitrary: fc.tuple(member, likelyWallet).chain(([neu, by]) =>
      fc.tuple(signature(neu), signature(by)).map(
        ([ns, bs]): Action => ({
          type: "addAssociation",
          newMemberIdentifier: neu,
          newMemberSignature: ns,
          existingMemberSignature: bs,
        }),
      ),
    ),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(likelyWallet, likelyRecovery).chain(([gone, by]) =>
      signature(by).map(
        (s): Action => ({
          type: "revokeAssociation",
          revokedMember: gone,
          recoveryIdentifierSignature: s,
        }),
      ),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(owner, likelyRecovery).chain(([to, by]) =>
      signature(by).map(
        (s): Action => ({
          type: "changeRecoveryAddress",
          newRecoveryIdentifier: to,
          recoveryIdentifierSignature: s,
        }),
      ),
    ),
  },
);

/** Updates for the inbox of OWNERS[0] with nonce 0 mostly, sometimes for another inbox. */
const TARGET = inboxIdFor(OWNERS[0]!, 0n);
const updateArb: fc.Arbitrary<IdentityUpdate> = fc.record({
  inboxId: fc.oneof(
    { weight: 8, arbitrary: fc.constant(TARGET) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(inboxIdFor(OWNERS[1]!, 0n), inboxIdFor(OWNERS[0]!, 1n)),
    },
  ),
  clientTimestampNs: fc.bigInt({ min: 1n, max: 1_000_000n }),
  // one action mostly: an update is all-or-nothing, so several random actions rarely all pass
  actions: fc.oneof(
    { weight: 5, arbitrary: fc.array(action, { minLength: 1, maxLength: 1 }) },
    { weight: 1, arbitrary: fc.array(action, { maxLength: 3 }) },
  ),
});
/** Starts with a proper CreateInbox most of the time so the rest has something to act on. */
const sequence = fc
  .tuple(
    fc.oneof(
      { weight: 9, arbitrary: fc.constant(true) },
      { weight: 1, arbitrary: fc.constant(false) },
    ),
    signature(OWNERS[0]!),
    fc.array(updateArb, { minLength: 1, maxLength: 16 }),
  )
  .map(([start, createSig, rest]): IdentityUpdate[] =>
    start
      ? [
          {
            inboxId: TARGET,
            clientTimestampNs: 1n,
            actions: [
              {
                type: "createInbox",
                nonce: 0n,
                accountIdentifier: OWNERS[0]!,
                initialIdentifierSignature: { ...createSig, signer: OWNERS[0]!, kind: "erc191" },
              },
            ],
          },
          ...rest,
        ]
      : rest,
  );

// ---- the reference model: the XIP-46 rules, written plainly ----

interface RMember {
  id: MemberIdentifier;
  parent?: string;
  chain?: bigint;
  ts?: bigint;
}
interface RState {
  inbox: string;
  members: Map<string, RMember>;
  recovery: MemberIdentifier;
  seen: Set<string>;
}

const key = (id: MemberIdentifier) =>
  `${id.kind}/${id.kind === "ethereum" ? id.address : toHex(id.key)}`;
const ALLOWED: Record<string, string[]> = {
  ethereum: ["erc191", "erc1271", "legacyDelegated"],
  installation: ["installationKey"],
  passkey: ["p256"],
};
class Reject extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}
const must = (ok: boolean, code: string) => {
  if (!ok) throw new Reject(code);
};
const sigsOf = (a: Action): VerifiedSignature[] =>
  a.type === "createInbox"
    ? [a.initialIdentifierSignature]
    : a.type === "addAssociation"
      ? [a.existingMemberSignature, a.newMemberSignature]
      : [a.recoveryIdentifierSignature];

function modelApply(state: RState | undefined, u: IdentityUpdate): RState {
  let s = state && { ...state, members: new Map(state.members), seen: new Set(state.seen) };
  for (const a of u.actions) {
    if (a.type === "createInbox") {
      must(!s, "ASSOCIATION_MULTIPLE_CREATE");
      const sg = a.initialIdentifierSignature;
      must(key(sg.signer) === key(a.accountIdentifier), "ASSOCIATION_MISSING_EXISTING_MEMBER");
      must(
        ALLOWED[a.accountIdentifier.kind]!.includes(sg.kind),
        "ASSOCIATION_SIGNATURE_NOT_ALLOWED",
      );
      must(
        !(sg.kind === "legacyDelegated" && a.nonce !== 0n),
        "ASSOCIATION_LEGACY_SIGNATURE_REUSE",
      );
      s = {
        inbox: inboxIdFor(a.accountIdentifier, a.nonce),
        recovery: a.accountIdentifier,
        seen: new Set(),
        members: new Map([
          [
            key(a.accountIdentifier),
            { id: a.accountIdentifier, ...(sg.chainId === undefined ? {} : { chain: sg.chainId }) },
          ],
        ]),
      };
      continue;
    }
    must(s !== undefined, "ASSOCIATION_NOT_CREATED");
    const st = s!;
    must(
      sigsOf(a).every((x) => !st.seen.has(toHex(x.rawBytes))),
      "ASSOCIATION_REPLAY",
    );
    const chainOk = (sg: VerifiedSignature) => {
      const m = st.members.get(key(sg.signer));
      must(!m || m.chain === sg.chainId, "ASSOCIATION_CHAIN_ID_MISMATCH");
    };
    if (a.type === "addAssociation") {
      const nw = a.newMemberSignature;
      const ex = a.existingMemberSignature;
      must(
        key(nw.signer) === key(a.newMemberIdentifier),
        "ASSOCIATION_NEW_MEMBER_ID_SIGNATURE_MISMATCH",
      );
      must(key(nw.signer) !== key(ex.signer), "ASSOCIATION_ADD_SELF");
      if (
        ex.signer.kind !== "installation" &&
        (nw.kind === "legacyDelegated" || ex.kind === "legacyDelegated")
      ) {
        must(st.inbox === inboxIdFor(ex.signer, 0n), "ASSOCIATION_LEGACY_SIGNATURE_REUSE");
      }
      must(
        ALLOWED[a.newMemberIdentifier.kind]!.includes(nw.kind),
        "ASSOCIATION_SIGNATURE_NOT_ALLOWED",
      );
      chainOk(ex);
      const existing = st.members.get(key(ex.signer));
      if (!existing) {
        must(key(ex.signer) === key(st.recovery), "ASSOCIATION_MISSING_EXISTING_MEMBER");
        must(ex.kind !== "legacyDelegated", "ASSOCIATION_LEGACY_SIGNATURE_REUSE");
      }
      const parent = existing ? existing.id : st.recovery;
      must(ALLOWED[parent.kind]!.includes(ex.kind), "ASSOCIATION_SIGNATURE_NOT_ALLOWED");
      must(
        !(ex.signer.kind === "installation" && a.newMemberIdentifier.kind === "installation"),
        "ASSOCIATION_MEMBER_NOT_ALLOWED",
      );
      st.members.set(key(nw.signer), {
        id: nw.signer,
        parent: key(parent),
        ts: u.clientTimestampNs,
        ...(nw.chainId === undefined ? {} : { chain: nw.chainId }),
      });
    } else {
      const sg = a.recoveryIdentifierSignature;
      chainOk(sg);
      must(sg.kind !== "legacyDelegated", "ASSOCIATION_SIGNATURE_NOT_ALLOWED");
      must(key(sg.signer) === key(st.recovery), "ASSOCIATION_MISSING_EXISTING_MEMBER");
      if (a.type === "revokeAssociation") {
        const gone = key(a.revokedMember);
        const children = [...st.members.entries()]
          .filter(([, m]) => m.parent === gone && m.id.kind === "installation")
          .map(([k]) => k);
        st.members.delete(gone);
        for (const k of children) st.members.delete(k);
      } else {
        st.recovery = a.newRecoveryIdentifier;
      }
    }
  }
  must(s !== undefined, "ASSOCIATION_NOT_CREATED");
  must(s!.inbox === u.inboxId, "ASSOCIATION_WRONG_INBOX_ID");
  for (const a of u.actions) for (const x of sigsOf(a)) s!.seen.add(toHex(x.rawBytes));
  return s!;
}

function view(state: AssociationState) {
  return {
    inbox: state.inboxId,
    recovery: key(state.recoveryIdentifier),
    members: state
      .members()
      .map((m) => ({
        k: key(m.identifier),
        parent: m.addedByEntity && key(m.addedByEntity),
        chain: m.addedOnChainId,
        ts: m.clientTimestampNs,
      }))
      .sort((a, b) => (a.k < b.k ? -1 : 1)),
    seen: state.seenSignatures().map(toHex).sort(),
  };
}

function modelView(s: RState) {
  return {
    inbox: s.inbox,
    recovery: key(s.recovery),
    members: [...s.members.entries()]
      .map(([k, m]) => ({ k, parent: m.parent, chain: m.chain, ts: m.ts }))
      .sort((a, b) => (a.k < b.k ? -1 : 1)),
    seen: [...s.seen].sort(),
  };
}

describe("the association state machine against a reference model", () => {
  it("agrees on every outcome and every state; failures are typed and change nothing", () => {
    let accepted = 0;
    let rejected = 0;
    fc.assert(
      fc.property(sequence, (updates) => {
        let state: AssociationState | undefined;
        let model: RState | undefined;
        for (const u of updates) {
          const before = state && view(state);
          let expected: RState | Reject;
          try {
            expected = modelApply(model, u);
          } catch (error) {
            if (!(error instanceof Reject)) throw error;
            expected = error;
          }
          try {
            const next = applyUpdate(state, u);
            expect(expected).not.toBeInstanceOf(Reject);
            state = next;
            model = expected as RState;
            expect(view(state)).toEqual(modelView(model));
            accepted++;
          } catch (error) {
            if (!(error instanceof AssociationError)) throw error;
            expect(expected).toBeInstanceOf(Reject);
            expect(error.code).toBe((expected as Reject).code);
            if (state) expect(view(state)).toEqual(before);
            rejected++;
          }
        }
      }),
      { numRuns: 1500 },
    );
    // the generators exercise both outcomes
    expect(accepted).toBeGreaterThan(100);
    expect(rejected).toBeGreaterThan(100);
  }, 60_000); // thousands of random steps: seconds on a loaded 2-core machine
});

describe("arbitrary bytes", () => {
  const alice = readFixture(fixtures.clients.alice.publishIdentityUpdateFile).subarray(3); // past the request framing
  async function pipeline(bytes: Uint8Array): Promise<void> {
    try {
      applyUpdate(undefined, await verifyIdentityUpdate(decodeIdentityUpdate(bytes)));
    } catch (error) {
      if (!(error instanceof IdentityError)) throw error;
    }
  }

  it("random bytes decode, verify and apply to a typed error or a state, nothing else", async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), pipeline), {
      numRuns: 500,
    });
  });

  it("random edits of a real update do too", async () => {
    const edit = fc.array(fc.tuple(fc.nat({ max: alice.length - 1 }), fc.nat({ max: 255 })), {
      minLength: 1,
      maxLength: 4,
    });
    await fc.assert(
      fc.asyncProperty(edit, async (edits) => {
        const bytes = alice.slice();
        for (const [at, value] of edits) bytes[at] = value;
        await pipeline(bytes);
      }),
      { numRuns: 300 },
    );
  });
});
