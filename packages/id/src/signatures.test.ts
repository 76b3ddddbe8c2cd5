import { p256 } from "@noble/curves/nist.js";
import {
  concatBytes,
  ed25519PublicKey,
  ed25519phSign,
  fromHex,
  generateEd25519PrivateKey,
  generateSecp256k1PrivateKey,
  IDENTITY_UPDATE_SIGNATURE_CONTEXT,
  PUBLIC_SIGNATURE_CONTEXT,
  secp256k1PublicKey,
  sha256,
  signPersonalMessage,
  toHex,
  utf8,
} from "@x/crypto";
import { create, decodeMessage, toBinary } from "@x/proto";
import { SignedPublicKeySchema, UnsignedPublicKeySchema } from "@x/proto/message_contents";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { SignatureError } from "./errors.js";
import { ethereumIdentifier } from "./identifiers.js";
import { legacyCreateIdentityText } from "./signature-text.js";
import {
  type LegacySignedPublicKey,
  type UnverifiedSignature,
  validateLegacySignedPublicKey,
  verifySignature,
} from "./signatures.js";

const TEXT = "XMTP : Authenticate to inbox\n\nInbox ID: abc\n…";

async function rejects(promise: Promise<unknown>, code: string) {
  await expect(promise).rejects.toThrow(expect.objectContaining({ code }));
  await expect(promise).rejects.toBeInstanceOf(SignatureError);
}

describe("ERC-191", () => {
  const account = privateKeyToAccount(`0x${toHex(generateSecp256k1PrivateKey())}`);

  it("recovers a viem account's address from signMessage", async () => {
    const bytes = fromHex(await account.signMessage({ message: TEXT }));
    const verified = await verifySignature(TEXT, { kind: "erc191", bytes });
    expect(verified).toEqual({
      signer: ethereumIdentifier(account.address),
      kind: "erc191",
      rawBytes: bytes,
    });
  });

  it("another text recovers another address; malformed signatures are typed errors", async () => {
    const bytes = fromHex(await account.signMessage({ message: TEXT }));
    const other = await verifySignature(`${TEXT}!`, { kind: "erc191", bytes });
    expect(other.signer).not.toEqual(ethereumIdentifier(account.address));
    await rejects(
      verifySignature(TEXT, { kind: "erc191", bytes: bytes.subarray(0, 64) }),
      "SIGNATURE_MALFORMED",
    );
    await rejects(
      verifySignature(TEXT, { kind: "erc191", bytes: new Uint8Array(65) }),
      "SIGNATURE_MALFORMED",
    );
    const badV = bytes.slice();
    badV[64] = 5;
    await rejects(verifySignature(TEXT, { kind: "erc191", bytes: badV }), "SIGNATURE_MALFORMED");
  });

  it("lowers a high s without flipping v, as libxmtp does, so the signer changes", async () => {
    const bytes = fromHex(await account.signMessage({ message: TEXT }));
    const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n; // secp256k1 order
    const s = BigInt(`0x${toHex(bytes.subarray(32, 64))}`);
    const high = concatBytes(
      bytes.subarray(0, 32),
      fromHex((N - s).toString(16).padStart(64, "0")),
      Uint8Array.of(bytes[64] === 27 ? 28 : 27),
    );
    const verified = await verifySignature(TEXT, { kind: "erc191", bytes: high });
    expect(verified.signer).not.toEqual(ethereumIdentifier(account.address));
    expect(toHex(verified.rawBytes.subarray(0, 64))).toBe(toHex(bytes.subarray(0, 64)));
  });
});

describe("installation key", () => {
  const secret = generateEd25519PrivateKey();
  const publicKey = ed25519PublicKey(secret);

  it("verifies Ed25519ph with the IDENTITY UPDATE SIGNATURE context only", async () => {
    const bytes = ed25519phSign(secret, utf8(TEXT), IDENTITY_UPDATE_SIGNATURE_CONTEXT);
    const verified = await verifySignature(TEXT, { kind: "installationKey", bytes, publicKey });
    expect(verified).toEqual({
      signer: { kind: "installation", key: publicKey },
      kind: "installationKey",
      rawBytes: bytes,
    });
    const publicContext = ed25519phSign(secret, utf8(TEXT), PUBLIC_SIGNATURE_CONTEXT);
    await rejects(
      verifySignature(TEXT, { kind: "installationKey", bytes: publicContext, publicKey }),
      "SIGNATURE_INVALID",
    );
    await rejects(
      verifySignature(`${TEXT} `, { kind: "installationKey", bytes, publicKey }),
      "SIGNATURE_INVALID",
    );
    await rejects(
      verifySignature(TEXT, { kind: "installationKey", bytes: bytes.subarray(1), publicKey }),
      "SIGNATURE_MALFORMED",
    );
  });
});

describe("passkey (WebAuthn P-256)", () => {
  const secret = p256.utils.randomSecretKey();
  const publicKey = p256.getPublicKey(secret, false);
  const origin = "https://app.example";
  const authenticatorData = concatBytes(
    sha256(utf8("app.example")),
    Uint8Array.of(0x05, 0, 0, 0, 7),
  );

  function assertion(
    text: string,
    overrides: { challenge?: string; origin?: string; clientData?: Uint8Array } = {},
  ) {
    const challenge = overrides.challenge ?? Buffer.from(text).toString("base64url");
    const clientDataJson =
      overrides.clientData ??
      utf8(
        JSON.stringify({
          type: "webauthn.get",
          challenge,
          origin: overrides.origin ?? origin,
          crossOrigin: false,
        }),
      );
    const signature = p256.sign(concatBytes(authenticatorData, sha256(clientDataJson)), secret, {
      prehash: true,
      format: "der",
      lowS: false,
    });
    return { kind: "passkey" as const, publicKey, signature, authenticatorData, clientDataJson };
  }

  it("verifies a WebAuthn assertion whose challenge is the text; the origin becomes the relying party", async () => {
    const sig = assertion(TEXT);
    const verified = await verifySignature(TEXT, sig);
    expect(verified.signer).toEqual({ kind: "passkey", key: publicKey, relyingParty: origin });
    expect(verified.kind).toBe("p256");
    expect(verified.rawBytes).toEqual(
      p256.Signature.fromBytes(sig.signature, "der").toBytes("compact"),
    );
  });

  it("refuses a wrong challenge, bad client data, bad key, changed authenticator data and bad DER", async () => {
    await rejects(
      verifySignature(TEXT, assertion(TEXT, { challenge: "abc" })),
      "SIGNATURE_INVALID_CLIENT_DATA",
    );
    await rejects(verifySignature(`${TEXT}x`, assertion(TEXT)), "SIGNATURE_INVALID_CLIENT_DATA");
    await rejects(
      verifySignature(TEXT, assertion(TEXT, { clientData: utf8("{not json") })),
      "SIGNATURE_INVALID_CLIENT_DATA",
    );
    await rejects(
      verifySignature(
        TEXT,
        assertion(TEXT, { clientData: utf8(JSON.stringify({ challenge: "x" })) }),
      ),
      "SIGNATURE_INVALID_CLIENT_DATA",
    );
    await rejects(
      verifySignature(TEXT, { ...assertion(TEXT), publicKey: new Uint8Array(65) }),
      "SIGNATURE_INVALID_PUBLIC_KEY",
    );
    const sig = assertion(TEXT);
    const changed = sig.authenticatorData.slice();
    changed[33] = (changed[33] ?? 0) ^ 1;
    await rejects(
      verifySignature(TEXT, { ...sig, authenticatorData: changed }),
      "SIGNATURE_INVALID",
    );
    await rejects(
      verifySignature(TEXT, { ...sig, signature: sig.signature.subarray(2) }),
      "SIGNATURE_MALFORMED",
    );
  });
});

describe("legacy delegated (XMTP v2 key)", () => {
  it("validates libxmtp's own SignedPublicKey test vector (wallet 0x220c…c2e9)", () => {
    // A real v2 SignedPublicKey from libxmtp's verified_signature.rs test "validate_good_key_round_trip".
    const proto = decodeMessage(
      SignedPublicKeySchema,
      fromHex(
        "0a4f08c0c3a5aecb99e7d5171a430a4104d854aefcc6e1dba8efa63ee9ce6c359b5784082b5b245b515dd543f145051ff9ba817790042c364cb95f3d17e74807a91246714fad520d2592c92baeb4217d2b124612440a40078864ac9bf7e6fffdf74e32d4e2294eefb788f77a589bf5dbb7d7ca2a59a28060607883114626e7021b5b1d426e808c012ad9b902b5d0648f8fdb9fae01e9bf1001",
      ),
    );
    const union = proto.signature?.union;
    if (union?.case !== "walletEcdsaCompact") throw new Error("vector has a wallet signature");
    const key: LegacySignedPublicKey = {
      keyBytes: proto.keyBytes,
      signature: {
        kind: "walletEcdsaCompact",
        bytes: union.value.bytes,
        recovery: union.value.recovery,
      },
    };
    const validated = validateLegacySignedPublicKey(key);
    expect(validated.accountAddress).toBe("0x220ca99fb7fafa18cb623d924794dde47b4bc2e9");
    expect(validated.publicKey).toHaveLength(65);
    // corrupting the key bytes breaks the wallet signature
    const corrupted = proto.keyBytes.slice();
    corrupted[0] = (corrupted[0] ?? 0) + 1;
    expect(validateLegacySignedPublicKey({ ...key, keyBytes: corrupted }).accountAddress).not.toBe(
      "0x220ca99fb7fafa18cb623d924794dde47b4bc2e9",
    );
  });

  function legacySetup() {
    const walletKey = generateSecp256k1PrivateKey();
    const legacyKey = generateSecp256k1PrivateKey();
    const keyBytes = toBinary(
      UnsignedPublicKeySchema,
      create(UnsignedPublicKeySchema, {
        createdNs: 1_600_000_000_000_000_000n,
        union: { case: "secp256k1Uncompressed", value: { bytes: secp256k1PublicKey(legacyKey) } },
      }),
    );
    const walletSig = signPersonalMessage(legacyCreateIdentityText(keyBytes), walletKey);
    const delegatedKey: LegacySignedPublicKey = {
      keyBytes,
      signature: {
        kind: "walletEcdsaCompact",
        bytes: walletSig.subarray(0, 64),
        recovery: (walletSig[64] ?? 27) - 27,
      },
    };
    const wallet = privateKeyToAccount(`0x${toHex(walletKey)}`).address;
    return { walletKey, legacyKey, keyBytes, walletSig, delegatedKey, wallet };
  }

  it("verifies a legacy key's signature as the wallet that created the key", async () => {
    const { legacyKey, delegatedKey, wallet, walletSig } = legacySetup();
    const signature: UnverifiedSignature = {
      kind: "legacyDelegated",
      signature: signPersonalMessage(TEXT, legacyKey),
      delegatedKey,
    };
    const verified = await verifySignature(TEXT, signature);
    expect(verified.signer).toEqual(ethereumIdentifier(wallet));
    expect(verified.kind).toBe("legacyDelegated");
    // replay protection remembers the wallet's signature (recovery byte as carried: 0/1)
    expect(toHex(verified.rawBytes.subarray(0, 64))).toBe(toHex(walletSig.subarray(0, 64)));
  });

  it("refuses a signature by another key, a missing wallet signature and non-key bytes", async () => {
    const { walletKey, delegatedKey } = legacySetup();
    await rejects(
      verifySignature(TEXT, {
        kind: "legacyDelegated",
        signature: signPersonalMessage(TEXT, walletKey),
        delegatedKey,
      }),
      "SIGNATURE_INVALID",
    );
    const { legacyKey } = legacySetup();
    await rejects(
      verifySignature(TEXT, {
        kind: "legacyDelegated",
        signature: signPersonalMessage(TEXT, legacyKey),
        delegatedKey: { keyBytes: delegatedKey.keyBytes },
      }),
      "SIGNATURE_MALFORMED_LEGACY_KEY",
    );
    const sig = delegatedKey.signature!;
    await rejects(
      verifySignature(TEXT, {
        kind: "legacyDelegated",
        signature: signPersonalMessage(TEXT, legacyKey),
        delegatedKey: { keyBytes: Uint8Array.of(0xff, 0xff), signature: sig },
      }),
      "SIGNATURE_MALFORMED_LEGACY_KEY",
    );
  });
});

describe("smart-contract wallets need a verifier", () => {
  it("says so with a typed error", async () => {
    await rejects(
      verifySignature(TEXT, {
        kind: "smartContractWallet",
        accountId: {
          chainId: "eip155:1",
          accountAddress: "0x0000000000000000000000000000000000000001",
        },
        blockNumber: 1n,
        signature: Uint8Array.of(1),
      }),
      "SIGNATURE_NO_VERIFIER",
    );
  });
});
