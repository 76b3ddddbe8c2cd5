// A minimal Zstandard frame writer (RFC 8878 §3.1.1): one frame of Raw_Blocks, no compression.
//
// What an archive compresses is AES-GCM ciphertext (plus 4-byte lengths), which is
// indistinguishable from random bytes and does not compress: real zstd stores such input in raw
// blocks anyway. So raw blocks cost nothing but 3 bytes per 128 KiB, and any standard zstd
// decoder (libxmtp's included) reads the frame. Reading uses a real decoder (fzstd), which also
// takes compressed frames.
//
// Frame layout written here:
//   Magic_Number            4 bytes  0xFD2FB528, little-endian (28 B5 2F FD)
//   Frame_Header_Descriptor 1 byte   0x00: no content size field, not single-segment,
//                                    no content checksum, no dictionary id
//   Window_Descriptor       1 byte   0x38: exponent 7, mantissa 0 -> window 2^(10+7) = 128 KiB,
//                                    so Block_Maximum_Size = min(window, 128 KiB) = 128 KiB
//   Blocks                  each a 3-byte little-endian Block_Header
//                           (bit 0 Last_Block, bits 1-2 Block_Type = 0 Raw, bits 3-23 Block_Size)
//                           and Block_Size bytes of content; the last one has Last_Block set
//                           (it may be empty: an empty frame is one empty last block).

export const ZSTD_MAGIC = 0xfd2fb528;
/** The largest block a decoder must accept (Block_Maximum_Size with our 128 KiB window). */
export const ZSTD_MAX_BLOCK = 128 * 1024;

const FRAME_HEADER = Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38);
const BLOCK_TYPE_RAW = 0;

function block(content: Uint8Array, last: boolean): Uint8Array {
  const out = new Uint8Array(3 + content.length);
  const header = (content.length << 3) | (BLOCK_TYPE_RAW << 1) | (last ? 1 : 0);
  out[0] = header & 0xff;
  out[1] = (header >>> 8) & 0xff;
  out[2] = (header >>> 16) & 0xff;
  out.set(content, 3);
  return out;
}

/**
 * Streams one zstd frame: `write` returns the bytes that are final so far (the frame header and
 * every full 128 KiB block), `end` the rest (the last block). Content is copied; the caller may
 * reuse its buffers.
 */
export class ZstdRawFrameWriter {
  readonly #pending = new Uint8Array(ZSTD_MAX_BLOCK);
  #length = 0;
  #started = false;
  #ended = false;

  write(content: Uint8Array): Uint8Array[] {
    if (this.#ended) throw new Error("the zstd frame is already ended");
    const out = this.#start();
    let offset = 0;
    while (offset < content.length) {
      // A full block goes out only once more content follows, so that `end` can mark it last
      // instead of adding an empty last block (both are valid; this is one block fewer).
      if (this.#length === ZSTD_MAX_BLOCK) out.push(this.#flush(false));
      const take = Math.min(ZSTD_MAX_BLOCK - this.#length, content.length - offset);
      this.#pending.set(content.subarray(offset, offset + take), this.#length);
      this.#length += take;
      offset += take;
    }
    return out;
  }

  /**
   * Ends the current block early (if it holds anything), so that what was written so far can be
   * decoded without waiting for a full block (the exporter does this after the metadata).
   */
  flush(): Uint8Array[] {
    if (this.#ended) throw new Error("the zstd frame is already ended");
    const out = this.#start();
    if (this.#length > 0) out.push(this.#flush(false));
    return out;
  }

  end(): Uint8Array[] {
    if (this.#ended) throw new Error("the zstd frame is already ended");
    const out = this.#start();
    out.push(this.#flush(true));
    this.#ended = true;
    return out;
  }

  #start(): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (!this.#started) {
      out.push(FRAME_HEADER.slice());
      this.#started = true;
    }
    return out;
  }

  #flush(last: boolean): Uint8Array {
    const b = block(this.#pending.subarray(0, this.#length), last);
    this.#length = 0;
    return b;
  }
}

/** `content` as one zstd frame of raw blocks. */
export function zstdRawFrame(content: Uint8Array): Uint8Array {
  const w = new ZstdRawFrameWriter();
  const parts = [...w.write(content), ...w.end()];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
