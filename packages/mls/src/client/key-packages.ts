// Our installation's key packages: made by the engine, their private keys kept in the database
// (found again by the init key a welcome names), uploaded to the node, rotated after welcomes.
import type { XmtpApi } from "@x/api";
import type { MlsKeyPackageSecrets, TransactionScope } from "@x/db";
import type { KeyPackage, PrivateKeyPackage } from "ts-mls";
import { decodeKeyPackage } from "ts-mls/keyPackage.js";
import { createKeyPackage, keyPackageRef, type XmtpIdentity } from "../engine/index.js";
import { decodeOpaque, encodeOpaque } from "../engine/tls.js";
import { ClientError } from "./errors.js";

/** The secrets column: opaque<V> key package ‖ init ‖ hpke ‖ signature private keys. */
function encodeSecrets(kpBytes: Uint8Array, p: PrivateKeyPackage): Uint8Array {
  const parts = [kpBytes, p.initPrivateKey, p.hpkePrivateKey, p.signaturePrivateKey].map(
    encodeOpaque,
  );
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
}

export function decodeSecrets(secrets: MlsKeyPackageSecrets): StoredKeyPackage {
  const fields: Uint8Array[] = [];
  let at = 0;
  for (let i = 0; i < 4; i++) {
    const r = decodeOpaque(secrets.secrets, at);
    if (r === undefined) {
      throw new ClientError("CLIENT_NO_KEY_PACKAGE", "stored key-package secrets are truncated");
    }
    fields.push(r.data);
    at = r.next;
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
  };
}

/** Makes a key package, stores its secrets and history in `tx`; returns the bytes to upload. */
export async function newStoredKeyPackage(
  identity: XmtpIdentity,
  tx: TransactionScope,
): Promise<Uint8Array> {
  const kp = await createKeyPackage(identity);
  const hashRef = await keyPackageRef(kp.keyPackage);
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  await tx.mls.putKeyPackage({
    hashRef,
    initPublicKey: kp.initKey,
    postQuantumPublicKey: null,
    secrets: encodeSecrets(kp.bytes, kp.privateKeyPackage),
    createdAtNs: nowNs,
  });
  await tx.keyPackageHistory.insert({
    keyPackageHashRef: hashRef,
    createdAtNs: nowNs,
    postQuantumPublicKey: null,
  });
  return kp.bytes;
}

/** A fresh key package, stored, then uploaded (it replaces the installation's last one). */
export async function rotateKeyPackage(
  identity: XmtpIdentity,
  db: TransactionScope,
  api: XmtpApi,
): Promise<void> {
  const bytes = await db.transaction((tx) => newStoredKeyPackage(identity, tx));
  await api.uploadKeyPackage(bytes);
}
