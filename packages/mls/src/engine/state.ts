// Group state as bytes for storage: our own format byte, then ts-mls's encoding (which has no
// version of its own and changes between ts-mls releases; ts-mls is pinned exactly).
import { type ClientState, decodeGroupState, encodeGroupState } from "ts-mls";
import { XMTP_CLIENT_CONFIG } from "./constants.js";
import { errorMessage, GroupStateError } from "./errors.js";

/** Format 1: ts-mls 1.6.4 `encodeGroupState`. */
export const GROUP_STATE_FORMAT = 1;

export function serializeGroupState(state: ClientState): Uint8Array {
  const body = encodeGroupState(state);
  const out = new Uint8Array(1 + body.length);
  out[0] = GROUP_STATE_FORMAT;
  out.set(body, 1);
  return out;
}

/** Reads what serializeGroupState wrote; the XMTP client config is re-attached. */
export function deserializeGroupState(bytes: Uint8Array): ClientState {
  if (bytes[0] !== GROUP_STATE_FORMAT) {
    throw new GroupStateError(
      "MLS_STATE_MALFORMED",
      `stored group state has format ${bytes[0] ?? "(empty)"}, this version reads format ${GROUP_STATE_FORMAT}`,
    );
  }
  let decoded: ReturnType<typeof decodeGroupState>;
  try {
    decoded = decodeGroupState(bytes, 1);
  } catch (e) {
    throw new GroupStateError(
      "MLS_STATE_MALFORMED",
      `stored group state does not decode: ${errorMessage(e)}`,
      {
        cause: e,
      },
    );
  }
  // ts-mls decoders return the number of bytes they read
  if (decoded === undefined || 1 + decoded[1] !== bytes.length) {
    throw new GroupStateError(
      "MLS_STATE_MALFORMED",
      "stored group state does not decode completely",
    );
  }
  return { ...decoded[0], clientConfig: XMTP_CLIENT_CONFIG };
}
