// Reads an archive: header, streaming zstd decode (fzstd), the u32-framed records, AES-256-GCM
// per record with the counting nonce (and libxmtp's "legacy" retry with nonce − 1), protobuf
// decode. Every failure is an ArchiveError; nothing is written anywhere.
import { aes256GcmDecrypt } from "@x/crypto";
import { fromBinary } from "@x/proto";
import { type BackupElement, BackupElementSchema } from "@x/proto/device_sync";
import { Decompress } from "fzstd";
import { ClientError, errorText } from "../../errors.js";
import { ArchiveError } from "./errors.js";
import {
  ARCHIVE_HEADER_SIZE,
  ARCHIVE_NONCE_SIZE,
  GCM_TAG_SIZE,
  nextNonce,
  previousNonce,
} from "./format.js";
import { ZSTD_MAGIC } from "./zstd-frame.js";

/** What an archive can be read from. */
export type ArchiveSource = Uint8Array | AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;

export interface ReadLimits {
  /** Most decompressed bytes read (the framed ciphertext stream). */
  maxBytes: number;
  /** Most elements read. */
  maxElements: number;
}

/** 256 MiB of decompressed data. */
export const DEFAULT_MAX_ARCHIVE_BYTES = 256 * 1024 * 1024;
export const DEFAULT_MAX_ARCHIVE_ELEMENTS = 2_000_000;
/** The largest zstd window accepted: the reference decoder's default limit (2^27). */
const MAX_ZSTD_WINDOW = 2 ** 27;
/** Slices of an in-memory archive handed to the decoder at a time. */
const SLICE = 1 << 20;
/** fzstd's UnexpectedEOF. */
const ZSTD_UNEXPECTED_EOF = 5;

/** Stops the read after the element handed to the callback (archiveMetadata reads one). */
export const STOP = Symbol("stop");

export interface ReadResult {
  version: number;
  elements: number;
}

async function* chunksOf(source: ArchiveSource): AsyncGenerator<Uint8Array> {
  if (source instanceof Uint8Array) {
    for (let at = 0; at < source.length; at += SLICE) yield source.subarray(at, at + SLICE);
    return;
  }
  if (isReadableStream(source)) {
    const reader = source.getReader();
    let done = false;
    try {
      for (;;) {
        const r = await reader.read();
        if (r.done) {
          done = true;
          return;
        }
        yield r.value;
      }
    } finally {
      if (!done) await reader.cancel().catch(() => {});
      reader.releaseLock();
    }
    return;
  }
  if (source !== null && typeof source === "object" && Symbol.asyncIterator in source) {
    yield* source;
    return;
  }
  throw new ClientError(
    "CLIENT_INVALID_ARGUMENT",
    "an archive source must be a Uint8Array, an AsyncIterable<Uint8Array> or a ReadableStream",
  );
}

function isReadableStream(s: unknown): s is ReadableStream<Uint8Array> {
  return (
    typeof s === "object" &&
    s !== null &&
    typeof (s as ReadableStream).getReader === "function" &&
    typeof (s as ReadableStream).tee === "function"
  );
}

/** A byte queue that hands out whole records without copying more than once. */
class RecordBuffer {
  #buf = new Uint8Array(64 * 1024);
  #start = 0;
  #end = 0;

  get length(): number {
    return this.#end - this.#start;
  }

  append(data: Uint8Array): void {
    if (data.length === 0) return;
    if (this.#end + data.length > this.#buf.length) {
      const live = this.length;
      if (live + data.length <= this.#buf.length && this.#start > 0) {
        this.#buf.copyWithin(0, this.#start, this.#end);
      } else {
        const grown = new Uint8Array(Math.max(this.#buf.length * 2, live + data.length));
        grown.set(this.#buf.subarray(this.#start, this.#end));
        this.#buf = grown;
      }
      this.#start = 0;
      this.#end = live;
    }
    this.#buf.set(data, this.#end);
    this.#end += data.length;
  }

  peekUint32(): number {
    const b = this.#buf;
    const s = this.#start;
    return (
      ((b[s] as number) | ((b[s + 1] as number) << 8) | ((b[s + 2] as number) << 16)) +
      (b[s + 3] as number) * 2 ** 24
    );
  }

  /** The next n bytes (a view, valid until the next append), consumed. */
  take(n: number): Uint8Array {
    const v = this.#buf.subarray(this.#start, this.#start + n);
    this.#start += n;
    if (this.#start === this.#end) this.#start = this.#end = 0;
    return v;
  }
}

/** Reads the first zstd frame's header to refuse windows (or sizes) over the limits. */
function checkFirstFrame(head: Uint8Array, maxBytes: number): void {
  if (head.length < 6) return; // too short: the decoder reports it
  const magic = new DataView(head.buffer, head.byteOffset, 4).getUint32(0, true);
  if (magic !== ZSTD_MAGIC) return; // skippable frame or not zstd: the decoder decides
  const fhd = head[4] as number;
  const singleSegment = (fhd >> 5) & 1;
  if (!singleSegment) {
    const wd = head[5] as number;
    const base = 2 ** (10 + (wd >> 3));
    const window = base + (base / 8) * (wd & 7);
    if (window > MAX_ZSTD_WINDOW) {
      throw new ArchiveError(
        "ARCHIVE_TOO_LARGE",
        `the archive's zstd window is ${window} bytes, more than the ${MAX_ZSTD_WINDOW} allowed`,
      );
    }
    return;
  }
  // Single segment: the window is the content size, which follows any dictionary id.
  const fcsSize = [1, 2, 4, 8][fhd >> 6] as number;
  const at = 5 + ([0, 1, 2, 4][fhd & 3] as number);
  if (head.length < at + fcsSize) return;
  let size = 0;
  for (let i = fcsSize - 1; i >= 0; i--) size = size * 256 + (head[at + i] as number);
  if (fcsSize === 2) size += 256;
  if (size > maxBytes) {
    throw new ArchiveError(
      "ARCHIVE_TOO_LARGE",
      `the archive holds ${size} bytes, more than the ${maxBytes} allowed`,
    );
  }
}

/**
 * Reads `source` and hands every element to `onElement`, in order; the first is checked to be
 * the metadata. Returns the header version and how many elements were read.
 */
export async function readArchive(
  source: ArchiveSource,
  key: Uint8Array,
  limits: ReadLimits,
  onElement: (element: BackupElement, index: number) => unknown,
): Promise<ReadResult> {
  const header = new Uint8Array(ARCHIVE_HEADER_SIZE);
  let headerLength = 0;
  let version = 0;
  let nonce: Uint8Array = new Uint8Array(ARCHIVE_NONCE_SIZE);

  const records = new RecordBuffer();
  let decompressed = 0;
  let compressedIn = 0;
  // Input past this much cannot hold maxBytes of content (3 bytes of block header per block).
  const maxIn = limits.maxBytes + Math.ceil(limits.maxBytes / 1024) + 64 * 1024;
  let count = 0;
  let stopped = false;
  let zstdHead: Uint8Array | undefined = new Uint8Array(0);

  const element = (ciphertext: Uint8Array): void => {
    let plaintext: Uint8Array;
    try {
      plaintext = aes256GcmDecrypt(key, nonce, ciphertext);
    } catch (first) {
      // libxmtp's importer retries with the previous nonce ("legacy archives", whose elements
      // all used one nonce); what worked becomes the current nonce.
      const previous = previousNonce(nonce);
      try {
        plaintext = aes256GcmDecrypt(key, previous, ciphertext);
        nonce = previous;
      } catch {
        throw count === 0
          ? new ArchiveError(
              "ARCHIVE_BAD_KEY",
              "the archive's first element does not decrypt: wrong key (or a changed archive)",
              { cause: first },
            )
          : new ArchiveError(
              "ARCHIVE_CORRUPT",
              `element ${count} of the archive does not decrypt: the archive was changed`,
              { cause: first },
            );
      }
    }
    nonce = nextNonce(nonce);
    let decoded: BackupElement;
    try {
      decoded = fromBinary(BackupElementSchema, plaintext);
    } catch (cause) {
      throw new ArchiveError(
        "ARCHIVE_CORRUPT",
        `element ${count} of the archive does not decode: ${errorText(cause)}`,
        { cause },
      );
    }
    if (count === 0 && decoded.element.case !== "metadata") {
      throw new ArchiveError(
        "ARCHIVE_MISSING_METADATA",
        `the archive's first element is ${decoded.element.case ?? "empty"}, not its metadata`,
      );
    }
    const index = count++;
    if (onElement(decoded, index) === STOP) stopped = true;
  };

  const ondata = (data: Uint8Array): void => {
    if (stopped || data.length === 0) return;
    decompressed += data.length;
    if (decompressed > limits.maxBytes) {
      throw new ArchiveError(
        "ARCHIVE_TOO_LARGE",
        `the archive holds more than ${limits.maxBytes} bytes (the import's maxBytes)`,
      );
    }
    records.append(data);
    while (!stopped && records.length >= 4) {
      const n = records.peekUint32();
      if (n < GCM_TAG_SIZE) {
        throw new ArchiveError(
          "ARCHIVE_CORRUPT",
          `element ${count} of the archive claims ${n} bytes, less than an AES-GCM tag`,
        );
      }
      if (n > limits.maxBytes) {
        throw new ArchiveError(
          "ARCHIVE_TOO_LARGE",
          `element ${count} of the archive claims ${n} bytes, more than the import's maxBytes`,
        );
      }
      if (records.length < 4 + n) break;
      if (count >= limits.maxElements) {
        throw new ArchiveError(
          "ARCHIVE_TOO_LARGE",
          `the archive has more than ${limits.maxElements} elements (the import's maxElements)`,
        );
      }
      records.take(4);
      element(records.take(n));
    }
  };

  const decoder = new Decompress((data) => ondata(data));
  const push = (chunk: Uint8Array, final: boolean): void => {
    try {
      decoder.push(chunk, final);
    } catch (e) {
      if (e instanceof ArchiveError) throw e;
      const code = (e as { code?: unknown }).code;
      throw code === ZSTD_UNEXPECTED_EOF
        ? new ArchiveError("ARCHIVE_TRUNCATED", "the archive ends inside its zstd stream", {
            cause: e,
          })
        : new ArchiveError(
            "ARCHIVE_CORRUPT",
            `the archive's zstd stream is invalid: ${errorText(e)}`,
            {
              cause: e,
            },
          );
    }
  };
  /** zstd bytes: the first few are held back until the first frame's header can be checked. */
  const feed = (chunk: Uint8Array, final: boolean): void => {
    compressedIn += chunk.length;
    if (compressedIn > maxIn) {
      throw new ArchiveError(
        "ARCHIVE_TOO_LARGE",
        `the archive is larger than the import's maxBytes (${limits.maxBytes}) allows`,
      );
    }
    if (zstdHead !== undefined) {
      const joined = new Uint8Array(zstdHead.length + chunk.length);
      joined.set(zstdHead);
      joined.set(chunk, zstdHead.length);
      if (joined.length < 18 && !final) {
        zstdHead = joined;
        return;
      }
      zstdHead = undefined;
      checkFirstFrame(joined, limits.maxBytes);
      chunk = joined;
    }
    push(chunk, final);
  };

  let sawZstd = false;
  for await (const raw of chunksOf(source)) {
    if (!(raw instanceof Uint8Array)) {
      throw new ClientError(
        "CLIENT_INVALID_ARGUMENT",
        "an archive source yielded a non-Uint8Array chunk",
      );
    }
    let chunk: Uint8Array = raw;
    if (headerLength < ARCHIVE_HEADER_SIZE) {
      const take = Math.min(ARCHIVE_HEADER_SIZE - headerLength, chunk.length);
      header.set(chunk.subarray(0, take), headerLength);
      headerLength += take;
      chunk = chunk.subarray(take);
      if (headerLength === ARCHIVE_HEADER_SIZE) {
        version = (header[0] as number) | ((header[1] as number) << 8);
        nonce = header.slice(2);
      }
    }
    if (chunk.length === 0) continue;
    sawZstd = true;
    feed(chunk, false);
    if (stopped) break;
  }
  if (!stopped) {
    if (headerLength < ARCHIVE_HEADER_SIZE) {
      throw new ArchiveError(
        "ARCHIVE_TRUNCATED",
        `the archive ends inside its ${ARCHIVE_HEADER_SIZE}-byte header (${headerLength} bytes)`,
      );
    }
    if (!sawZstd) throw new ArchiveError("ARCHIVE_TRUNCATED", "the archive ends after its header");
    feed(new Uint8Array(0), true);
    if (!stopped && records.length > 0) {
      throw new ArchiveError(
        "ARCHIVE_TRUNCATED",
        `the archive ends inside element ${count} (${records.length} bytes of it)`,
      );
    }
  }
  if (count === 0) {
    throw new ArchiveError(
      "ARCHIVE_MISSING_METADATA",
      "the archive has no element, not even its metadata",
    );
  }
  return { version, elements: count };
}
