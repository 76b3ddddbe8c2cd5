// Our installation's key packages: made by the engine, their private keys kept in the database
// (found again by the init key a welcome names), uploaded to the node, rotated after welcomes.
import type { XmtpApi } from "@x/api";
import type { MlsKeyPackageSecrets, TransactionScope } from "@x/db";
import type { KeyPackage, PrivateKeyPackage } from "ts-mls";
import { decodeKeyPackage } from "ts-mls/keyPackage.js";
import { createKeyPackage, keyPackageRef, type XmtpIdentity } from "../engine/index.js";
import { decodeOpaque, encodeOpaque } from "../engine/tls.js";
import { ClientError } from "./errors.js";

/**
 * The secrets column: opaque<V> key package ‖ init ‖ hpke ‖ signature private keys ‖ X-Wing
 * private key (the 0xff03 key; absent in key packages stored before we advertised one).
 */
function encodeSecrets(
  kpBytes: Uint8Array,
  p: PrivateKeyPackage,
  xwingPrivateKey: Uint8Array,
): Uint8Array {
  const parts = [
    kpBytes,
    p.initPrivateKey,
    p.hpkePrivateKey,
    p.signaturePrivateKey,
    xwingPrivateKey,
  ].map(encodeOpaque);
  const out = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
  let at = 0;
  for (const x of parts) {
    out.set(x, at);
    at += x.length;
  }
  return out;
}

export interface StoredKeyPackage {
  keyPackage: KeyPackage;
  privateKeyPackage: PrivateKeyPackage;
  /** The X-Wing private key of the 0xff03 extension (undefined for older key packages). */
  xwingPrivateKey: Uint8Array | undefined;
}

export function decodeSecrets(secrets: MlsKeyPackageSecrets): StoredKeyPackage {
  const fields: Uint8Array[] = [];
  let at = 0;
  while (at < secrets.secrets.length && fields.length < 5) {
    const r = decodeOpaque(secrets.secrets, at);
    if (r === undefined) break;
    fields.push(r.data);
    at = r.next;
  }
  if (fields.length < 4 || at !== secrets.secrets.length) {
    throw new ClientError("CLIENT_NO_KEY_PACKAGE", "stored key-package secrets are truncated");
  }
  const decoded = decodeKeyPackage(fields[0]!, 0);
  if (decoded === undefined) {
    throw new ClientError("CLIENT_NO_KEY_PACKAGE", "a stored key package does not decode");
  }
  return {
    keyPackage: decoded[0],
    privateKeyPackage: {
      initPrivateKey: fields[1]!,
      hpkePrivateKey: fields[2]!,
      signaturePrivateKey: fields[3]!,
    },
    xwingPrivateKey: fields[4],
  };
}

/** libxmtp keeps a replaced key package this long, for welcomes already on their way to it. */
export const KEY_PACKAGE_DELETE_DELAY_NS = 24n * 3600n * 1_000_000_000n;
/** libxmtp rotates the key package at least this often (KEY_PACKAGE_ROTATION_INTERVAL_NS). */
export const KEY_PACKAGE_ROTATION_INTERVAL_NS = 30n * 24n * 3600n * 1_000_000_000n;

export interface NewKeyPackage {
  /** The TLS bytes to upload. */
  bytes: Uint8Array;
  /** Its key-package history entry. */
  historyId: number;
}

/** Makes a key package and stores its secrets and history in `tx` (not uploaded yet). */
export async function newStoredKeyPackage(
  identity: XmtpIdentity,
  tx: TransactionScope,
  nowNs: bigint = BigInt(Date.now()) * 1_000_000n,
): Promise<NewKeyPackage> {
  const kp = await createKeyPackage(identity);
  const hashRef = await keyPackageRef(kp.keyPackage);
  // Welcomes name the key package by the public key they were wrapped to: the init key
  // (Curve25519) or the X-Wing key (X-Wing welcomes and welcome pointers).
  await tx.mls.putKeyPackage({
    hashRef,
    initPublicKey: kp.initKey,
    postQuantumPublicKey: kp.welcomeWrapperKey.publicKey,
    secrets: encodeSecrets(kp.bytes, kp.privateKeyPackage, kp.welcomeWrapperKey.privateKey),
    createdAtNs: nowNs,
  });
  const entry = await tx.keyPackageHistory.insert({
    keyPackageHashRef: hashRef,
    createdAtNs: nowNs,
    postQuantumPublicKey: kp.welcomeWrapperKey.publicKey,
  });
  return { bytes: kp.bytes, historyId: entry.id };
}

/**
 * The node accepted `historyId`'s key package: every older one of ours is deleted
 * KEY_PACKAGE_DELETE_DELAY_NS from now, and the next rotation is due in 30 days. Only after the
 * upload: if it failed, the node still hands out an older key package, whose secrets must stay.
 */
export async function keyPackageUploaded(
  db: TransactionScope,
  historyId: number,
  nowNs: bigint,
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.keyPackageHistory.markForDeletion(historyId, nowNs + KEY_PACKAGE_DELETE_DELAY_NS);
    await tx.identity.setNextKeyPackageRotationNs(nowNs + KEY_PACKAGE_ROTATION_INTERVAL_NS);
  });
}

/**
 * Deletes the secrets and history of our key packages whose deletion time has come (libxmtp's
 * key-package cleanup). Returns how many were deleted.
 */
export async function deleteExpiredKeyPackages(
  db: TransactionScope,
  nowNs: bigint = BigInt(Date.now()) * 1_000_000n,
): Promise<number> {
  return db.transaction(async (tx) => {
    const due = await tx.keyPackageHistory.listDueForDeletion(nowNs);
    for (const e of due) await tx.mls.deleteKeyPackage(e.keyPackageHashRef);
    await tx.keyPackageHistory.delete(due.map((e) => e.id));
    return due.length;
  });
}

/** A fresh key package, stored, then uploaded (it replaces the installation's last one). */
export async function rotateKeyPackage(
  identity: XmtpIdentity,
  db: TransactionScope,
  api: XmtpApi,
  nowNs: bigint = BigInt(Date.now()) * 1_000_000n,
): Promise<void> {
  const kp = await db.transaction((tx) => newStoredKeyPackage(identity, tx, nowNs));
  await api.uploadKeyPackage(kp.bytes);
  await keyPackageUploaded(db, kp.historyId, nowNs);
}
