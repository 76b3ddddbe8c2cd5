import { utf8Decode } from "../bytes.js";
import {
  assertDecodable,
  type ContentCodec,
  createEncodedContent,
  type EncodedContent,
} from "../codec.js";
import { type ContentTypeId, contentTypeId } from "../content-type-id.js";
import {
  asObject,
  type JsonValue,
  jsonBytes,
  optionalString,
  parseJsonObject,
  requiredArray,
  requiredString,
  stringMap,
} from "../json.js";

export const ContentTypeWalletSendCalls: ContentTypeId = contentTypeId(
  "xmtp.org",
  "walletSendCalls",
  1,
  0,
);

/** Call metadata: description and transactionType, plus any other string fields. */
export type WalletCallMetadata = { description: string; transactionType: string } & Record<
  string,
  string
>;

export interface WalletCall {
  to?: string | undefined;
  data?: string | undefined;
  value?: string | undefined;
  gas?: string | undefined;
  metadata?: WalletCallMetadata | undefined;
}

/** EIP-5792 `wallet_sendCalls` parameters. */
export interface WalletSendCalls {
  version: string;
  /** Hex chain id, e.g. "0x1". */
  chainId: string;
  from: string;
  calls: WalletCall[];
  capabilities?: Record<string, string> | undefined;
}

const WHAT = "wallet send calls";

/**
 * `xmtp.org/walletSendCalls:1.0`: JSON with keys version, chainId, from, calls, capabilities?
 * (libxmtp's order; a call is to?, data?, value?, gas?, metadata?). The fallback embeds the JSON.
 */
export class WalletSendCallsCodec implements ContentCodec<WalletSendCalls> {
  readonly contentType = ContentTypeWalletSendCalls;

  encode(value: WalletSendCalls): EncodedContent {
    const content = jsonBytes(toJson(value));
    return createEncodedContent({
      type: this.contentType,
      fallback: fallbackFor(utf8Decode(content) ?? "{}"),
      content,
    });
  }

  decode(encoded: EncodedContent): WalletSendCalls {
    assertDecodable(this.contentType, encoded);
    const obj = parseJsonObject(encoded.content, WHAT);
    const capabilities = obj.capabilities;
    return {
      version: requiredString(obj, "version", WHAT),
      chainId: requiredString(obj, "chainId", WHAT),
      from: requiredString(obj, "from", WHAT),
      calls: requiredArray(obj, "calls", WHAT).map((call, i) =>
        decodeCall(call, `${WHAT} calls[${i}]`),
      ),
      capabilities:
        capabilities === undefined || capabilities === null
          ? undefined
          : stringMap(capabilities, `${WHAT} capabilities`),
    };
  }

  fallback(value: WalletSendCalls): string | undefined {
    return fallbackFor(JSON.stringify(toJson(value)));
  }

  shouldPush(): boolean {
    return true;
  }
}

function fallbackFor(json: string): string {
  return `[Transaction request generated]: ${json}`;
}

/** The JSON object with libxmtp's key order (serde writes struct fields in declaration order). */
function toJson(value: WalletSendCalls): unknown {
  return {
    version: value.version,
    chainId: value.chainId,
    from: value.from,
    calls: value.calls.map((call) => ({
      to: call.to,
      data: call.data,
      value: call.value,
      gas: call.gas,
      metadata: call.metadata === undefined ? undefined : metadataToJson(call.metadata),
    })),
    capabilities: value.capabilities,
  };
}

function metadataToJson(metadata: WalletCallMetadata): Record<string, string> {
  const { description, transactionType, ...extra } = metadata;
  return { description, transactionType, ...extra };
}

function decodeCall(value: JsonValue, what: string): WalletCall {
  const call = asObject(value, what);
  const metadata = call.metadata;
  return {
    to: optionalString(call, "to", what),
    data: optionalString(call, "data", what),
    value: optionalString(call, "value", what),
    gas: optionalString(call, "gas", what),
    metadata:
      metadata === undefined || metadata === null
        ? undefined
        : decodeMetadata(metadata, `${what} metadata`),
  };
}

function decodeMetadata(value: JsonValue, what: string): WalletCallMetadata {
  const map = stringMap(value, what);
  const obj = asObject(value, what);
  const description = requiredString(obj, "description", what);
  const transactionType = requiredString(obj, "transactionType", what);
  return { ...map, description, transactionType };
}
