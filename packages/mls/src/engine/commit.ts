// Our own commit builder (RFC 9420 §12.4.2), assembled from ts-mls's exported modules.
//
// ts-mls 1.6.4's `createCommit` makes two choices that OpenMLS (libxmtp) rejects, so a stock
// install of it forks every libxmtp member on our first membership or metadata change:
// - it omits the UpdatePath when a commit covers only Adds and GroupContextExtensions (OpenMLS:
//   "Unable to determine commit path");
// - it encrypts the path under the GroupContext with the *old* extensions, where receivers use
//   the provisional context carrying the GCE's new ones (OpenMLS: "Unable to decrypt the path
//   node").
// Building the commit here keeps ts-mls stock (pinned exactly) and the fix in what we publish.
import type {
  CiphersuiteImpl,
  ClientState,
  GroupContext,
  MLSMessage,
  MlsPrivateMessage,
  Proposal,
  Welcome,
} from "ts-mls";
import {
  addHistoricalReceiverData,
  applyProposals,
  checkCanSendHandshakeMessages,
  makePskIndex,
  nextEpochContext,
} from "ts-mls/clientState.js";
import type { Commit } from "ts-mls/commit.js";
import { createGroupInfoWithRatchetTree } from "ts-mls/createCommit.js";
import { createConfirmationTag, createContentCommitSignature } from "ts-mls/framedContent.js";
import { makeKeyPackageRef } from "ts-mls/keyPackage.js";
import { initializeEpoch } from "ts-mls/keySchedule.js";
import { protect } from "ts-mls/messageProtection.js";
import { getCommitSecret, pathToPathSecrets } from "ts-mls/pathSecrets.js";
import { mergePrivateKeyPaths, toPrivateKeyPath, updateLeafKey } from "ts-mls/privateKeyPath.js";
import type { ProposalOrRef } from "ts-mls/proposalOrRefType.js";
import { createSecretTree } from "ts-mls/secretTree.js";
import { treeHashRoot } from "ts-mls/treeHash.js";
import { leafToNodeIndex, leafWidth, toLeafIndex, toNodeIndex } from "ts-mls/treemath.js";
import type { ProposalWithSender } from "ts-mls/unappliedProposals.js";
import { createUpdatePath, firstCommonAncestor } from "ts-mls/updatePath.js";
import { base64ToBytes, zeroOutUint8Array } from "ts-mls/util/byteArray.js";
import { encryptGroupInfo, encryptGroupSecrets } from "ts-mls/welcome.js";

/** What `buildCommit` made: the commit to publish, the state to adopt once it wins the epoch. */
export interface BuiltCommit {
  /** The commit as an MLSMessage (a PrivateMessage, as libxmtp sends commits). */
  message: MLSMessage & MlsPrivateMessage;
  /** The Commit inside it (its proposals and UpdatePath), for inspection. */
  commit: Commit;
  /** Every proposal the commit applies, with its sender (ours, or pending ones by reference). */
  proposals: ProposalWithSender[];
  newState: ClientState;
  /** The welcome for the added members (GroupInfo with the ratchet tree), when there are any. */
  welcome?: Welcome;
}

export interface BuildCommitOptions {
  /** Proposals carried by value. */
  proposals: readonly Proposal[];
  /** Also commit the proposals received by reference (libxmtp's CommitPendingProposals). */
  includePending?: boolean;
}

/**
 * RFC 9420 §12.4 (OpenMLS `is_path_required`): a commit may omit its UpdatePath only when it
 * covers at least one proposal and every one is an Add, PreSharedKey or ReInit.
 */
export function commitNeedsPath(proposals: readonly ProposalWithSender[]): boolean {
  return (
    proposals.length === 0 ||
    proposals.some((p) => !["add", "psk", "reinit"].includes(String(p.proposal.proposalType)))
  );
}

/** A member's commit of `options.proposals` (plus the pending ones when asked), never merged. */
export async function buildCommit(
  state: ClientState,
  cs: CiphersuiteImpl,
  options: BuildCommitOptions,
): Promise<BuiltCommit> {
  checkCanSendHandshakeMessages(state);
  const ownLeaf = toLeafIndex(state.privatePath.leafIndex);
  const covered: ProposalOrRef[] = [
    ...(options.includePending === true ? Object.keys(state.unappliedProposals) : []).map(
      (ref): ProposalOrRef => ({ proposalOrRefType: "reference", reference: base64ToBytes(ref) }),
    ),
    ...options.proposals.map(
      (proposal): ProposalOrRef => ({ proposalOrRefType: "proposal", proposal }),
    ),
  ];
  // applyProposals reads the pending proposals only to resolve the references listed above.
  const applied = await applyProposals(state, covered, ownLeaf, makePskIndex(state, {}), true, cs);
  const result = applied.additionalResult;
  if (result.kind !== "memberCommit") {
    throw new Error(`a ${result.kind} commit is not something this client makes`);
  }

  // The provisional GroupContext: the GCE's extensions replace the old ones before the path is
  // encrypted (createUpdatePath then sets epoch + 1 and the new tree hash itself).
  const provisional: GroupContext = {
    ...state.groupContext,
    extensions: result.extensions.length > 0 ? result.extensions : state.groupContext.extensions,
  };
  // Added members get the path secret in their welcome, so the path is not encrypted to them.
  const joiners = result.addedLeafNodes.map(([leaf]) => leafToNodeIndex(leaf));
  const withPath = commitNeedsPath(applied.allProposals);
  const [tree, path, pathSecrets, leafPrivateKey] = withPath
    ? await createUpdatePath(
        applied.tree,
        ownLeaf,
        provisional,
        state.signaturePrivateKey,
        cs,
        joiners,
      )
    : [applied.tree, undefined, [], undefined];

  const lastSecret = pathSecrets.at(-1);
  const commitSecret =
    lastSecret === undefined
      ? new Uint8Array(cs.kdf.size)
      : await getCommitSecret(tree, toNodeIndex(lastSecret.nodeIndex), lastSecret.secret, cs.kdf);
  const ownKeys =
    leafPrivateKey === undefined
      ? state.privatePath
      : updateLeafKey(state.privatePath, await cs.hpke.exportPrivateKey(leafPrivateKey));
  const privatePath = mergePrivateKeyPaths(
    ownKeys,
    await toPrivateKeyPath(pathToPathSecrets(pathSecrets), state.privatePath.leafIndex, cs),
  );

  const commit: Commit = { proposals: covered, path };
  const { signature, framedContent } = await createContentCommitSignature(
    state.groupContext,
    "mls_private_message",
    commit,
    { senderType: "member", leafIndex: state.privatePath.leafIndex },
    new Uint8Array(),
    state.signaturePrivateKey,
    cs.signature,
  );
  const groupContext = await nextEpochContext(
    provisional,
    "mls_private_message",
    framedContent,
    signature,
    await treeHashRoot(tree, cs.hash),
    state.confirmationTag,
    cs.hash,
  );
  const epoch = await initializeEpoch(
    state.keySchedule.initSecret,
    commitSecret,
    groupContext,
    applied.pskSecret,
    cs.kdf,
  );
  const confirmationTag = await createConfirmationTag(
    epoch.keySchedule.confirmationKey,
    groupContext.confirmedTranscriptHash,
    cs.hash,
  );

  // The commit is framed in the old epoch, under its sender-data secret and secret tree.
  const protectedCommit = await protect(
    state.keySchedule.senderDataSecret,
    new Uint8Array(),
    state.groupContext,
    state.secretTree,
    { ...framedContent, auth: { contentType: "commit", signature, confirmationTag } },
    state.privatePath.leafIndex,
    state.clientConfig.paddingConfig,
    cs,
  );

  let welcome: Welcome | undefined;
  if (result.addedLeafNodes.length > 0) {
    const groupInfo = await createGroupInfoWithRatchetTree(
      groupContext,
      confirmationTag,
      state,
      tree,
      [],
      cs,
    );
    const encryptedGroupInfo = await encryptGroupInfo(groupInfo, epoch.welcomeSecret, cs);
    const secrets = await Promise.all(
      result.addedLeafNodes.map(async ([leaf, keyPackage]) => {
        // The joiner's path secret is the one at the lowest node both of us sit under.
        const shared = firstCommonAncestor(tree, leaf, ownLeaf);
        const pathSecret = pathSecrets.find((s) => s.nodeIndex === shared)?.secret;
        const sealed = await encryptGroupSecrets(
          await cs.hpke.importPublicKey(keyPackage.initKey),
          encryptedGroupInfo,
          { joinerSecret: epoch.joinerSecret, pathSecret, psks: applied.pskIds },
          cs.hpke,
        );
        return {
          newMember: await makeKeyPackageRef(keyPackage, cs.hash),
          encryptedGroupSecrets: { kemOutput: sealed.enc, ciphertext: sealed.ct },
        };
      }),
    );
    welcome = { cipherSuite: groupContext.cipherSuite, secrets, encryptedGroupInfo };
  }

  const [historicalReceiverData] = addHistoricalReceiverData(state);
  const newState: ClientState = {
    groupContext,
    ratchetTree: tree,
    secretTree: await createSecretTree(leafWidth(tree.length), epoch.encryptionSecret, cs.kdf),
    keySchedule: epoch.keySchedule,
    privatePath,
    unappliedProposals: {},
    historicalReceiverData,
    confirmationTag,
    signaturePrivateKey: state.signaturePrivateKey,
    groupActiveState: applied.selfRemoved ? { kind: "removedFromGroup" } : { kind: "active" },
    clientConfig: state.clientConfig,
  };
  zeroOutUint8Array(commitSecret);
  zeroOutUint8Array(epoch.encryptionSecret);
  zeroOutUint8Array(epoch.joinerSecret);

  const message: MLSMessage & MlsPrivateMessage = {
    version: "mls10",
    wireformat: "mls_private_message",
    privateMessage: protectedCommit.privateMessage,
  };
  const proposals = applied.allProposals;
  return welcome === undefined
    ? { message, commit, proposals, newState }
    : { message, commit, proposals, newState, welcome };
}
