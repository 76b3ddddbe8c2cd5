import { InvalidContentTypeError } from "./errors.js";

/**
 * Identifies a content type: `authorityId/typeId:versionMajor.versionMinor`.
 * Structurally the same as the protobuf ContentTypeId, so a decoded `EncodedContent.type` fits.
 */
export interface ContentTypeId {
  readonly authorityId: string;
  readonly typeId: string;
  readonly versionMajor: number;
  readonly versionMinor: number;
}

const U32_MAX = 0xffff_ffff;

/** Builds a frozen ContentTypeId; the versions must be unsigned 32-bit integers (proto uint32). */
export function contentTypeId(
  authorityId: string,
  typeId: string,
  versionMajor: number,
  versionMinor: number,
): ContentTypeId {
  for (const [name, value] of [
    ["versionMajor", versionMajor],
    ["versionMinor", versionMinor],
  ] as const) {
    if (!Number.isInteger(value) || value < 0 || value > U32_MAX) {
      throw new InvalidContentTypeError(
        `${name} must be an integer from 0 to ${U32_MAX}, got ${value}`,
      );
    }
  }
  return Object.freeze({ authorityId, typeId, versionMajor, versionMinor });
}

/** True when both ids name the same authority and type (versions are not compared). */
export function contentTypesAreEqual(a: ContentTypeId, b: ContentTypeId): boolean {
  return a.authorityId === b.authorityId && a.typeId === b.typeId;
}

/** `authority/type:major.minor`, e.g. `xmtp.org/text:1.0`. */
export function contentTypeToString(id: ContentTypeId): string {
  return `${id.authorityId}/${id.typeId}:${id.versionMajor}.${id.versionMinor}`;
}

const CONTENT_TYPE_STRING = /^([^/]+)\/([^:]+):(\d+)\.(\d+)$/;

/** Parses `authority/type:major.minor`; throws InvalidContentTypeError on anything else. */
export function contentTypeFromString(value: string): ContentTypeId {
  const match = CONTENT_TYPE_STRING.exec(value);
  if (!match) {
    throw new InvalidContentTypeError(
      `invalid content type string ${JSON.stringify(value)}: expected "authorityId/typeId:major.minor", e.g. "xmtp.org/text:1.0"`,
    );
  }
  const [, authorityId, typeId, major, minor] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  return contentTypeId(authorityId, typeId, Number(major), Number(minor));
}

/** The key codecs are registered and looked up by: authority, type and major version. */
export function contentTypeKey(id: ContentTypeId): string {
  return `${id.authorityId}/${id.typeId}:${id.versionMajor}`;
}
