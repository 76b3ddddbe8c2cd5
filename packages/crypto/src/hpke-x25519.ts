// HPKE base mode (RFC 9180) for the suite libxmtp wraps Curve25519 welcomes with: KEM 0x0020
// DHKEM(X25519, HKDF-SHA256), KDF 0x0001 HKDF-SHA256, AEAD 0x0003 ChaCha20-Poly1305. The key
// schedule and contexts also serve other KEMs with the same KDF and AEAD (X-Wing, xwing.ts):
// only the suite_id in the labels changes (`baseModeSuite`).
// Same bytes as any RFC 9180 implementation, built for speed:
// - X25519 runs through WebCrypto (native) with a handful of calls per setup and no PKCS#8
//   export; where WebCrypto has no X25519 it falls back to @noble/curves;
// - every HKDF step runs synchronously on @noble/hashes (a WebCrypto HMAC costs tens of µs);
// - the AEAD is native on Node (node:crypto, about 10x faster on a 55 KB welcome) and
//   @noble/ciphers elsewhere ("#chacha" in package.json "imports").

import { x25519 } from "@noble/curves/ed25519.js";
import { base64UrlToBytes, bytesEqual, concatBytes, utf8 } from "./bytes.js";
import { chacha20Poly1305Open, chacha20Poly1305Seal } from "./chacha.js";
import { assertBytes, CryptoError, invalidInput } from "./errors.js";
import { hkdfSha256Expand, hkdfSha256Extract } from "./hashes.js";
import { curve25519Pkcs8 } from "./pkcs8.js";
import { randomBytes } from "./random.js";

/** Nsk = Npk = Nenc of DHKEM(X25519): every key and KEM output has 32 bytes. */
export const X25519_KEY_LENGTH = 32;
const SECRET_LENGTH = 32; // Nsecret
const KEY_LENGTH = 32; // Nk
const NONCE_LENGTH = 12; // Nn
const TAG_LENGTH = 16; // Nt
const HASH_LENGTH = 32; // Nh
const MAX_EXPORT_LENGTH = 255 * HASH_LENGTH; // the HKDF-Expand limit
const MODE_BASE = 0x00;

const EMPTY = new Uint8Array(0);
/** suite_id of the KEM's own derivations: "KEM" ‖ I2OSP(kem_id, 2). */
const KEM_SUITE_ID = concatBytes(utf8("KEM"), Uint8Array.of(0x00, 0x20));
/** suite_id of the key schedule: "HPKE" ‖ kem_id ‖ kdf_id ‖ aead_id. */
export const HPKE_X25519_SUITE_ID = concatBytes(
  utf8("HPKE"),
  Uint8Array.of(0x00, 0x20, 0x00, 0x01, 0x00, 0x03),
);

/** "HPKE-v1" ‖ suite_id ‖ label: the fixed head of a labeled HKDF input, built once. */
function labelHead(suiteId: Uint8Array, label: string): Uint8Array {
  return concatBytes(utf8("HPKE-v1"), suiteId, utf8(label));
}
/** The labels of DHKEM(X25519)'s own derivations. */
const LABEL = {
  dkpPrk: labelHead(KEM_SUITE_ID, "dkp_prk"),
  sk: labelHead(KEM_SUITE_ID, "sk"),
  eaePrk: labelHead(KEM_SUITE_ID, "eae_prk"),
  sharedSecret: labelHead(KEM_SUITE_ID, "shared_secret"),
};

/** The key schedule's labels of one suite (HKDF-SHA256, ChaCha20-Poly1305, some KEM). */
export interface BaseModeSuite {
  /** "HPKE" ‖ kem_id ‖ 0x0001 ‖ 0x0003 */
  readonly suiteId: Uint8Array;
  readonly infoHash: Uint8Array;
  readonly secret: Uint8Array;
  readonly key: Uint8Array;
  readonly baseNonce: Uint8Array;
  readonly exp: Uint8Array;
  readonly sec: Uint8Array;
  /** LabeledExtract("", "psk_id_hash", ""), the same for every base-mode context. */
  readonly pskIdHash: Uint8Array;
}

/** The base-mode key schedule of the suite (kemId, HKDF-SHA256, ChaCha20-Poly1305). */
export function baseModeSuite(kemId: number): BaseModeSuite {
  const suiteId = concatBytes(
    utf8("HPKE"),
    Uint8Array.of(kemId >>> 8, kemId & 0xff, 0x00, 0x01, 0x00, 0x03),
  );
  return {
    suiteId,
    infoHash: labelHead(suiteId, "info_hash"),
    secret: labelHead(suiteId, "secret"),
    key: labelHead(suiteId, "key"),
    baseNonce: labelHead(suiteId, "base_nonce"),
    exp: labelHead(suiteId, "exp"),
    sec: labelHead(suiteId, "sec"),
    pskIdHash: labeledExtract(EMPTY, labelHead(suiteId, "psk_id_hash"), EMPTY),
  };
}

/** LabeledExtract(salt, label, ikm) = HKDF-Extract(salt, "HPKE-v1" ‖ suite_id ‖ label ‖ ikm). */
function labeledExtract(salt: Uint8Array, head: Uint8Array, ikm: Uint8Array): Uint8Array {
  return hkdfSha256Extract(concatBytes(head, ikm), salt);
}

/** LabeledExpand(prk, label, info, L) = HKDF-Expand(prk, I2OSP(L, 2) ‖ "HPKE-v1" ‖ suite_id ‖ label ‖ info, L). */
function labeledExpand(
  prk: Uint8Array,
  head: Uint8Array,
  info: Uint8Array,
  length: number,
): Uint8Array {
  const labeledInfo = concatBytes(Uint8Array.of(length >>> 8, length & 0xff), head, info);
  return hkdfSha256Expand(prk, labeledInfo, length);
}

/** The key schedule of DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305. */
const X25519_SUITE = baseModeSuite(0x0020);

// ---------------------------------------------------------------------------------------------
// X25519

/** A public key and the raw DH output it takes part in (the caller rejects the all-zero value). */
export interface X25519Dh {
  publicKey: Uint8Array;
  dh: Uint8Array;
}

/** Where X25519 runs. Exported so that tests can run both; the default is chosen once. */
export interface X25519Backend {
  readonly name: "webcrypto" | "noble";
  /** DH of a fresh key pair with `peerPublicKey`; the private key never leaves the backend. */
  ephemeralDh(peerPublicKey: Uint8Array): Promise<X25519Dh>;
  /** DH of a known 32-byte private key with `peerPublicKey`, and that key's public key. */
  dh(privateKey: Uint8Array, peerPublicKey: Uint8Array): Promise<X25519Dh>;
  publicKey(privateKey: Uint8Array): Promise<Uint8Array>;
  /** A fresh key pair with both halves as bytes. */
  generateKeyPair(): Promise<{ publicKey: Uint8Array; privateKey: Uint8Array }>;
}

type Subtle = typeof globalThis.crypto.subtle;
type WebCryptoKey = Parameters<Subtle["exportKey"]>[1];
interface WebCryptoKeyPair {
  publicKey: WebCryptoKey;
  privateKey: WebCryptoKey;
}

const X25519_ALGORITHM = { name: "X25519" } as const;
/** The X25519 base point u = 9; importing it is how we probe for WebCrypto X25519. */
const BASE_POINT = Uint8Array.of(9, ...new Uint8Array(31));

/**
 * X25519 through WebCrypto. Each operation starts its independent calls together: generateKey and
 * deriveBits run off the main thread (in Node), so an import or export started beside them is free.
 */
export function webCryptoX25519(subtle: Subtle = globalThis.crypto.subtle): X25519Backend {
  const importPublic = (publicKey: Uint8Array) =>
    subtle.importKey("raw", publicKey, X25519_ALGORITHM, false, []);
  const deriveBits = (privateKey: WebCryptoKey, peer: WebCryptoKey) =>
    subtle.deriveBits({ name: "X25519", public: peer }, privateKey, 256);
  // WebCrypto imports an X25519 private key only as PKCS#8 or as a JWK that must already carry
  // the public key, so as PKCS#8. A JWK export then gives the public key.
  const importPrivate = (privateKey: Uint8Array) =>
    subtle.importKey("pkcs8", curve25519Pkcs8("X25519", privateKey), X25519_ALGORITHM, true, [
      "deriveBits",
    ]);
  const publicOf = async (privateKey: WebCryptoKey) =>
    base64UrlToBytes((await subtle.exportKey("jwk", privateKey)).x ?? "");
  return {
    name: "webcrypto",
    async ephemeralDh(peerPublicKey) {
      const [pair, peer] = await Promise.all([
        subtle.generateKey(X25519_ALGORITHM, false, ["deriveBits"]) as Promise<WebCryptoKeyPair>,
        importPublic(peerPublicKey),
      ]);
      const [dh, publicKey] = await Promise.all([
        deriveBits(pair.privateKey, peer),
        subtle.exportKey("raw", pair.publicKey),
      ]);
      return { publicKey: new Uint8Array(publicKey), dh: new Uint8Array(dh) };
    },
    async dh(privateKey, peerPublicKey) {
      const [own, peer] = await Promise.all([
        importPrivate(privateKey),
        importPublic(peerPublicKey),
      ]);
      const [dh, publicKey] = await Promise.all([deriveBits(own, peer), publicOf(own)]);
      return { publicKey, dh: new Uint8Array(dh) };
    },
    async publicKey(privateKey) {
      return publicOf(await importPrivate(privateKey));
    },
    async generateKeyPair() {
      const pair = (await subtle.generateKey(X25519_ALGORITHM, true, [
        "deriveBits",
      ])) as WebCryptoKeyPair;
      const [publicKey, jwk] = await Promise.all([
        subtle.exportKey("raw", pair.publicKey),
        subtle.exportKey("jwk", pair.privateKey),
      ]);
      return { publicKey: new Uint8Array(publicKey), privateKey: base64UrlToBytes(jwk.d ?? "") };
    },
  };
}

/** X25519 in JavaScript (@noble/curves): correct everywhere, several times slower. */
export const nobleX25519: X25519Backend = {
  name: "noble",
  async ephemeralDh(peerPublicKey) {
    return nobleX25519.dh(randomBytes(X25519_KEY_LENGTH), peerPublicKey);
  },
  async dh(privateKey, peerPublicKey) {
    return {
      publicKey: x25519.getPublicKey(privateKey),
      dh: x25519.getSharedSecret(privateKey, peerPublicKey),
    };
  },
  async publicKey(privateKey) {
    return x25519.getPublicKey(privateKey);
  },
  async generateKeyPair() {
    const privateKey = randomBytes(X25519_KEY_LENGTH);
    return { privateKey, publicKey: x25519.getPublicKey(privateKey) };
  },
};

/** WebCrypto's X25519 when `subtle` has it (Node 20, current browsers), else @noble/curves. */
export async function selectX25519(subtle: Subtle | undefined): Promise<X25519Backend> {
  if (subtle === undefined) return nobleX25519;
  try {
    await subtle.importKey("raw", BASE_POINT, X25519_ALGORITHM, true, []);
    return webCryptoX25519(subtle);
  } catch {
    return nobleX25519;
  }
}

let defaultBackend: Promise<X25519Backend> | undefined;
/** The backend used when none is passed; probed once per process. */
export function defaultX25519(): Promise<X25519Backend> {
  defaultBackend ??= selectX25519((globalThis as { crypto?: { subtle?: Subtle } }).crypto?.subtle);
  return defaultBackend;
}

// ---------------------------------------------------------------------------------------------
// DHKEM(X25519, HKDF-SHA256) (RFC 9180 §4.1, §7.1)

function checkKey(
  key: unknown,
  name: string,
  code: "CRYPTO_INVALID_KEY" | "CRYPTO_DECRYPTION_FAILED",
): asserts key is Uint8Array {
  assertBytes(key, name);
  if (key.length !== X25519_KEY_LENGTH) {
    throw new CryptoError(
      code,
      `${name} must be a ${X25519_KEY_LENGTH}-byte X25519 key, got ${key.length} bytes`,
    );
  }
}

/**
 * DeriveKeyPair(ikm)'s private key (§7.1.3). X25519 needs no rejection sampling; the key is kept
 * as HKDF produced it (unclamped), as the RFC's test vectors print it.
 */
export function deriveX25519PrivateKey(ikm: Uint8Array): Uint8Array {
  assertBytes(ikm, "ikm");
  const dkpPrk = labeledExtract(EMPTY, LABEL.dkpPrk, ikm);
  return labeledExpand(dkpPrk, LABEL.sk, EMPTY, X25519_KEY_LENGTH);
}

/** DeriveKeyPair(ikm) (§7.1.3). */
export async function deriveX25519KeyPair(
  ikm: Uint8Array,
  backend?: X25519Backend,
): Promise<{ publicKey: Uint8Array; privateKey: Uint8Array }> {
  const privateKey = deriveX25519PrivateKey(ikm);
  const publicKey = await (backend ?? (await defaultX25519())).publicKey(privateKey);
  return { publicKey, privateKey };
}

/** GenerateKeyPair() with the private key as bytes. */
export async function generateX25519KeyPair(
  backend?: X25519Backend,
): Promise<{ publicKey: Uint8Array; privateKey: Uint8Array }> {
  return (backend ?? (await defaultX25519())).generateKeyPair();
}

/** Refuses the all-zero DH output (§7.1.4: the peer key has small order). */
function checkDh(result: X25519Dh): X25519Dh {
  if (result.dh.length !== X25519_KEY_LENGTH || result.dh.every((b) => b === 0)) {
    throw new Error("X25519 gave the all-zero shared secret: the peer key has small order");
  }
  return result;
}

/** ExtractAndExpand(dh, kem_context) (§4.1). */
function extractAndExpand(dh: Uint8Array, kemContext: Uint8Array): Uint8Array {
  const eaePrk = labeledExtract(EMPTY, LABEL.eaePrk, dh);
  return labeledExpand(eaePrk, LABEL.sharedSecret, kemContext, SECRET_LENGTH);
}

export interface EncapOptions {
  /** A fixed ephemeral private key (test vectors, deterministic tests); by default a fresh one. */
  ephemeralPrivateKey?: Uint8Array;
  x25519?: X25519Backend;
}

/**
 * Encap(pkR) (§4.1): the shared secret and enc, the ephemeral public key.
 * Throws CRYPTO_INVALID_KEY when `recipientPublicKey` is not a usable X25519 public key.
 */
export async function encap(
  recipientPublicKey: Uint8Array,
  options: EncapOptions = {},
): Promise<{ sharedSecret: Uint8Array; enc: Uint8Array }> {
  checkKey(recipientPublicKey, "recipientPublicKey", "CRYPTO_INVALID_KEY");
  const fixed = options.ephemeralPrivateKey;
  if (fixed !== undefined) checkKey(fixed, "ephemeralPrivateKey", "CRYPTO_INVALID_KEY");
  const backend = options.x25519 ?? (await defaultX25519());
  let ephemeral: X25519Dh;
  try {
    ephemeral = checkDh(
      fixed === undefined
        ? await backend.ephemeralDh(recipientPublicKey)
        : await backend.dh(fixed, recipientPublicKey),
    );
  } catch (cause) {
    throw new CryptoError(
      "CRYPTO_INVALID_KEY",
      "X25519 with this recipient public key failed: it is not a valid X25519 public key (or has small order)",
      { cause },
    );
  }
  const enc = ephemeral.publicKey;
  return {
    sharedSecret: extractAndExpand(ephemeral.dh, concatBytes(enc, recipientPublicKey)),
    enc,
  };
}

/**
 * Decap(enc, skR) (§4.1). The recipient's public key for kem_context comes from the private key.
 * Throws CRYPTO_INVALID_KEY for a private key that is not 32 bytes and CRYPTO_DECRYPTION_FAILED
 * for an `enc` that is not a usable X25519 public key (wrong length or small order).
 */
export async function decap(
  enc: Uint8Array,
  recipientPrivateKey: Uint8Array,
  options: { x25519?: X25519Backend } = {},
): Promise<Uint8Array> {
  checkKey(recipientPrivateKey, "recipientPrivateKey", "CRYPTO_INVALID_KEY");
  checkKey(enc, "enc (the KEM output)", "CRYPTO_DECRYPTION_FAILED");
  const backend = options.x25519 ?? (await defaultX25519());
  let own: X25519Dh;
  try {
    // any 32 bytes are a usable X25519 private key, so what fails here is `enc`
    own = checkDh(await backend.dh(recipientPrivateKey, enc));
  } catch (cause) {
    throw new CryptoError(
      "CRYPTO_DECRYPTION_FAILED",
      "the KEM output is not a valid X25519 public key (or has small order)",
      { cause },
    );
  }
  return extractAndExpand(own.dh, concatBytes(enc, own.publicKey));
}

// ---------------------------------------------------------------------------------------------
// Key schedule and context (RFC 9180 §5.1 - §5.3)

export interface KeySchedule {
  key: Uint8Array;
  baseNonce: Uint8Array;
  exporterSecret: Uint8Array;
  /** The suite's "sec" label head, for Export (DHKEM(X25519)'s suite when absent). */
  exportLabel?: Uint8Array;
}

/** KeySchedule(mode_base, shared_secret, info, psk = "", psk_id = "") (§5.1). */
export function keyScheduleBase(
  sharedSecret: Uint8Array,
  info: Uint8Array,
  suite: BaseModeSuite = X25519_SUITE,
): KeySchedule {
  assertBytes(info, "info");
  return keySchedule(sharedSecret, labeledExtract(EMPTY, suite.infoHash, info), suite);
}

/** Infos from this size are hashed by WebCrypto (native) rather than @noble/hashes. */
const NATIVE_INFO_HASH_FROM = 4 * 1024;
let zeroHmacKey: ReturnType<SubtleCrypto["importKey"]> | undefined;
type SubtleCrypto = typeof globalThis.crypto.subtle;
/** The last info hashed and its hash (infos are public: the MLS group context and the like). */
let lastInfo: { info: Uint8Array; suite: BaseModeSuite; hash: Uint8Array } | undefined;

/**
 * info_hash = LabeledExtract("", "info_hash", info). MLS encrypts to many members with one info
 * (the group context for UpdatePath secrets, the whole encrypted GroupInfo for a welcome's
 * GroupSecrets: tens of KB, once per new member), so the last info's hash is kept and reused when
 * the next info has the same bytes; large infos are hashed natively.
 */
async function infoHashOf(info: Uint8Array, suite: BaseModeSuite): Promise<Uint8Array> {
  assertBytes(info, "info");
  const last = lastInfo;
  if (last !== undefined && last.suite === suite && bytesEqual(last.info, info)) {
    return last.hash.slice();
  }
  const subtle = globalThis.crypto?.subtle;
  let hash: Uint8Array;
  if (info.length < NATIVE_INFO_HASH_FROM || subtle === undefined) {
    hash = labeledExtract(EMPTY, suite.infoHash, info);
  } else {
    // HKDF-Extract with an empty salt is HMAC keyed with HashLen zero bytes (RFC 5869 §2.2).
    zeroHmacKey ??= subtle.importKey(
      "raw",
      new Uint8Array(HASH_LENGTH),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    const input = concatBytes(suite.infoHash, info);
    hash = new Uint8Array(await subtle.sign("HMAC", await zeroHmacKey, input));
  }
  if (info.length > 64) lastInfo = { info: info.slice(), suite, hash: hash.slice() };
  return hash;
}

function keySchedule(
  sharedSecret: Uint8Array,
  infoHash: Uint8Array,
  suite: BaseModeSuite,
): KeySchedule {
  assertBytes(sharedSecret, "sharedSecret", SECRET_LENGTH);
  const context = concatBytes(Uint8Array.of(MODE_BASE), suite.pskIdHash, infoHash);
  const secret = labeledExtract(sharedSecret, suite.secret, EMPTY);
  return {
    key: labeledExpand(secret, suite.key, context, KEY_LENGTH),
    baseNonce: labeledExpand(secret, suite.baseNonce, context, NONCE_LENGTH),
    exporterSecret: labeledExpand(secret, suite.exp, context, HASH_LENGTH),
    exportLabel: suite.sec,
  };
}

type Aead = (key: Uint8Array, nonce: Uint8Array, input: Uint8Array, aad: Uint8Array) => Uint8Array;

/** What sender and recipient contexts share: the sequence number, nonces and the exporter. */
abstract class Context {
  private readonly key: Uint8Array;
  private readonly baseNonce: Uint8Array;
  private readonly exporterSecret: Uint8Array;
  private readonly exportLabel: Uint8Array;
  private seq = 0;

  protected constructor(schedule: KeySchedule) {
    this.key = schedule.key;
    this.baseNonce = schedule.baseNonce;
    this.exporterSecret = schedule.exporterSecret;
    this.exportLabel = schedule.exportLabel ?? X25519_SUITE.sec;
  }

  /** Messages sealed or opened so far (the next sequence number). */
  get sequenceNumber(): number {
    return this.seq;
  }

  /** Export(exporter_context, L) (§5.3): a secret of `length` bytes bound to this context. */
  export(exporterContext: Uint8Array, length: number): Uint8Array {
    assertBytes(exporterContext, "exporterContext");
    if (!Number.isInteger(length) || length < 1 || length > MAX_EXPORT_LENGTH) {
      throw invalidInput(`an export has 1 to ${MAX_EXPORT_LENGTH} bytes, not ${length}`);
    }
    return labeledExpand(this.exporterSecret, this.exportLabel, exporterContext, length);
  }

  /**
   * Runs one AEAD call with the nonce of the current sequence number (synchronously, so calls
   * take numbers in call order), and increments the sequence number only when the call succeeds
   * (§5.2).
   */
  protected inOrder(aead: Aead, input: Uint8Array, aad: Uint8Array): Uint8Array {
    const out = aead(this.key, this.nonce(), input, aad);
    this.seq += 1;
    return out;
  }

  /** ComputeNonce(seq) = base_nonce XOR I2OSP(seq, Nn) (§5.2). */
  private nonce(): Uint8Array {
    // A JS number counts exactly to 2^53 - 1, far below the 2^96 - 1 messages the RFC allows.
    if (this.seq >= Number.MAX_SAFE_INTEGER) {
      throw invalidInput("this HPKE context reached its message limit; set up a new one");
    }
    const nonce = this.baseNonce.slice();
    for (let i = NONCE_LENGTH - 1, s = this.seq; s > 0; i--, s = Math.floor(s / 256)) {
      nonce[i] = (nonce[i] ?? 0) ^ (s & 0xff);
    }
    return nonce;
  }
}

/** A base-mode sender context (ContextS): `enc` goes to the recipient with the ciphertexts. */
export class X25519HpkeSender extends Context {
  /** The KEM output (the ephemeral public key). */
  readonly enc: Uint8Array;

  constructor(enc: Uint8Array, schedule: KeySchedule) {
    super(schedule);
    this.enc = enc;
  }

  /** Seal(aad, pt) (§5.2): ciphertext ‖ 16-byte tag under the next sequence number. */
  async seal(plaintext: Uint8Array, aad: Uint8Array = EMPTY): Promise<Uint8Array> {
    assertBytes(plaintext, "plaintext");
    assertBytes(aad, "aad");
    try {
      return this.inOrder(chacha20Poly1305Seal, plaintext, aad);
    } catch (cause) {
      if (cause instanceof CryptoError) throw cause;
      throw new CryptoError("CRYPTO_INVALID_INPUT", "ChaCha20-Poly1305 could not seal", { cause });
    }
  }
}

/** A base-mode recipient context (ContextR). */
export class X25519HpkeRecipient extends Context {
  constructor(schedule: KeySchedule) {
    super(schedule);
  }

  /**
   * Open(aad, ct) (§5.2). Throws CRYPTO_DECRYPTION_FAILED when the tag does not verify (wrong key,
   * info, aad, order, or a changed byte); the sequence number then stays where it was.
   */
  async open(ciphertext: Uint8Array, aad: Uint8Array = EMPTY): Promise<Uint8Array> {
    assertBytes(ciphertext, "ciphertext");
    assertBytes(aad, "aad");
    if (ciphertext.length < TAG_LENGTH) {
      throw new CryptoError(
        "CRYPTO_DECRYPTION_FAILED",
        `a ChaCha20-Poly1305 ciphertext has at least ${TAG_LENGTH} bytes, got ${ciphertext.length}`,
      );
    }
    try {
      return this.inOrder(chacha20Poly1305Open, ciphertext, aad);
    } catch (cause) {
      if (cause instanceof CryptoError) throw cause;
      throw new CryptoError(
        "CRYPTO_DECRYPTION_FAILED",
        "HPKE open failed: wrong key or info, changed bytes, or ciphertexts out of order",
        { cause },
      );
    }
  }
}

/** SetupBaseS(pkR, info) (§5.1.1). */
export async function setupBaseSender(
  recipientPublicKey: Uint8Array,
  info: Uint8Array,
  options: EncapOptions = {},
): Promise<X25519HpkeSender> {
  const [{ sharedSecret, enc }, infoHash] = await Promise.all([
    encap(recipientPublicKey, options),
    infoHashOf(info, X25519_SUITE),
  ]);
  return new X25519HpkeSender(enc, keySchedule(sharedSecret, infoHash, X25519_SUITE));
}

/** SetupBaseR(enc, skR, info) (§5.1.1). */
export async function setupBaseRecipient(
  enc: Uint8Array,
  recipientPrivateKey: Uint8Array,
  info: Uint8Array,
  options: { x25519?: X25519Backend } = {},
): Promise<X25519HpkeRecipient> {
  const [sharedSecret, infoHash] = await Promise.all([
    decap(enc, recipientPrivateKey, options),
    infoHashOf(info, X25519_SUITE),
  ]);
  return new X25519HpkeRecipient(keySchedule(sharedSecret, infoHash, X25519_SUITE));
}

/**
 * SetupBaseS of another KEM of `suite` (same KDF and AEAD): the KEM's Encap already ran and gave
 * `sharedSecret` and `enc`.
 */
export async function senderFromSharedSecret(
  suite: BaseModeSuite,
  sharedSecret: Uint8Array,
  enc: Uint8Array,
  info: Uint8Array,
): Promise<X25519HpkeSender> {
  const infoHash = await infoHashOf(info, suite);
  return new X25519HpkeSender(enc, keySchedule(sharedSecret, infoHash, suite));
}

/** SetupBaseR of another KEM of `suite`: its Decap already gave `sharedSecret`. */
export async function recipientFromSharedSecret(
  suite: BaseModeSuite,
  sharedSecret: Uint8Array,
  info: Uint8Array,
): Promise<X25519HpkeRecipient> {
  const infoHash = await infoHashOf(info, suite);
  return new X25519HpkeRecipient(keySchedule(sharedSecret, infoHash, suite));
}
