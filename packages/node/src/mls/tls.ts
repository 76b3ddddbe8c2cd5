// A reader for the TLS presentation language as MLS (RFC 9420 §2.1) uses it: @x/crypto's codec,
// throwing the node's own TlsDecodeError so the node's error code stays `node.tls_decode`.
import { TlsReader as CryptoTlsReader, encodeOpaque as cryptoEncodeOpaque } from "@x/crypto";

/** Thrown when bytes do not parse as the MLS structure they claim to be. */
export class TlsDecodeError extends Error {
  readonly code = "node.tls_decode";
  constructor(message: string) {
    super(message);
    this.name = "TlsDecodeError";
  }
}

export class TlsReader extends CryptoTlsReader {
  constructor(bytes: Uint8Array) {
    // The node has always accepted vector lengths in a longer form than needed; it stays lenient.
    super(bytes, { allowNonMinimalLengths: true });
  }

  protected override error(message: string): Error {
    return new TlsDecodeError(message);
  }
}

/** TLS `opaque data<V>`; a RangeError for more than 2^30-1 bytes. */
export function encodeOpaque(bytes: Uint8Array): Uint8Array {
  if (bytes.length > 0x3fffffff)
    throw new RangeError(`vector too long for MLS: ${bytes.length} bytes`);
  return cryptoEncodeOpaque(bytes);
}
