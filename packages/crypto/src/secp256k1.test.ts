import { secp256k1 } from "@noble/curves/secp256k1.js";
import { describe, expect, it } from "vitest";
import { concatBytes, fromHex, toHex, utf8 } from "./bytes.js";
import { CryptoError } from "./errors.js";
import {
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
import { fixtures } from "./test-utils/fixtures.js";

const N = secp256k1.Point.Fn.ORDER;

/** The same signature with s replaced by n − s and the recovery byte flipped (same signer). */
function highS(signature: Uint8Array): Uint8Array {
  const s = BigInt(`0x${toHex(signature.subarray(32, 64))}`);
  const flipped = fromHex((N - s).toString(16).padStart(64, "0"));
  const v = signature[64] === 27 ? 28 : 27;
  return concatBytes(signature.subarray(0, 32), flipped, Uint8Array.of(v));
}

describe("EIP-191 and keccak-256", () => {
  it("hashes a personal message as viem/ethers do", () => {
    expect(toHex(eip191Hash("hello world"))).toBe(
      "d9eba16ed0ecae432b71fe008c98cc872bb4cc214d3220a36f365326cf807d68",
    );
    expect(eip191Hash(utf8("hello world"))).toEqual(eip191Hash("hello world"));
  });
});

describe("wallet signatures from libxmtp 1.5.4", () => {
  for (const name of ["alice", "bob"] as const) {
    const client = fixtures.clients[name];
    const privateKey = fromHex(client.privateKey);
    const signature = fromHex(client.walletSignature);

    it(`${name}: the address comes from the private key`, () => {
      expect(ethereumAddressFromPublicKey(secp256k1PublicKey(privateKey))).toBe(client.identifier);
      expect(ethereumAddressFromPublicKey(secp256k1PublicKey(privateKey, true))).toBe(
        client.identifier,
      );
    });

    it(`${name}: the wallet signature recovers the address and is reproduced byte for byte`, () => {
      expect(recoverPersonalMessageAddress(client.signatureText, signature)).toBe(
        client.identifier,
      );
      // RFC 6979 deterministic signing gives the same bytes the wallet produced.
      expect(signPersonalMessage(client.signatureText, privateKey)).toEqual(signature);
    });

    it(`${name}: one changed character of the text recovers another address`, () => {
      const changed = `${client.signatureText.slice(0, -1)}X`;
      expect(recoverPersonalMessageAddress(changed, signature)).not.toBe(client.identifier);
    });
  }
});

describe("recovery and low-s", () => {
  const privateKey = generateSecp256k1PrivateKey();
  const address = ethereumAddressFromPublicKey(secp256k1PublicKey(privateKey));
  const digest = eip191Hash("low s please");
  const signature = secp256k1SignRecoverable(digest, privateKey);

  it("signs with low s and v in {27, 28}", () => {
    expect(hasHighS(signature)).toBe(false);
    expect([27, 28]).toContain(signature[64]);
    expect(normalizeLowS(signature)).toEqual(signature);
  });

  it("accepts v as 0/1, 27/28 and EIP-155 values", () => {
    const parity = (signature[64] ?? 27) - 27;
    for (const v of [parity, 27 + parity, 35 + parity, 37 + parity]) {
      const withV = concatBytes(signature.subarray(0, 64), Uint8Array.of(v));
      expect(ethereumAddressFromPublicKey(recoverSecp256k1PublicKey(digest, withV))).toBe(address);
    }
    for (const v of [2, 26, 29, 34]) {
      const withV = concatBytes(signature.subarray(0, 64), Uint8Array.of(v));
      expect(() => recoverSecp256k1PublicKey(digest, withV)).toThrow(
        expect.objectContaining({ code: "CRYPTO_INVALID_SIGNATURE" }),
      );
    }
  });

  it("normalizes a high-s signature by replacing s and keeping v, as libxmtp's to_lower_s does", () => {
    const high = highS(signature);
    expect(hasHighS(high)).toBe(true);
    // recovery normalizes and flips the parity itself: the true signer comes back
    expect(ethereumAddressFromPublicKey(recoverSecp256k1PublicKey(digest, high))).toBe(address);
    const lowered = normalizeLowS(high);
    expect(lowered.subarray(0, 64)).toEqual(signature.subarray(0, 64));
    expect(lowered[64]).toBe(high[64]);
    // so libxmtp's order (to_lower_s, then recover) lands on a different key
    expect(ethereumAddressFromPublicKey(recoverSecp256k1PublicKey(digest, lowered))).not.toBe(
      address,
    );
    expect(normalizeLowS(high.subarray(0, 64))).toEqual(signature.subarray(0, 64));
  });

  it("rejects malformed signatures with typed errors", () => {
    expect(() => normalizeLowS(new Uint8Array(63))).toThrow(CryptoError);
    expect(() => normalizeLowS(new Uint8Array(65))).toThrow(
      expect.objectContaining({ code: "CRYPTO_INVALID_SIGNATURE" }),
    );
    expect(() => recoverSecp256k1PublicKey(digest, new Uint8Array(64))).toThrow(CryptoError);
    const zeroR = signature.slice();
    zeroR.fill(0, 0, 32);
    expect(() => recoverSecp256k1PublicKey(digest, zeroR)).toThrow(CryptoError);
    expect(() => ethereumAddressFromPublicKey(new Uint8Array(65))).toThrow(
      expect.objectContaining({ code: "CRYPTO_INVALID_KEY" }),
    );
  });
});
