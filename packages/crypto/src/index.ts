export {
  AeadType,
  aes256GcmDecrypt,
  aes256GcmEncrypt,
  decryptSymmetric,
  encryptSymmetric,
  type SymmetricInput,
} from "./aead.js";
export { bytesEqual, concatBytes, fromHex, toHex, utf8 } from "./bytes.js";
export {
  CHACHA_IMPLEMENTATION,
  type ChaCha20Poly1305,
  chacha20Poly1305Open,
  chacha20Poly1305Seal,
} from "./chacha.js";
export {
  ED25519_PUBLIC_KEY_LENGTH,
  ED25519_SIGNATURE_LENGTH,
  ed25519Pkcs8,
  ed25519PublicKey,
  ed25519PublicKeyAsync,
  ed25519phSign,
  ed25519phVerify,
  ed25519Sign,
  ed25519Verify,
  generateEd25519PrivateKey,
  IDENTITY_UPDATE_SIGNATURE_CONTEXT,
  isValidEd25519PublicKey,
  PUBLIC_SIGNATURE_CONTEXT,
} from "./ed25519.js";
export { CryptoError, type CryptoErrorCode } from "./errors.js";
export {
  hkdfSha256,
  hkdfSha256Expand,
  hkdfSha256Extract,
  hmacSha256,
  keccak256,
  sha256,
  sha512,
} from "./hashes.js";
export {
  deriveHpkeKeyPair,
  generateHpkeKeyPair,
  type HpkeKeyPair,
  hpkeSuite,
  type UnwrapInput,
  type UnwrapOutput,
  unwrapWelcome,
  WELCOME_HPKE_LABEL,
  type WrapInput,
  type WrapOutput,
  WrapperAlgorithm,
  wrapWelcome,
} from "./hpke.js";
export {
  deriveX25519KeyPair,
  generateX25519KeyPair,
  setupBaseRecipient,
  setupBaseSender,
  X25519HpkeRecipient,
  X25519HpkeSender,
} from "./hpke-x25519.js";
export { isValidP256PublicKey, p256DerToCompact, p256VerifyDer } from "./p256.js";
export { randomBytes } from "./random.js";
export {
  eip191Hash,
  ethereumAddressFromPublicKey,
  generateSecp256k1PrivateKey,
  hasHighS,
  normalizeLowS,
  recoverPersonalMessageAddress,
  recoverSecp256k1PublicKey,
  secp256k1PublicKey,
  secp256k1SignRecoverable,
  signPersonalMessage,
} from "./secp256k1.js";
export {
  decodeHpkeCiphertext,
  encodeHpkeCiphertext,
  encodeOpaque,
  encodeU8,
  encodeU16,
  encodeU32,
  encodeU64,
  encodeVarint,
  encryptContextInfo,
  isTlsDecodeError,
  MAX_VARINT,
  TlsReader,
  type TlsReaderOptions,
} from "./tls-codec.js";
export {
  isValidXWingPublicKey,
  XWING_CIPHERTEXT_LENGTH,
  XWING_DRAFT06_KEM_ID,
  XWING_PRIVATE_KEY_LENGTH,
  XWING_PUBLIC_KEY_LENGTH,
  XWingDraft06Kem,
  type XWingOptions,
  xwingDecap,
  xwingDecapsulate,
  xwingEncap,
  xwingEncapsulate,
  xwingKeyPairFromSeed,
} from "./xwing.js";
