// Our key packages against libxmtp 1.5.4's real ones (003/008-UploadKeyPackage.bin) and 1.9.1's
// recorded shape, and the validation of fetched key packages.
import { toHex } from "@x/crypto";
import {
  type CiphersuiteImpl,
  generateKeyPackageWithKey,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
} from "ts-mls";
import { decodeCapabilities, encodeCapabilities } from "ts-mls/capabilities.js";
import { decodeKeyPackage, encodeKeyPackage, signKeyPackage } from "ts-mls/keyPackage.js";
import { beforeAll, describe, expect, it } from "vitest";
import { fixtureIndex, uploadedKeyPackage } from "../test-utils/fixtures.js";
import { newIdentity } from "../test-utils/identities.js";
import { xmtpCiphersuite } from "./ciphersuite.js";
import {
  CIPHERSUITE_NAME,
  EXTENSION_LAST_RESORT,
  EXTENSION_WELCOME_POINTEE_AEAD_TYPES,
  EXTENSION_WELCOME_WRAPPER_ENCRYPTION,
  KEY_PACKAGE_LIFETIME_MARGIN_SECONDS,
  KEY_PACKAGE_LIFETIME_SECONDS,
} from "./constants.js";
import { GroupOperationError, KeyPackageError } from "./errors.js";
import { extensionTypeNumber } from "./extensions.js";
import {
  applicationIdExtension,
  createKeyPackage,
  keyPackageRef,
  validateKeyPackage,
  welcomeWrapperEncryptionExtension,
  xmtpCapabilities,
  xmtpCredential,
} from "./key-package.js";

const alice = fixtureIndex.clients.alice!;
const bob = fixtureIndex.clients.bob!;
/** A moment inside the fixture key packages' lifetime (the recording time). */
const recordedAt = new Date(1795313242_000);

function kpOf(bytes: Uint8Array) {
  const decoded = decodeKeyPackage(bytes, 0);
  if (decoded === undefined) throw new Error("does not decode");
  return decoded[0];
}

async function expectKpError(p: Promise<unknown>, code: string) {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(KeyPackageError);
  expect((e as KeyPackageError).code).toBe(code);
}

describe("libxmtp 1.5.4's key packages", () => {
  it.each([
    ["003-UploadKeyPackage.bin", alice],
    ["008-UploadKeyPackage.bin", bob],
  ])("%s validates and yields the inbox and installation ids", async (file, client) => {
    const verified = await validateKeyPackage(uploadedKeyPackage(file), { now: recordedAt });
    expect(verified.inboxId).toBe(client.inboxId);
    expect(toHex(verified.installationId)).toBe(client.installationId);
    expect(verified.welcomeWrapperEncryption?.algorithm).toBe(2);
    expect(verified.welcomeWrapperEncryption?.publicKey.length).toBe(1216);
    expect(verified.supportsWelcomePointers).toBe(false);
    expect(verified.lifetime.notBefore).toBe(BigInt(client.keyPackage.lifetime.notBefore));
    expect(verified.lifetime.notAfter).toBe(BigInt(client.keyPackage.lifetime.notAfter));
  });

  it("checks the lifetime against the injected clock: not_before <= now < not_after", async () => {
    const bytes = uploadedKeyPackage("003-UploadKeyPackage.bin");
    const nb = Number(alice.keyPackage.lifetime.notBefore);
    const na = Number(alice.keyPackage.lifetime.notAfter);
    await expect(validateKeyPackage(bytes, { now: new Date(nb * 1000) })).resolves.toBeDefined();
    await expect(
      validateKeyPackage(bytes, { now: new Date((na - 1) * 1000) }),
    ).resolves.toBeDefined();
    await expectKpError(
      validateKeyPackage(bytes, { now: new Date(na * 1000) }),
      "MLS_KEY_PACKAGE_LIFETIME",
    );
    await expectKpError(
      validateKeyPackage(bytes, { now: new Date((nb - 1) * 1000) }),
      "MLS_KEY_PACKAGE_LIFETIME",
    );
  });

  it("rejects truncated, extended and altered copies", async () => {
    const bytes = uploadedKeyPackage("003-UploadKeyPackage.bin");
    await expectKpError(
      validateKeyPackage(bytes.slice(0, 200), { now: recordedAt }),
      "MLS_KEY_PACKAGE_MALFORMED",
    );
    await expectKpError(
      validateKeyPackage(new Uint8Array([...bytes, 0]), { now: recordedAt }),
      "MLS_KEY_PACKAGE_MALFORMED",
    );
    await expectKpError(
      validateKeyPackage(new Uint8Array(), { now: recordedAt }),
      "MLS_KEY_PACKAGE_MALFORMED",
    );
    const badSig = bytes.slice();
    badSig[badSig.length - 1] = (badSig[badSig.length - 1] as number) ^ 1;
    await expectKpError(validateKeyPackage(badSig, { now: recordedAt }), "MLS_KEY_PACKAGE_INVALID");
    // one byte of the inbox id inside the leaf's credential: the leaf signature breaks
    const text = new TextEncoder().encode(alice.inboxId);
    const at = bytes.findIndex((_, i) => text.every((t, j) => bytes[i + j] === t));
    expect(at).toBeGreaterThan(0);
    const badLeaf = bytes.slice();
    badLeaf[at] = (badLeaf[at] as number) ^ 1;
    await expectKpError(
      validateKeyPackage(badLeaf, { now: recordedAt }),
      "MLS_KEY_PACKAGE_INVALID",
    );
  });
});

describe("our key packages", () => {
  it("match libxmtp 1.5.4's field by field, plus 1.9.1's 0xff04", async () => {
    const real = kpOf(uploadedKeyPackage("003-UploadKeyPackage.bin"));
    const me = newIdentity();
    const now = new Date(1795313242_000);
    const ours = await createKeyPackage(me, { now });
    const kp = kpOf(ours.bytes);

    expect(encodeKeyPackage(kp)).toEqual(ours.bytes);
    expect(kp.version).toBe(real.version);
    expect(kp.cipherSuite).toBe(real.cipherSuite);
    expect(kp.cipherSuite).toBe(CIPHERSUITE_NAME);
    expect(kp.initKey.length).toBe(real.initKey.length);
    expect(kp.leafNode.hpkePublicKey.length).toBe(real.leafNode.hpkePublicKey.length);
    expect(toHex(kp.leafNode.signaturePublicKey)).toBe(toHex(me.installationKey.publicKey));
    expect(kp.leafNode.leafNodeSource).toBe(real.leafNode.leafNodeSource);

    // credential: BasicCredential(MlsCredential{inbox_id}) = 0x0a 0x40 + 64 hex chars
    expect(kp.leafNode.credential.credentialType).toBe("basic");
    expect(real.leafNode.credential.credentialType).toBe("basic");
    if (
      kp.leafNode.credential.credentialType !== "basic" ||
      real.leafNode.credential.credentialType !== "basic"
    )
      return;
    const shape = (id: Uint8Array, inbox: string) =>
      toHex(id) === `0a40${toHex(new TextEncoder().encode(inbox))}`;
    expect(shape(real.leafNode.credential.identity, alice.inboxId)).toBe(true);
    expect(shape(kp.leafNode.credential.identity, me.inboxId)).toBe(true);

    // leaf extensions: ApplicationId with the inner length prefix, 0x40 0x40 + inbox id
    expect(kp.leafNode.extensions.map(extensionTypeNumber)).toEqual(
      real.leafNode.extensions.map(extensionTypeNumber),
    );
    expect(toHex(real.leafNode.extensions[0]!.extensionData)).toBe(
      `4040${toHex(new TextEncoder().encode(alice.inboxId))}`,
    );
    expect(toHex(kp.leafNode.extensions[0]!.extensionData)).toBe(
      `4040${toHex(new TextEncoder().encode(me.inboxId))}`,
    );

    // capabilities: 1.5.4's, in its order, with 1.9.1's 0xff04 after 0xff03 (1.9.1's list, as
    // recorded from a real 1.9.1 key package); the encodings then agree byte for byte
    const realCaps = real.leafNode.capabilities;
    const at = realCaps.extensions.indexOf(EXTENSION_WELCOME_WRAPPER_ENCRYPTION);
    expect(at).toBeGreaterThan(0);
    const with191 = {
      ...realCaps,
      extensions: [
        ...realCaps.extensions.slice(0, at + 1),
        EXTENSION_WELCOME_POINTEE_AEAD_TYPES,
        ...realCaps.extensions.slice(at + 1),
      ],
    };
    expect(kp.leafNode.capabilities).toEqual(with191);
    expect(toHex(encodeCapabilities(kp.leafNode.capabilities))).toBe(
      toHex(encodeCapabilities(with191)),
    );
    expect(kp.leafNode.capabilities.extensions).toEqual([
      0x000a, 0x0001, 0xff02, 0xff00, 0xff01, 0xff03, 0xff04, 0xf000,
    ]);
    expect(decodeCapabilities(encodeCapabilities(xmtpCapabilities()), 0)?.[0]).toEqual(with191);

    // key-package extensions: 1.9.1's [LastResort, 0xff04, 0xff03]; 1.5.4's lacks 0xff04
    expect(real.extensions.map(extensionTypeNumber)).toEqual([
      EXTENSION_LAST_RESORT,
      EXTENSION_WELCOME_WRAPPER_ENCRYPTION,
    ]);
    expect(kp.extensions.map(extensionTypeNumber)).toEqual([
      EXTENSION_LAST_RESORT,
      EXTENSION_WELCOME_POINTEE_AEAD_TYPES,
      EXTENSION_WELCOME_WRAPPER_ENCRYPTION,
    ]);
    expect(kp.extensions[0]!.extensionData.length).toBe(0);
    expect(real.extensions[0]!.extensionData.length).toBe(0);
    // 0xff04 = supported_aead_types [3] (packed): 0a 01 03, the 3 bytes 1.9.1 sends
    expect(toHex(kp.extensions[1]!.extensionData)).toBe("0a0103");
    // 0xff03 = {pub_key (1216 B), algorithm 2}: 1221 bytes, as 1.5.4's and 1.9.1's
    expect(kp.extensions[2]!.extensionData.length).toBe(real.extensions[1]!.extensionData.length);
    expect(kp.extensions[2]!.extensionData.length).toBe(1221);

    // lifetime: the same span, starting one hour before now
    if (
      kp.leafNode.leafNodeSource !== "key_package" ||
      real.leafNode.leafNodeSource !== "key_package"
    )
      return;
    const span = (l: { notBefore: bigint; notAfter: bigint }) => l.notAfter - l.notBefore;
    expect(span(kp.leafNode.lifetime)).toBe(span(real.leafNode.lifetime));
    expect(span(kp.leafNode.lifetime)).toBe(
      BigInt(KEY_PACKAGE_LIFETIME_SECONDS + KEY_PACKAGE_LIFETIME_MARGIN_SECONDS),
    );
    expect(kp.leafNode.lifetime.notBefore).toBe(1795313242n - 3600n);

    // and it passes the same validation libxmtp's does
    const verified = await validateKeyPackage(ours.bytes, { now });
    expect(verified.inboxId).toBe(me.inboxId);
    expect(verified.welcomeWrapperEncryption).toEqual({
      algorithm: 2,
      publicKey: ours.welcomeWrapperKey.publicKey,
    });
    expect(verified.supportsWelcomePointers).toBe(true);
    expect(ours.welcomeWrapperKey.privateKey).toHaveLength(32);
    expect(toHex(await keyPackageRef(verified.keyPackage))).toBe(
      toHex(await keyPackageRef(ours.keyPackage)),
    );
  });

  it("refuses an installation key pair that does not match", async () => {
    const me = newIdentity();
    const other = newIdentity();
    const e = await createKeyPackage({
      inboxId: me.inboxId,
      installationKey: {
        privateKey: me.installationKey.privateKey,
        publicKey: other.installationKey.publicKey,
      },
    }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(GroupOperationError);
    expect((e as GroupOperationError).code).toBe("MLS_INVALID_ARGUMENT");
  });
});

describe("validation of fetched key packages", () => {
  let cs: CiphersuiteImpl;
  beforeAll(async () => {
    cs = await xmtpCiphersuite();
  });

  async function build(opts: {
    identity?: Uint8Array;
    extensions?: { extensionType: number; extensionData: Uint8Array }[];
    suite?: CiphersuiteImpl;
    me?: ReturnType<typeof newIdentity>;
  }) {
    const me = opts.me ?? newIdentity();
    const suite = opts.suite ?? cs;
    const { publicPackage } = await generateKeyPackageWithKey(
      opts.identity === undefined
        ? xmtpCredential(me.inboxId)
        : { credentialType: "basic", identity: opts.identity },
      { ...xmtpCapabilities(), ciphersuites: [suite.name] },
      { notBefore: 0n, notAfter: 2n ** 62n },
      opts.extensions ?? [
        { extensionType: EXTENSION_LAST_RESORT, extensionData: new Uint8Array() },
      ],
      { signKey: me.installationKey.privateKey, publicKey: me.installationKey.publicKey },
      suite,
      [applicationIdExtension(me.inboxId)],
    );
    return publicPackage;
  }

  it("accepts a well-formed one", async () => {
    await expect(validateKeyPackage(encodeKeyPackage(await build({})))).resolves.toBeDefined();
  });

  it("rejects another ciphersuite", async () => {
    const aes = await getCiphersuiteImpl(
      getCiphersuiteFromName("MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519"),
    );
    await expectKpError(
      validateKeyPackage(encodeKeyPackage(await build({ suite: aes }))),
      "MLS_KEY_PACKAGE_INVALID",
    );
  });

  it("rejects a credential that is not an MlsCredential", async () => {
    await expectKpError(
      validateKeyPackage(
        encodeKeyPackage(await build({ identity: Uint8Array.of(0xff, 0xff, 0xff) })),
      ),
      "MLS_KEY_PACKAGE_CREDENTIAL",
    );
    await expectKpError(
      validateKeyPackage(encodeKeyPackage(await build({ identity: new Uint8Array() }))),
      "MLS_KEY_PACKAGE_CREDENTIAL",
    );
  });

  it("rejects an extension its capabilities do not list (what OpenMLS calls UnsupportedExtension)", async () => {
    await expectKpError(
      validateKeyPackage(
        encodeKeyPackage(
          await build({
            extensions: [
              { extensionType: EXTENSION_LAST_RESORT, extensionData: new Uint8Array() },
              { extensionType: 0x0a0a, extensionData: new Uint8Array() },
            ],
          }),
        ),
      ),
      "MLS_KEY_PACKAGE_INVALID",
    );
  });

  it("reads 0xff04 as libxmtp does: pointers only with ChaCha20-Poly1305 listed", async () => {
    const lastResort = { extensionType: EXTENSION_LAST_RESORT, extensionData: new Uint8Array() };
    const withPointees = async (extensionData: Uint8Array) =>
      validateKeyPackage(
        encodeKeyPackage(
          await build({
            extensions: [
              lastResort,
              { extensionType: EXTENSION_WELCOME_POINTEE_AEAD_TYPES, extensionData },
            ],
          }),
        ),
      );
    expect((await withPointees(Uint8Array.of(0x0a, 0x01, 0x03))).supportsWelcomePointers).toBe(
      true,
    );
    expect((await withPointees(new Uint8Array())).supportsWelcomePointers).toBe(false);
    expect((await withPointees(Uint8Array.of(0x0a, 0x01, 0x00))).supportsWelcomePointers).toBe(
      false,
    );
    await expectKpError(withPointees(Uint8Array.of(0x0a, 0x05, 0x03)), "MLS_KEY_PACKAGE_INVALID");
    // without 0xff04 at all (libxmtp 1.5.4): no pointers
    expect(
      (await validateKeyPackage(encodeKeyPackage(await build({})))).supportsWelcomePointers,
    ).toBe(false);
  });

  it("refuses a 0xff03 X-Wing key no welcome could be wrapped to", async () => {
    const bad = new Uint8Array(1216).fill(0xff); // ML-KEM coefficients ≥ q
    await expectKpError(
      validateKeyPackage(
        encodeKeyPackage(
          await build({
            extensions: [
              { extensionType: EXTENSION_LAST_RESORT, extensionData: new Uint8Array() },
              welcomeWrapperEncryptionExtension(bad) as {
                extensionType: number;
                extensionData: Uint8Array;
              },
            ],
          }),
        ),
      ),
      "MLS_KEY_PACKAGE_INVALID",
    );
  });

  it("refuses a 0xff03 extension that names SYMMETRIC_KEY, as libxmtp does", async () => {
    const wrapper = welcomeWrapperEncryptionExtension(new Uint8Array(1216));
    const symmetric = {
      extensionType: EXTENSION_WELCOME_WRAPPER_ENCRYPTION,
      extensionData: wrapper.extensionData.slice(),
    };
    symmetric.extensionData[symmetric.extensionData.length - 1] = 3;
    await expectKpError(
      validateKeyPackage(
        encodeKeyPackage(
          await build({
            extensions: [
              { extensionType: EXTENSION_LAST_RESORT, extensionData: new Uint8Array() },
              symmetric,
            ],
          }),
        ),
      ),
      "MLS_KEY_PACKAGE_INVALID",
    );
  });

  it("rejects an init key equal to the leaf encryption key, even when correctly signed", async () => {
    const me = newIdentity();
    const kp = await build({ me });
    const { signature: _, ...tbs } = kp;
    // a control: re-signing the unchanged package keeps it valid
    const same = await signKeyPackage(tbs, me.installationKey.privateKey, cs.signature);
    await expect(validateKeyPackage(encodeKeyPackage(same))).resolves.toBeDefined();
    const resigned = await signKeyPackage(
      { ...tbs, initKey: kp.leafNode.hpkePublicKey },
      me.installationKey.privateKey,
      cs.signature,
    );
    const e = await validateKeyPackage(encodeKeyPackage(resigned)).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(KeyPackageError);
    expect((e as KeyPackageError).message).toMatch(/init key equals/);
  });

  it("rejects a package signed by a key other than its leaf's", async () => {
    const kp = await build({});
    const { signature: _, ...tbs } = kp;
    const forged = await signKeyPackage(
      tbs,
      newIdentity().installationKey.privateKey,
      cs.signature,
    );
    const e = await validateKeyPackage(encodeKeyPackage(forged)).catch((err: unknown) => err);
    expect((e as KeyPackageError).code).toBe("MLS_KEY_PACKAGE_INVALID");
    expect((e as KeyPackageError).message).toMatch(/key package signature/);
  });
});
