import { deflateRawSync, deflateSync, gunzipSync, gzipSync, inflateSync } from "node:zlib";
import { Compression } from "@x/proto/mls/message_contents";
import { describe, expect, it } from "vitest";
import { createEncodedContent } from "./codec.js";
import { ContentTypeText, TextCodec } from "./codecs/text.js";
import { compressContent, decompressContent, MAX_DECOMPRESSED_BYTES } from "./compression.js";
import { ContentEncodeError, DecompressionError } from "./errors.js";

const text = new TextCodec();
const hex = (h: string) => Uint8Array.from(Buffer.from(h, "hex"));

function compressed(content: Uint8Array, compression: number) {
  return createEncodedContent({
    type: ContentTypeText,
    parameters: { encoding: "UTF-8" },
    content,
    compression,
  });
}

function decompressError(fn: () => unknown): DecompressionError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DecompressionError);
    return error as DecompressionError;
  }
  throw new Error("expected a DecompressionError");
}

describe("decompressContent", () => {
  // libxmtp's vectors (compression.rs): Python zlib output for "hello compressed XMTP".
  it("inflates a zlib frame (Kotlin / xmtp-js deflate)", () => {
    const encoded = compressed(
      hex("789ccb48cdc9c95748cecf2d284a2d2e4e4d5188f00d090000599907d3"),
      Compression.DEFLATE,
    );
    const plain = decompressContent(encoded);
    expect(plain.compression).toBeUndefined();
    expect(text.decode(plain)).toBe("hello compressed XMTP");
    expect(encoded.compression).toBe(Compression.DEFLATE); // the input is not changed
  });

  it("falls back to raw deflate (iOS)", () => {
    const encoded = compressed(
      hex("cb48cdc9c95748cecf2d284a2d2e4e4d5188f00d090000"),
      Compression.DEFLATE,
    );
    expect(text.decode(decompressContent(encoded))).toBe("hello compressed XMTP");
  });

  it("refuses LZFSE bytes labelled gzip", () => {
    const lzfse = hex(
      "6276786ea800000026000000e00568656c6c6f20636f6d7072657373656420584d54503815f077e25450060000000000000062767824",
    );
    expect(decompressError(() => decompressContent(compressed(lzfse, Compression.GZIP))).code).toBe(
      "CONTENT_DECOMPRESSION_FAILED",
    );
  });

  it("refuses an unknown compression value", () => {
    expect(
      decompressError(() => decompressContent(compressed(new Uint8Array([1, 2]), 99))).message,
    ).toMatch(/unknown compression value 99/);
  });

  it("stops at 16 MiB (CONTENT_TOO_LARGE)", () => {
    const bomb = deflateSync(new Uint8Array(MAX_DECOMPRESSED_BYTES + 1).fill(65));
    expect(bomb.length).toBeLessThan(20_000);
    const error = decompressError(() => decompressContent(compressed(bomb, Compression.DEFLATE)));
    expect(error.code).toBe("CONTENT_TOO_LARGE");
    // exactly at the limit is fine
    const atLimit = gzipSync(new Uint8Array(MAX_DECOMPRESSED_BYTES).fill(65));
    expect(decompressContent(compressed(atLimit, Compression.GZIP)).content.length).toBe(
      MAX_DECOMPRESSED_BYTES,
    );
  });

  it("honours a smaller maxBytes", () => {
    const data = gzipSync(new Uint8Array(1000));
    const encoded = compressed(data, Compression.GZIP);
    expect(decompressError(() => decompressContent(encoded, { maxBytes: 999 })).code).toBe(
      "CONTENT_TOO_LARGE",
    );
    expect(decompressContent(encoded, { maxBytes: 1000 }).content).toEqual(new Uint8Array(1000));
  });

  it("inflates what node:zlib writes, raw deflate included", () => {
    const data = Buffer.from(`${"x".repeat(5000)}🙂 end`);
    for (const [bytes, compression] of [
      [deflateSync(data), Compression.DEFLATE],
      [deflateRawSync(data), Compression.DEFLATE],
      [gzipSync(data), Compression.GZIP],
    ] as const) {
      expect(Buffer.from(decompressContent(compressed(bytes, compression)).content)).toEqual(data);
    }
  });

  it("refuses corrupt checksums and truncated streams", () => {
    const data = Buffer.from("hello compressed XMTP, hello again");
    const badAdler = Uint8Array.from(deflateSync(data));
    badAdler[badAdler.length - 1]! ^= 1;
    decompressError(() => decompressContent(compressed(badAdler, Compression.DEFLATE)));
    const badCrc = Uint8Array.from(gzipSync(data));
    badCrc[badCrc.length - 6]! ^= 1;
    decompressError(() => decompressContent(compressed(badCrc, Compression.GZIP)));
    const truncated = Uint8Array.from(gzipSync(data)).subarray(0, 15);
    decompressError(() => decompressContent(compressed(truncated, Compression.GZIP)));
    decompressError(() => decompressContent(compressed(new Uint8Array(), Compression.GZIP)));
  });

  it("returns uncompressed content as it is", () => {
    const encoded = text.encode("plain");
    expect(decompressContent(encoded)).toBe(encoded);
  });
});

describe("compressContent", () => {
  const original = text.encode("hello compressed XMTP");

  it("writes a zlib frame for deflate and gzip for gzip, readable by node:zlib", () => {
    const deflated = compressContent(original, "deflate");
    expect(deflated.compression).toBe(Compression.DEFLATE);
    expect(deflated.content[0]).toBe(0x78);
    expect(Buffer.from(inflateSync(deflated.content)).toString()).toBe("hello compressed XMTP");

    const gzipped = compressContent(original, "gzip");
    expect(gzipped.compression).toBe(Compression.GZIP);
    expect([...gzipped.content.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    expect(Buffer.from(gunzipSync(gzipped.content)).toString()).toBe("hello compressed XMTP");
  });

  it("round-trips and leaves the input alone", () => {
    for (const algorithm of ["deflate", "gzip"] as const) {
      const back = decompressContent(compressContent(original, algorithm));
      expect(back).toEqual(original);
    }
    expect(original.compression).toBeUndefined();
  });

  it("refuses to compress twice or with an unknown algorithm", () => {
    expect(() => compressContent(compressContent(original, "gzip"), "gzip")).toThrow(
      ContentEncodeError,
    );
    expect(() => compressContent(original, "brotli" as never)).toThrow(ContentEncodeError);
  });
});
