// Our own commits get the checks every other member runs on them (libxmtp does the same to its
// own commits): before publishing, the policy part (permissions and our admin status, limits,
// immutable metadata; no network), so a commit members would reject is never sent; and when it
// comes back, the whole validation, so a commit we merge is one every member merges.
import type { ClientState, ProposalWithSender } from "ts-mls";
import { diffGroupStates, type ProcessedCommit } from "../engine/index.js";
import { ClientError, errorText } from "./errors.js";
import type { IdentityUpdates } from "./identity.js";
import { validateCommit } from "./validation.js";

/** The proposals of each staged state (kept while the state object lives: read-back in this process). */
const proposalsOf = new WeakMap<ClientState, ProposalWithSender[]>();

/** Own commits refused on read-back, per database, by intent id (for the call that drives them). */
const refusedOf = new WeakMap<object, Map<number, unknown>>();

function ownCommit(
  before: ClientState,
  after: ClientState,
  proposals: ProposalWithSender[],
): ProcessedCommit {
  return {
    kind: "commit",
    previousState: before,
    newState: after,
    diff: diffGroupStates(before, after, before.privatePath.leafIndex, proposals),
  };
}

/**
 * Before publishing: throws CLIENT_NOT_PERMITTED when members would reject the commit. Remembers
 * its proposals for the read-back.
 */
export async function checkBeforePublish(
  identities: IdentityUpdates,
  before: ClientState,
  staged: { newState: ClientState; proposals: ProposalWithSender[] },
): Promise<void> {
  try {
    await validateCommit(identities, ownCommit(before, staged.newState, staged.proposals), {
      identities: "none",
    });
  } catch (e) {
    throw new ClientError(
      "CLIENT_NOT_PERMITTED",
      `${errorText(e)}; nothing was published and the group is unchanged`,
      { cause: e },
    );
  }
  proposalsOf.set(staged.newState, staged.proposals);
}

/**
 * On read-back: the full validation. The proposals are known when the staged state is the one
 * this process made; after a restart only the group-context checks (policies, identities of the
 * inboxes whose membership changed) can run, the per-installation ones need the proposals.
 */
export async function checkOnReadBack(
  identities: IdentityUpdates,
  before: ClientState,
  merged: ClientState,
): Promise<void> {
  // The sequence ids it records were read from the identity updates stored when it was staged,
  // so the local ones suffice (no extra call: libxmtp makes none either).
  await validateCommit(identities, ownCommit(before, merged, proposalsOf.get(merged) ?? []), {
    identities: "stored",
  });
}

export function rememberRefused(db: object, intentId: number, error: unknown): void {
  let refused = refusedOf.get(db);
  if (refused === undefined) {
    refused = new Map();
    refusedOf.set(db, refused);
  }
  refused.set(intentId, error);
}

/** The error to give the caller whose commit came back invalid. */
export function refusedError(db: object, intentId: number): ClientError {
  const cause = refusedOf.get(db)?.get(intentId);
  refusedOf.get(db)?.delete(intentId);
  return new ClientError(
    "CLIENT_COMMIT_INVALID",
    `our commit came back invalid and was not merged${cause === undefined ? "" : `: ${errorText(cause)}`}; the group is unchanged`,
    cause === undefined ? {} : { cause },
  );
}
