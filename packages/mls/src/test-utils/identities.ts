// Test identities and helpers for the engine tests (not part of the build).
import { ed25519PublicKey, generateEd25519PrivateKey, toHex } from "@x/crypto";
import type { ClientState } from "ts-mls";
import type { StagedCommit } from "../engine/group.js";
import {
  createKeyPackage,
  joinGroupFromWelcome,
  type NewKeyPackage,
  serializeGroupState,
  unwrapWelcome,
  type VerifiedKeyPackage,
  validateKeyPackage,
  wrapWelcome,
  type XmtpIdentity,
} from "../engine/index.js";

export function newIdentity(): XmtpIdentity {
  const privateKey = generateEd25519PrivateKey();
  return {
    inboxId: toHex(crypto.getRandomValues(new Uint8Array(32))),
    installationKey: { privateKey, publicKey: ed25519PublicKey(privateKey) },
  };
}

/** A second installation of the same inbox. */
export function newInstallation(of: XmtpIdentity): XmtpIdentity {
  const privateKey = generateEd25519PrivateKey();
  return {
    inboxId: of.inboxId,
    installationKey: { privateKey, publicKey: ed25519PublicKey(privateKey) },
  };
}

export interface Member {
  identity: XmtpIdentity;
  keyPackage: NewKeyPackage;
  verified: VerifiedKeyPackage;
}

export async function newMember(identity: XmtpIdentity = newIdentity()): Promise<Member> {
  const keyPackage = await createKeyPackage(identity);
  return { identity, keyPackage, verified: await validateKeyPackage(keyPackage.bytes) };
}

/** Wraps the staged commit's welcome for `member`, unwraps it as the member would, and joins. */
export async function joinViaWelcome(
  staged: StagedCommit,
  member: Member,
  cursor = 7n,
): Promise<ClientState> {
  if (staged.welcome === undefined) throw new Error("the commit has no welcome");
  const recipient = staged.welcome.recipients.find(
    (r) => toHex(r.installationId) === toHex(member.identity.installationKey.publicKey),
  );
  if (recipient === undefined) throw new Error("the member is not a recipient of the welcome");
  const wrapped = await wrapWelcome(staged.welcome.message, recipient, cursor);
  const opened = await unwrapWelcome({
    data: wrapped.data,
    welcomeMetadata: wrapped.welcomeMetadata,
    wrapperAlgorithm: wrapped.wrapperAlgorithm,
    privateKey:
      wrapped.wrapperAlgorithm === 2
        ? member.keyPackage.welcomeWrapperKey.privateKey
        : member.keyPackage.privateKeyPackage.initPrivateKey,
  });
  if (opened.messageCursor !== cursor) throw new Error("the welcome metadata did not round-trip");
  return joinGroupFromWelcome({
    welcomeMessage: opened.welcomeMessage,
    keyPackage: member.keyPackage.keyPackage,
    privateKeyPackage: member.keyPackage.privateKeyPackage,
  });
}

/** A fingerprint of a whole group state, to prove a failed call changed nothing. */
export function fingerprint(state: ClientState): string {
  return toHex(serializeGroupState(state));
}

export const text = (s: string) => new TextEncoder().encode(s);
export const untext = (b: Uint8Array) => new TextDecoder().decode(b);
