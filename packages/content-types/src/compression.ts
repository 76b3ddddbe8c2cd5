// EncodedContent.compression: the content bytes may be deflate- or gzip-compressed.
// "Deflate" means a zlib frame (RFC 1950), as libxmtp, xmtp-js and Android write it; some iOS
// builds wrote a raw deflate stream (RFC 1951), so decoding falls back to that, as libxmtp does.
// fflate keeps this synchronous and browser-friendly (no node:zlib).
import { clone } from "@bufbuild/protobuf";
import {
  Compression,
  type EncodedContent,
  EncodedContentSchema,
} from "@x/proto/mls/message_contents";
import { Gunzip, gzipSync, Inflate, Unzlib, zlibSync } from "fflate";
import { ContentEncodeError, DecompressionError } from "./errors.js";

export type CompressionAlgorithm = "deflate" | "gzip";

/** libxmtp's limit on decompressed content: 16 MiB. */
export const MAX_DECOMPRESSED_BYTES = 16 * 1024 * 1024;

/** Returns a copy of `encoded` with its content compressed and `compression` set. */
export function compressContent(
  encoded: EncodedContent,
  algorithm: CompressionAlgorithm,
): EncodedContent {
  if (encoded.compression !== undefined) {
    throw new ContentEncodeError("content is already compressed; compress it once");
  }
  const out = clone(EncodedContentSchema, encoded);
  if (algorithm === "deflate") {
    out.content = zlibSync(encoded.content);
    out.compression = Compression.DEFLATE;
  } else if (algorithm === "gzip") {
    // mtime 0 keeps the output deterministic (as Rust's flate2 writes it).
    out.content = gzipSync(encoded.content, { mtime: 0 });
    out.compression = Compression.GZIP;
  } else {
    throw new ContentEncodeError(
      `unknown compression ${JSON.stringify(algorithm)}; use "deflate" or "gzip"`,
    );
  }
  return out;
}

export interface DecompressOptions {
  /** Refuse content that inflates past this many bytes (default MAX_DECOMPRESSED_BYTES). */
  maxBytes?: number;
}

/**
 * Returns `encoded` itself when it is not compressed, otherwise a copy with the content
 * inflated and `compression` cleared. Throws DecompressionError on corrupt data, an unknown
 * algorithm, or output past `maxBytes` (code CONTENT_TOO_LARGE).
 */
export function decompressContent(
  encoded: EncodedContent,
  options: DecompressOptions = {},
): EncodedContent {
  if (encoded.compression === undefined) return encoded;
  const maxBytes = options.maxBytes ?? MAX_DECOMPRESSED_BYTES;
  let content: Uint8Array;
  if (encoded.compression === Compression.GZIP) {
    content = gunzip(encoded.content, maxBytes);
  } else if (encoded.compression === Compression.DEFLATE) {
    content = inflateZlibOrRaw(encoded.content, maxBytes);
  } else {
    throw new DecompressionError(
      `unknown compression value ${encoded.compression}; only deflate (0) and gzip (1) exist`,
    );
  }
  const out = clone(EncodedContentSchema, encoded);
  out.content = content;
  out.compression = undefined;
  return out;
}

class OutputTooLarge extends Error {}

function inflateZlibOrRaw(data: Uint8Array, maxBytes: number): Uint8Array {
  try {
    const out = inflateWith((onData) => new Unzlib(onData), data, maxBytes);
    const expected = readU32BE(data, data.length - 4);
    if (adler32(out) !== expected) throw new Error("zlib adler-32 checksum mismatch");
    return out;
  } catch (zlibError) {
    if (zlibError instanceof DecompressionError) throw zlibError;
    try {
      return inflateWith((onData) => new Inflate(onData), data, maxBytes);
    } catch (rawError) {
      if (rawError instanceof DecompressionError) throw rawError;
      throw new DecompressionError(
        `deflate content is neither a zlib frame (${errorText(zlibError)}) nor raw deflate (${errorText(rawError)})`,
        { cause: rawError },
      );
    }
  }
}

function gunzip(data: Uint8Array, maxBytes: number): Uint8Array {
  try {
    const out = inflateWith((onData) => new Gunzip(onData), data, maxBytes);
    if (crc32(out) !== readU32LE(data, data.length - 8)) throw new Error("gzip CRC-32 mismatch");
    if (out.length % 2 ** 32 !== readU32LE(data, data.length - 4)) {
      throw new Error("gzip length mismatch");
    }
    return out;
  } catch (error) {
    if (error instanceof DecompressionError) throw error;
    throw new DecompressionError(`gzip content is corrupt: ${errorText(error)}`, { cause: error });
  }
}

type OnData = (chunk: Uint8Array, final: boolean) => void;
interface InflateStream {
  push(chunk: Uint8Array, final?: boolean): void;
}

// Feeds the input in small slices so that no single step can inflate far past the limit
// (deflate expands at most about 1032:1), and stops as soon as the output passes it.
const INPUT_SLICE = 1024;

function inflateWith(
  open: (onData: OnData) => InflateStream,
  data: Uint8Array,
  maxBytes: number,
): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let ended = false;
  const stream = open((chunk, final) => {
    total += chunk.length;
    if (total > maxBytes) throw new OutputTooLarge();
    chunks.push(chunk);
    if (final) ended = true;
  });
  try {
    if (data.length === 0) stream.push(data, true);
    for (let offset = 0; offset < data.length; offset += INPUT_SLICE) {
      const end = Math.min(offset + INPUT_SLICE, data.length);
      stream.push(data.subarray(offset, end), end === data.length);
    }
  } catch (error) {
    if (error instanceof OutputTooLarge) {
      throw new DecompressionError(
        `compressed content inflates past ${maxBytes} bytes; it is refused`,
        { tooLarge: true },
      );
    }
    throw error;
  }
  if (!ended) throw new Error("unexpected end of compressed data");
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function readU32BE(data: Uint8Array, at: number): number {
  if (at < 0) return -1;
  return ((data[at]! << 24) | (data[at + 1]! << 16) | (data[at + 2]! << 8) | data[at + 3]!) >>> 0;
}

function readU32LE(data: Uint8Array, at: number): number {
  if (at < 0) return -1;
  return (data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16) | (data[at + 3]! << 24)) >>> 0;
}

// fflate does not verify the zlib and gzip checksums; flate2 (libxmtp) does, so we do too.
function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < data.length; ) {
    const end = Math.min(i + 5552, data.length);
    for (; i < end; i++) {
      a += data[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

let crcTable: Uint32Array | undefined;

function crc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of data) crc = crcTable[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
