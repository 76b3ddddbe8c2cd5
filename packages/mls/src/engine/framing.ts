// Application framing: the MLS application plaintext is a PlaintextEnvelope (libxmtp
// `groups/mod.rs::into_envelope`), and a message's id is a hash over it (`calculate_message_id`).
import { sha256 } from "@x/crypto";
import { create, fromBinary, toBinary } from "@x/proto";
import { PlaintextEnvelopeSchema } from "@x/proto/mls/message_contents";
import { ExtensionError, errorMessage } from "./errors.js";
import { concatBytes } from "./tls.js";

/** PlaintextEnvelope.V1: the serialized EncodedContent and the sender's idempotency key. */
export interface EnvelopeV1 {
  content: Uint8Array;
  idempotencyKey: string;
}

export type DecodedEnvelope =
  | ({ kind: "v1" } & EnvelopeV1)
  /** Legacy V2 (device-sync request/reply, user preference update): libxmtp ignores it. */
  | { kind: "v2" };

export function encodePlaintextEnvelope(v1: EnvelopeV1): Uint8Array {
  return toBinary(
    PlaintextEnvelopeSchema,
    create(PlaintextEnvelopeSchema, {
      content: { case: "v1", value: { content: v1.content, idempotencyKey: v1.idempotencyKey } },
    }),
  );
}

export function decodePlaintextEnvelope(bytes: Uint8Array): DecodedEnvelope {
  let envelope: ReturnType<typeof fromBinary<typeof PlaintextEnvelopeSchema>>;
  try {
    envelope = fromBinary(PlaintextEnvelopeSchema, bytes);
  } catch (e) {
    throw new ExtensionError(
      "MLS_ENVELOPE_MALFORMED",
      `the application message is not a PlaintextEnvelope: ${errorMessage(e)}`,
      { cause: e },
    );
  }
  switch (envelope.content.case) {
    case "v1":
      return {
        kind: "v1",
        content: envelope.content.value.content,
        idempotencyKey: envelope.content.value.idempotencyKey,
      };
    case "v2":
      return { kind: "v2" };
    default:
      throw new ExtensionError("MLS_ENVELOPE_MALFORMED", "the PlaintextEnvelope has no content");
  }
}

/** sha256(group_id ‖ "\t" ‖ idempotency_key ‖ "\t" ‖ EncodedContent bytes). */
export function calculateMessageId(
  groupId: Uint8Array,
  content: Uint8Array,
  idempotencyKey: string,
): Uint8Array {
  const tab = Uint8Array.of(0x09);
  return sha256(concatBytes(groupId, tab, new TextEncoder().encode(idempotencyKey), tab, content));
}

let lastKey = 0n;

/**
 * libxmtp's default idempotency key: the send time in nanoseconds as a decimal string. JS clocks
 * have millisecond resolution, so keys are kept strictly increasing within this process.
 */
export function newIdempotencyKey(now: Date = new Date()): string {
  let ns = BigInt(now.getTime()) * 1_000_000n;
  if (ns <= lastKey) ns = lastKey + 1n;
  lastKey = ns;
  return ns.toString();
}
