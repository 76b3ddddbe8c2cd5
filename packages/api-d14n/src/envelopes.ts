// The d14n envelope stack as a client sees it (reference/d14n.md §4–§6): what it publishes
// (ClientEnvelope{aad{target_topic, depends_on}, payload}) and how it unwraps what nodes return
// (OriginatorEnvelope → UnsignedOriginatorEnvelope → PayerEnvelope → ClientEnvelope). No
// signature is verified, as libxmtp 1.9.1.
import { create, fromBinary } from "@bufbuild/protobuf";
import type { VectorCursor } from "@x/api";
import {
  type ClientEnvelope,
  ClientEnvelopeSchema,
  type Cursor,
  CursorSchema,
  type OriginatorEnvelope,
  PayerEnvelopeSchema,
  UnsignedOriginatorEnvelopeSchema,
} from "@x/proto/xmtpv4/envelopes";
import type { Orderable } from "./order.js";

export type Payload = ClientEnvelope["payload"];

/** A vector cursor as the protobuf `Cursor` (an empty cursor is an empty map, not unset). */
export function toCursor(cursor: VectorCursor | undefined): Cursor {
  const nodeIdToSequenceId: { [key: number]: bigint } = {};
  for (const [originator, seq] of cursor ?? []) nodeIdToSequenceId[originator] = seq;
  return create(CursorSchema, { nodeIdToSequenceId });
}

export function fromCursor(cursor: Cursor | undefined): Map<number, bigint> {
  const out = new Map<number, bigint>();
  for (const [k, v] of Object.entries(cursor?.nodeIdToSequenceId ?? {})) out.set(Number(k), v);
  return out;
}

/** One ClientEnvelope for the gateway; `depends_on` only when the cursor has entries. */
export function clientEnvelope(
  targetTopic: Uint8Array,
  payload: Payload,
  dependsOn?: VectorCursor,
): ClientEnvelope {
  return create(ClientEnvelopeSchema, {
    aad: {
      targetTopic,
      ...(dependsOn && dependsOn.size > 0 ? { dependsOn: toCursor(dependsOn) } : {}),
    },
    payload,
  });
}

/** An envelope from a node, unwrapped. */
export interface ReceivedEnvelope extends Orderable {
  /** `aad.target_topic` as the sender set it (informational; readers recompute the topic). */
  targetTopic: Uint8Array;
  payload: Payload;
}

/** Unwraps an OriginatorEnvelope down to its payload; throws on any decode failure. */
export function unwrapEnvelope(envelope: OriginatorEnvelope): ReceivedEnvelope {
  const unsigned = fromBinary(
    UnsignedOriginatorEnvelopeSchema,
    envelope.unsignedOriginatorEnvelope,
  );
  const payer = fromBinary(PayerEnvelopeSchema, unsigned.payerEnvelopeBytes);
  const client = fromBinary(ClientEnvelopeSchema, payer.unsignedClientEnvelope);
  if (client.payload.case === undefined) throw new Error("the client envelope has no payload");
  return {
    originatorId: unsigned.originatorNodeId,
    sequenceId: unsigned.originatorSequenceId,
    originatorNs: unsigned.originatorNs,
    dependsOn: fromCursor(client.aad?.dependsOn),
    targetTopic: client.aad?.targetTopic ?? new Uint8Array(),
    payload: client.payload,
  };
}

/** `originator_ns` as an unsigned `created_ns` (a negative timestamp reads as 0). */
export const createdNs = (e: Orderable): bigint => (e.originatorNs > 0n ? e.originatorNs : 0n);
