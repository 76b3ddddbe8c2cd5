import { fromHex, toHex, utf8Decode, utf8Encode } from "../bytes.js";
import {
  assertDecodable,
  type ContentCodec,
  createEncodedContent,
  type EncodedContent,
} from "../codec.js";
import { type ContentTypeId, contentTypeId } from "../content-type-id.js";
import { ContentDecodeError, ContentEncodeError } from "../errors.js";

export const ContentTypeRemoteAttachment: ContentTypeId = contentTypeId(
  "xmtp.org",
  "remoteStaticAttachment",
  1,
  0,
);

/** Where an encrypted attachment lives and how to decrypt it (the RemoteAttachmentInfo fields). */
export interface RemoteAttachment {
  url: string;
  /** Lowercase hex SHA-256 of the encrypted payload. */
  contentDigest: string;
  /** 32-byte secret; the AES key is HKDF-SHA256(secret, salt). */
  secret: Uint8Array;
  /** 32-byte HKDF salt. */
  salt: Uint8Array;
  /** 12-byte AES-GCM nonce. */
  nonce: Uint8Array;
  /** URL scheme, e.g. "https://". */
  scheme: string;
  /** Length of the encrypted payload in bytes (an unsigned 32-bit integer). */
  contentLength?: number | undefined;
  filename?: string | undefined;
}

const U32_MAX = 0xffff_ffff;

export function isU32(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= U32_MAX;
}

/**
 * `xmtp.org/remoteStaticAttachment:1.0`: the content is the URL (UTF-8); the parameters are
 * contentDigest, salt, nonce, secret (hex), scheme, contentLength and filename (when given), in
 * that order (as xmtp-js writes them).
 */
export class RemoteAttachmentCodec implements ContentCodec<RemoteAttachment> {
  readonly contentType = ContentTypeRemoteAttachment;

  encode(remote: RemoteAttachment): EncodedContent {
    const parameters: Record<string, string> = {
      contentDigest: remote.contentDigest,
      salt: toHex(remote.salt),
      nonce: toHex(remote.nonce),
      secret: toHex(remote.secret),
      scheme: remote.scheme,
    };
    if (remote.contentLength !== undefined) {
      if (!isU32(remote.contentLength)) {
        throw new ContentEncodeError(
          `contentLength must be an integer from 0 to ${U32_MAX}, got ${remote.contentLength}`,
        );
      }
      parameters.contentLength = String(remote.contentLength);
    }
    if (remote.filename !== undefined) parameters.filename = remote.filename;
    return createEncodedContent({
      type: this.contentType,
      parameters,
      fallback: this.fallback(remote),
      content: utf8Encode(remote.url),
    });
  }

  decode(encoded: EncodedContent): RemoteAttachment {
    assertDecodable(this.contentType, encoded);
    const p = encoded.parameters;
    const url = utf8Decode(encoded.content);
    if (url === undefined) throw new ContentDecodeError("remote attachment URL is not valid UTF-8");
    return {
      url,
      contentDigest: p.contentDigest ?? "",
      salt: hexParameter(p, "salt"),
      nonce: hexParameter(p, "nonce"),
      secret: hexParameter(p, "secret"),
      scheme: p.scheme ?? "",
      contentLength: u32Parameter(p, "contentLength"),
      filename: p.filename,
    };
  }

  fallback(remote: RemoteAttachment): string | undefined {
    return `Can't display ${remote.filename ?? "this content"}. This app doesn't support remote attachments.`;
  }

  shouldPush(): boolean {
    return true;
  }
}

function hexParameter(parameters: Record<string, string>, name: string): Uint8Array {
  const bytes = fromHex(parameters[name] ?? "");
  if (bytes === undefined) {
    throw new ContentDecodeError(`remote attachment: invalid hex in ${name} parameter`);
  }
  return bytes;
}

function u32Parameter(parameters: Record<string, string>, name: string): number | undefined {
  const text = parameters[name];
  if (text === undefined) return undefined;
  // Rust's u32::from_str: an optional "+", then decimal digits, nothing else.
  const value = /^\+?\d+$/.test(text) ? Number(text.replace(/^\+/, "")) : Number.NaN;
  if (!isU32(value)) {
    throw new ContentDecodeError(
      `remote attachment: invalid ${name} parameter ${JSON.stringify(text)}; expected an unsigned 32-bit integer`,
    );
  }
  return value;
}
