import { describe, expect, it } from "vitest";
import {
  decodeOpaque,
  decodeOpaqueExact,
  decodeVarint,
  encodeOpaque,
  encodeVarint,
  fromHex,
  toHex,
} from "./tls.js";

describe("MLS variable-length integers", () => {
  it.each([
    [0, "00"],
    [63, "3f"],
    [64, "4040"],
    [16383, "7fff"],
    [16384, "80004000"],
    [0x3fffffff, "bfffffff"],
  ])("%i encodes as %s and back", (n, hex) => {
    expect(toHex(encodeVarint(n))).toBe(hex);
    expect(decodeVarint(fromHex(hex))).toEqual({ value: n, length: hex.length / 2 });
  });

  it("refuses values that do not fit, the 8-byte form, non-minimal and truncated encodings", () => {
    expect(() => encodeVarint(0x40000000)).toThrow(RangeError);
    expect(() => encodeVarint(-1)).toThrow(RangeError);
    expect(decodeVarint(fromHex("c000000000000001"))).toBeUndefined();
    expect(decodeVarint(fromHex("4005"))).toBeUndefined();
    expect(decodeVarint(fromHex("80000005"))).toBeUndefined();
    expect(decodeVarint(fromHex("40"))).toBeUndefined();
    expect(decodeVarint(new Uint8Array())).toBeUndefined();
  });
});

describe("opaque<V>", () => {
  it("prefixes the length", () => {
    const data = new Uint8Array(64).fill(7);
    const enc = encodeOpaque(data);
    expect(toHex(enc.slice(0, 2))).toBe("4040");
    expect(decodeOpaqueExact(enc)).toEqual(data);
    expect(decodeOpaque(new Uint8Array([...enc, 9]))).toEqual({ data, next: 66 });
  });

  it("rejects truncated data and trailing bytes", () => {
    expect(decodeOpaqueExact(fromHex("0501020304"))).toBeUndefined();
    expect(decodeOpaqueExact(fromHex("010203"))).toBeUndefined();
  });
});
