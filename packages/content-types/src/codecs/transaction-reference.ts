import {
  assertDecodable,
  type ContentCodec,
  createEncodedContent,
  type EncodedContent,
} from "../codec.js";
import { type ContentTypeId, contentTypeId } from "../content-type-id.js";
import { ContentDecodeError, ContentEncodeError } from "../errors.js";
import {
  asObject,
  type JsonObject,
  jsonBytes,
  optionalString,
  parseJsonObject,
  requiredNumber,
  requiredString,
} from "../json.js";
import { isU32 } from "./remote-attachment.js";

export const ContentTypeTransactionReference: ContentTypeId = contentTypeId(
  "xmtp.org",
  "transactionReference",
  1,
  0,
);

export interface TransactionMetadata {
  transactionType: string;
  currency: string;
  amount: number;
  /** An unsigned 32-bit integer. */
  decimals: number;
  fromAddress: string;
  toAddress: string;
}

export interface TransactionReference {
  /** Namespace of the network id, e.g. "eip155". */
  namespace?: string | undefined;
  /** Network (chain) id. Older senders wrote a JSON number; it is read as its decimal string. */
  networkId: string;
  /** The transaction hash. */
  reference: string;
  metadata?: TransactionMetadata | undefined;
}

const WHAT = "transaction reference";

/**
 * `xmtp.org/transactionReference:1.0`: JSON with keys namespace?, networkId, reference,
 * metadata? (in that order, as libxmtp writes them).
 */
export class TransactionReferenceCodec implements ContentCodec<TransactionReference> {
  readonly contentType = ContentTypeTransactionReference;

  encode(value: TransactionReference): EncodedContent {
    const m = value.metadata;
    if (m !== undefined && !isU32(m.decimals)) {
      throw new ContentEncodeError(
        `metadata.decimals must be an unsigned 32-bit integer, got ${m.decimals}`,
      );
    }
    const json = {
      namespace: value.namespace,
      networkId: String(value.networkId),
      reference: value.reference,
      metadata:
        m === undefined
          ? undefined
          : {
              transactionType: m.transactionType,
              currency: m.currency,
              amount: m.amount,
              decimals: m.decimals,
              fromAddress: m.fromAddress,
              toAddress: m.toAddress,
            },
    };
    return createEncodedContent({
      type: this.contentType,
      fallback: this.fallback(value),
      content: jsonBytes(json),
    });
  }

  decode(encoded: EncodedContent): TransactionReference {
    assertDecodable(this.contentType, encoded);
    const obj = parseJsonObject(encoded.content, WHAT);
    const networkId = obj.networkId;
    if (typeof networkId !== "string" && typeof networkId !== "number") {
      throw new ContentDecodeError(`${WHAT}: networkId must be a string or a number`);
    }
    const metadata = obj.metadata;
    return {
      namespace: optionalString(obj, "namespace", WHAT),
      networkId: String(networkId),
      reference: requiredString(obj, "reference", WHAT),
      metadata: metadata === undefined || metadata === null ? undefined : decodeMetadata(metadata),
    };
  }

  fallback(value: TransactionReference): string | undefined {
    return value.reference !== ""
      ? `[Crypto transaction] Use a blockchain explorer to learn more using the transaction hash: ${value.reference}`
      : "Crypto transaction";
  }

  shouldPush(): boolean {
    return true;
  }
}

function decodeMetadata(value: unknown): TransactionMetadata {
  const what = `${WHAT} metadata`;
  const m: JsonObject = asObject(value, what);
  const decimals = requiredNumber(m, "decimals", what);
  if (!isU32(decimals)) {
    throw new ContentDecodeError(`${what}: decimals must be an unsigned 32-bit integer`);
  }
  return {
    transactionType: requiredString(m, "transactionType", what),
    currency: requiredString(m, "currency", what),
    amount: requiredNumber(m, "amount", what),
    decimals,
    fromAddress: requiredString(m, "fromAddress", what),
    toAddress: requiredString(m, "toAddress", what),
  };
}
