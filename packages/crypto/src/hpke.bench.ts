// `npx vitest bench --run src/hpke.bench.ts`: one welcome wrap and unwrap per algorithm (a 10 KB
// welcome and its 2-byte metadata, as libxmtp seals them), on our base-mode code and, for
// comparison, on @hpke/core (X-Wing there runs X25519 in JavaScript too).
import { bench, describe } from "vitest";
import {
  generateHpkeKeyPair,
  hpkeSuite,
  unwrapWelcome,
  WELCOME_HPKE_LABEL,
  WrapperAlgorithm,
  wrapWelcome,
} from "./hpke.js";
import { randomBytes } from "./random.js";
import { decodeHpkeCiphertext, encodeHpkeCiphertext, encryptContextInfo } from "./tls-codec.js";

const payload = randomBytes(10_000);
const secondaryPayload = Uint8Array.of(0x08, 0x2a);
const info = encryptContextInfo(WELCOME_HPKE_LABEL);

for (const algorithm of [WrapperAlgorithm.Curve25519, WrapperAlgorithm.XWingMlKem768Draft6]) {
  const name = algorithm === WrapperAlgorithm.Curve25519 ? "Curve25519" : "X-Wing";
  const pair = await generateHpkeKeyPair(algorithm);
  const sealed = await wrapWelcome({
    payload,
    secondaryPayload,
    publicKey: pair.publicKey,
    algorithm,
  });
  const suite = hpkeSuite(algorithm);
  const publicKey = await suite.kem.deserializePublicKey(pair.publicKey);
  const privateKey = await suite.kem.deserializePrivateKey(pair.privateKey);

  describe(`${name} welcome wrap`, () => {
    bench("ours", async () => {
      await wrapWelcome({ payload, secondaryPayload, publicKey: pair.publicKey, algorithm });
    });
    bench("@hpke/core", async () => {
      const sender = await suite.createSenderContext({ recipientPublicKey: publicKey, info });
      const first = new Uint8Array(await sender.seal(payload, new Uint8Array()));
      await sender.seal(secondaryPayload, new Uint8Array());
      encodeHpkeCiphertext(new Uint8Array(sender.enc), first);
    });
  });

  describe(`${name} welcome unwrap`, () => {
    bench("ours", async () => {
      await unwrapWelcome({ ...sealed, privateKey: pair.privateKey, algorithm });
    });
    bench("@hpke/core", async () => {
      const { kemOutput, ciphertext } = decodeHpkeCiphertext(sealed.wrapped);
      const recipient = await suite.createRecipientContext({
        recipientKey: privateKey,
        enc: kemOutput,
        info,
      });
      await recipient.open(ciphertext, new Uint8Array());
      await recipient.open(sealed.wrappedSecondary, new Uint8Array());
    });
  });
}
