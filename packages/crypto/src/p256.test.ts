import { p256 } from "@noble/curves/nist.js";
import { describe, expect, it } from "vitest";
import { utf8 } from "./bytes.js";
import { CryptoError } from "./errors.js";
import { isValidP256PublicKey, p256DerToCompact, p256VerifyDer } from "./p256.js";

describe("P-256 (passkeys)", () => {
  const secret = p256.utils.randomSecretKey();
  const publicKey = p256.getPublicKey(secret, false);
  const message = utf8("authenticatorData ‖ sha256(clientDataJSON)");
  const der = p256.sign(message, secret, { prehash: true, format: "der" });

  it("verifies a DER signature over SHA-256 with compressed or uncompressed keys", () => {
    expect(p256VerifyDer(publicKey, message, der)).toBe(true);
    expect(p256VerifyDer(p256.getPublicKey(secret, true), message, der)).toBe(true);
    expect(isValidP256PublicKey(publicKey)).toBe(true);
  });

  it("accepts high-s signatures (WebAuthn does not normalize s)", () => {
    const sig = p256.Signature.fromBytes(der, "der");
    const high = new p256.Signature(sig.r, p256.Point.Fn.ORDER - sig.s);
    expect(high.hasHighS() || sig.hasHighS()).toBe(true);
    expect(p256VerifyDer(publicKey, message, high.toBytes("der"))).toBe(true);
  });

  it("rejects a changed message, signature or key, and malformed DER", () => {
    expect(p256VerifyDer(publicKey, utf8("other"), der)).toBe(false);
    const changed = der.slice();
    changed[changed.length - 1] = (changed[changed.length - 1] ?? 0) ^ 1;
    expect(p256VerifyDer(publicKey, message, changed)).toBe(false);
    expect(p256VerifyDer(p256.getPublicKey(p256.utils.randomSecretKey()), message, der)).toBe(
      false,
    );
    expect(p256VerifyDer(publicKey, message, der.subarray(1))).toBe(false);
    expect(isValidP256PublicKey(new Uint8Array(65))).toBe(false);
  });

  it("re-encodes DER as 64-byte r‖s", () => {
    const compact = p256DerToCompact(der);
    expect(compact).toHaveLength(64);
    expect(p256.Signature.fromBytes(compact, "compact").toBytes("der")).toEqual(der);
    expect(() => p256DerToCompact(Uint8Array.of(1, 2, 3))).toThrow(CryptoError);
  });
});
