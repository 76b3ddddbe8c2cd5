// ts-mls's HPKE (the KEM and key schedule behind UpdatePath secrets, GroupSecrets in welcomes,
// and the external_pub key of every commit) over @x/crypto's DHKEM(X25519) base mode, whose
// HKDF runs synchronously instead of one WebCrypto job per step, and the message AEAD
// (encryptAead/decryptAead) on @x/crypto's ChaCha20-Poly1305 (native on Node). Same bytes.
//
// ts-mls treats HPKE keys as opaque values it only hands back to this object (its states store
// the exported bytes), so a key here is its raw 32 bytes in a tagged box.
import {
  chacha20Poly1305Open,
  chacha20Poly1305Seal,
  deriveX25519KeyPair,
  generateX25519KeyPair,
  setupBaseRecipient,
  setupBaseSender,
} from "@x/crypto";
import type { Hpke } from "ts-mls";
import { KeptByBytes } from "./kept.js";

type PublicKey = Parameters<Hpke["exportPublicKey"]>[0];
type PrivateKey = Parameters<Hpke["exportPrivateKey"]>[0];

interface KeyBox {
  readonly type: "public" | "private";
  readonly x25519: Uint8Array;
}

const EMPTY = new Uint8Array();
const KEY_LENGTH = 32;

function box<T extends PublicKey | PrivateKey>(type: KeyBox["type"], bytes: Uint8Array): T {
  if (bytes.length !== KEY_LENGTH) {
    throw new Error(`an X25519 ${type} key has ${KEY_LENGTH} bytes, not ${bytes.length}`);
  }
  return { type, x25519: bytes.slice() } satisfies KeyBox as unknown as T;
}

function unbox(key: PublicKey | PrivateKey, type: KeyBox["type"]): Uint8Array {
  const k = key as unknown as Partial<KeyBox>;
  if (k.type !== type || !(k.x25519 instanceof Uint8Array)) {
    throw new Error(`expected an X25519 ${type} key made by this HPKE`);
  }
  return k.x25519;
}

const pair = (kp: { publicKey: Uint8Array; privateKey: Uint8Array }) => ({
  publicKey: box<PublicKey>("public", kp.publicKey),
  privateKey: box<PrivateKey>("private", kp.privateKey),
});

/** Derived key pairs kept, by input secret (least recently used out). */
const KEPT_DERIVED_PAIRS = 64;

/** `base` (ts-mls's HPKE of suite 0x0003) with every KEM and key-schedule step replaced. */
export function x25519Hpke(base: Hpke): Hpke {
  // ts-mls derives each path node's key pair twice in one commit (for the UpdatePath's public
  // keys, then for the private path) and the epoch's external key pair on every commit and
  // receipt; each derivation costs an X25519 base-point multiplication (about 0.5 ms here).
  const derived = new KeptByBytes<{ publicKey: Uint8Array; privateKey: Uint8Array }>(
    KEPT_DERIVED_PAIRS,
  );
  return {
    async seal(publicKey, plaintext, info, aad) {
      const sender = await setupBaseSender(unbox(publicKey, "public"), info);
      return { ct: await sender.seal(plaintext, aad ?? EMPTY), enc: sender.enc };
    },
    async open(privateKey, kemOutput, ciphertext, info, aad) {
      const recipient = await setupBaseRecipient(kemOutput, unbox(privateKey, "private"), info);
      return recipient.open(ciphertext, aad ?? EMPTY);
    },
    async exportSecret(publicKey, exporterContext, length, info) {
      const sender = await setupBaseSender(unbox(publicKey, "public"), info);
      return { enc: sender.enc, secret: sender.export(exporterContext, length) };
    },
    async importSecret(privateKey, exporterContext, kemOutput, length, info) {
      const recipient = await setupBaseRecipient(kemOutput, unbox(privateKey, "private"), info);
      return recipient.export(exporterContext, length);
    },
    importPrivateKey: async (k) => box<PrivateKey>("private", k),
    importPublicKey: async (k) => box<PublicKey>("public", k),
    exportPublicKey: async (k) => unbox(k, "public").slice(),
    exportPrivateKey: async (k) => unbox(k, "private").slice(),
    encryptAead: async (key, nonce, aad, plaintext) =>
      chacha20Poly1305Seal(key, nonce, plaintext, aad ?? EMPTY),
    decryptAead: async (key, nonce, aad, ciphertext) =>
      chacha20Poly1305Open(key, nonce, ciphertext, aad ?? EMPTY),
    deriveKeyPair: async (ikm) => pair(await derived.get(ikm, () => deriveX25519KeyPair(ikm))),
    generateKeyPair: async () => pair(await generateX25519KeyPair()),
    keyLength: base.keyLength,
    nonceLength: base.nonceLength,
  };
}
