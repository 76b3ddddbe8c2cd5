// @x/proto: the XMTP wire schema as @bufbuild/protobuf v2 code.
//
// Each proto package has its own subpath (e.g. "@x/proto/mls/api/v1"),
// because names repeat across packages (xmtp.message_contents.Signature vs
// xmtp.identity.associations.Signature). The root re-exports the protobuf-es
// helpers and the packages most callers need, as namespaces.

export type {
  DescMessage,
  DescMethod,
  DescService,
  JsonValue,
  Message,
  MessageInitShape,
  MessageShape,
} from "@bufbuild/protobuf";
export {
  clone,
  create,
  equals,
  fromBinary,
  fromJson,
  isMessage,
  toBinary,
  toJson,
} from "@bufbuild/protobuf";

export { decodeMessage, ProtoDecodeError, type ProtoErrorCode } from "./decode.js";
export * as identityApi from "./identity/api/v1/index.js";
export * as associations from "./identity/associations/index.js";
export * as identity from "./identity/index.js";
export * as mlsApi from "./mls/api/v1/index.js";
export * as mlsContents from "./mls/message_contents/index.js";
