import {
  type BinaryReadOptions,
  type DescMessage,
  fromBinary,
  type MessageShape,
} from "@bufbuild/protobuf";

/** Stable codes of the errors @x/proto throws. */
export type ProtoErrorCode = "PROTO_DECODE_FAILED";

/**
 * Bytes that are not a valid encoding of the expected message (truncated,
 * garbage, wrong wire types, invalid UTF-8 in a string field). Not retryable:
 * the same bytes fail the same way.
 */
export class ProtoDecodeError extends Error {
  override readonly name = "ProtoDecodeError";
  readonly code: ProtoErrorCode = "PROTO_DECODE_FAILED";
  readonly retryable = false;
  /** Full protobuf name of the message that was expected. */
  readonly typeName: string;

  constructor(typeName: string, byteLength: number, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      `cannot decode ${byteLength} bytes as ${typeName}: ${reason}; check that the body is a ` +
        "complete, unframed protobuf message of this type",
      { cause },
    );
    this.typeName = typeName;
  }
}

/**
 * `fromBinary` that throws a typed ProtoDecodeError instead of a plain Error.
 * Unknown fields are kept (and written back by `toBinary`).
 */
export function decodeMessage<Desc extends DescMessage>(
  schema: Desc,
  bytes: Uint8Array,
  options?: Partial<BinaryReadOptions>,
): MessageShape<Desc> {
  try {
    return fromBinary(schema, bytes, options);
  } catch (cause) {
    throw new ProtoDecodeError(schema.typeName, bytes.length, cause);
  }
}
