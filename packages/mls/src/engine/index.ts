// The MLS engine of @x/mls: XMTP operations as ts-mls calls and bytes, byte-compatible with libxmtp.
export { xmtpCiphersuite } from "./ciphersuite.js";
export * from "./constants.js";
export {
  type CommitDiff,
  changedExtensionTypes,
  diffGroupMembership,
  diffGroupStates,
} from "./diff.js";
export * from "./errors.js";
export * from "./extensions.js";
export * from "./framing.js";
export * from "./group.js";
export * from "./hmac.js";
export * from "./key-package.js";
export * from "./members.js";
export * from "./messages.js";
export * from "./metadata.js";
export * from "./payloads.js";
export * from "./policies.js";
export * from "./state.js";
export { decodeOpaque, decodeVarint, encodeOpaque, encodeVarint } from "./tls.js";
export * from "./welcome.js";
export * from "./welcome-pointers.js";
