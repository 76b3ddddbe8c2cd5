import { Chacha20Poly1305 } from "@hpke/chacha20poly1305";
import { describe, expect, it } from "vitest";
import { CHACHA_IMPLEMENTATION, chachaOpen, chachaSeal } from "#chacha";
import { fromHex, utf8 } from "./bytes.js";
import * as node from "./chacha-node.js";
import * as web from "./chacha-web.js";
import { randomBytes } from "./random.js";

const impls = { node, web };

describe("ChaCha20-Poly1305", () => {
  it("Node resolves #chacha to node:crypto", () => {
    expect(CHACHA_IMPLEMENTATION).toBe("node:crypto");
    const key = randomBytes(32);
    const nonce = randomBytes(12);
    const sealed = chachaSeal(key, nonce, utf8("hi"), new Uint8Array());
    expect(chachaOpen(key, nonce, sealed, new Uint8Array())).toEqual(utf8("hi"));
  });

  for (const [name, impl] of Object.entries(impls)) {
    describe(name, () => {
      it("gives the RFC 8439 §2.8.2 tag", () => {
        const key = fromHex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
        const nonce = fromHex("070000004041424344454647");
        const aad = fromHex("50515253c0c1c2c3c4c5c6c7");
        const pt = utf8(
          "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
        );
        const sealed = impl.chachaSeal(key, nonce, pt, aad);
        expect(sealed.length).toBe(pt.length + 16);
        expect(sealed.subarray(pt.length)).toEqual(fromHex("1ae10b594f09e26a7e902ecbd0600691"));
        expect(impl.chachaOpen(key, nonce, sealed, aad)).toEqual(pt);
      });

      it("matches @hpke/chacha20poly1305 both ways, and refuses changed bytes", async () => {
        const other = new Chacha20Poly1305();
        for (const size of [0, 1, 63, 64, 65, 1000, 60_000]) {
          const key = randomBytes(32);
          const nonce = randomBytes(12);
          const aad = randomBytes(size % 20);
          const pt = randomBytes(size);
          const ctx = other.createEncryptionContext(key);
          const theirs = new Uint8Array(await ctx.seal(nonce, pt, aad));
          expect(impl.chachaSeal(key, nonce, pt, aad)).toEqual(theirs);
          expect(impl.chachaOpen(key, nonce, theirs, aad)).toEqual(pt);
          const bad = theirs.slice();
          bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 1;
          expect(() => impl.chachaOpen(key, nonce, bad, aad)).toThrow();
          expect(() => impl.chachaOpen(key, nonce, theirs, randomBytes(3))).toThrow();
        }
        expect(() =>
          impl.chachaOpen(randomBytes(32), randomBytes(12), randomBytes(15), new Uint8Array()),
        ).toThrow();
        expect(() =>
          impl.chachaSeal(randomBytes(31), randomBytes(12), randomBytes(1), new Uint8Array()),
        ).toThrow();
      });
    });
  }
});
