// Reading a group's members (its ratchet tree leaves) in XMTP terms.
import type { ClientState, LeafNode, RatchetTree } from "ts-mls";
import { decodeMlsCredential } from "./payloads.js";
import { bytesEqual } from "./tls.js";

export interface GroupMember {
  leafIndex: number;
  /** The leaf's signature key: the installation id. */
  installationId: Uint8Array;
  /** The inbox id in the leaf's MlsCredential; undefined if the credential is not XMTP's. */
  inboxId: string | undefined;
  leaf: LeafNode;
}

export function leafMembers(tree: RatchetTree): GroupMember[] {
  const members: GroupMember[] = [];
  for (let nodeIndex = 0; nodeIndex < tree.length; nodeIndex += 2) {
    const node = tree[nodeIndex];
    if (node?.nodeType !== "leaf") continue;
    const leaf = node.leaf;
    members.push({
      leafIndex: nodeIndex / 2,
      installationId: leaf.signaturePublicKey,
      inboxId:
        leaf.credential.credentialType === "basic"
          ? decodeMlsCredential(leaf.credential.identity)
          : undefined,
      leaf,
    });
  }
  return members;
}

/** Every member of the group at its current epoch. */
export function groupMembers(state: ClientState): GroupMember[] {
  return leafMembers(state.ratchetTree);
}

export function memberAt(tree: RatchetTree, leafIndex: number): GroupMember | undefined {
  return leafMembers(tree).find((m) => m.leafIndex === leafIndex);
}

export function findMemberByInstallation(
  state: ClientState,
  installationId: Uint8Array,
): GroupMember | undefined {
  return groupMembers(state).find((m) => bytesEqual(m.installationId, installationId));
}

/** Our own leaf. */
export function ownMember(state: ClientState): GroupMember {
  const me = memberAt(state.ratchetTree, state.privatePath.leafIndex);
  if (me === undefined) throw new Error("the group state has no leaf at its own leaf index");
  return me;
}
