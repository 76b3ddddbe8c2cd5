import { describe, expect, it } from "vitest";
import { createEncodedContent } from "../codec.js";
import type { ContentTypeId } from "../content-type-id.js";
import { ContentDecodeError, ContentEncodeError, ContentTypeMismatchError } from "../errors.js";
import { type Actions, ActionsCodec, ContentTypeActions, parseRfc3339 } from "./actions.js";
import { ContentTypeIntent, IntentCodec } from "./intent.js";
import {
  ContentTypeTransactionReference,
  TransactionReferenceCodec,
} from "./transaction-reference.js";
import {
  ContentTypeWalletSendCalls,
  type WalletSendCalls,
  WalletSendCallsCodec,
} from "./wallet-send-calls.js";

const json = (type: ContentTypeId, text: string) =>
  createEncodedContent({ type, content: new TextEncoder().encode(text) });
const contentText = (e: { content: Uint8Array }) => new TextDecoder().decode(e.content);

describe("TransactionReferenceCodec (xmtp.org/transactionReference:1.0)", () => {
  const codec = new TransactionReferenceCodec();
  const tx = {
    namespace: "eip155",
    networkId: "1",
    reference: "0xabc123",
    metadata: {
      transactionType: "payment",
      currency: "ETH",
      amount: 1.2345,
      decimals: 18,
      fromAddress: "0xsender",
      toAddress: "0xrecipient",
    },
  };

  it("writes libxmtp's key order and round-trips", () => {
    const encoded = codec.encode(tx);
    expect(contentText(encoded)).toBe(
      '{"namespace":"eip155","networkId":"1","reference":"0xabc123","metadata":{"transactionType":"payment","currency":"ETH","amount":1.2345,"decimals":18,"fromAddress":"0xsender","toAddress":"0xrecipient"}}',
    );
    expect(codec.decode(encoded)).toEqual(tx);
    expect(encoded.fallback).toBe(
      "[Crypto transaction] Use a blockchain explorer to learn more using the transaction hash: 0xabc123",
    );
    expect(codec.fallback({ networkId: "1", reference: "" })).toBe("Crypto transaction");
    expect(codec.shouldPush()).toBe(true);
  });

  it("omits absent optional fields and accepts null for them", () => {
    expect(contentText(codec.encode({ networkId: "0x89", reference: "r" }))).toBe(
      '{"networkId":"0x89","reference":"r"}',
    );
    const decoded = codec.decode(
      json(
        ContentTypeTransactionReference,
        '{"networkId":5,"reference":"r","namespace":null,"metadata":null}',
      ),
    );
    expect(decoded).toEqual({
      namespace: undefined,
      networkId: "5",
      reference: "r",
      metadata: undefined,
    });
  });

  it.each([
    ["malformed JSON", '{"networkId":"1",'],
    ["a missing reference", '{"networkId":"1"}'],
    ["a boolean networkId", '{"networkId":true,"reference":"r"}'],
    [
      "metadata without currency",
      '{"networkId":"1","reference":"r","metadata":{"transactionType":"t","amount":1,"decimals":1,"fromAddress":"a","toAddress":"b"}}',
    ],
    [
      "negative decimals",
      '{"networkId":"1","reference":"r","metadata":{"transactionType":"t","currency":"c","amount":1,"decimals":-1,"fromAddress":"a","toAddress":"b"}}',
    ],
    [
      "a string amount",
      '{"networkId":"1","reference":"r","metadata":{"transactionType":"t","currency":"c","amount":"1","decimals":1,"fromAddress":"a","toAddress":"b"}}',
    ],
  ])("refuses %s with a typed error", (_, text) => {
    expect(() => codec.decode(json(ContentTypeTransactionReference, text))).toThrow(
      ContentDecodeError,
    );
  });

  it("refuses fractional decimals when encoding", () => {
    expect(() => codec.encode({ ...tx, metadata: { ...tx.metadata, decimals: 1.5 } })).toThrow(
      ContentEncodeError,
    );
  });
});

describe("WalletSendCallsCodec (xmtp.org/walletSendCalls:1.0)", () => {
  const codec = new WalletSendCallsCodec();
  const calls: WalletSendCalls = {
    version: "1",
    chainId: "0x1",
    from: "0xsender",
    calls: [
      {
        to: "0xrecipient",
        data: "0xdeadbeef",
        value: "0x0",
        gas: "0x5208",
        metadata: { description: "Send funds", transactionType: "transfer", note: "test" },
      },
    ],
    capabilities: { foo: "bar" },
  };

  it("writes libxmtp's key order, embeds the JSON in the fallback, and round-trips", () => {
    const encoded = codec.encode(calls);
    const expected =
      '{"version":"1","chainId":"0x1","from":"0xsender","calls":[{"to":"0xrecipient","data":"0xdeadbeef","value":"0x0","gas":"0x5208","metadata":{"description":"Send funds","transactionType":"transfer","note":"test"}}],"capabilities":{"foo":"bar"}}';
    expect(contentText(encoded)).toBe(expected);
    expect(encoded.fallback).toBe(`[Transaction request generated]: ${expected}`);
    expect(codec.fallback(calls)).toBe(encoded.fallback);
    expect(codec.decode(encoded)).toEqual(calls);
  });

  it("reorders keys given in another order", () => {
    const shuffled = {
      calls: [
        {
          metadata: { note: "n", transactionType: "t", description: "d" },
          value: "0x1",
          to: "0xa",
        },
      ],
      from: "0xf",
      chainId: "0x2",
      version: "1",
    } as WalletSendCalls;
    expect(contentText(codec.encode(shuffled))).toBe(
      '{"version":"1","chainId":"0x2","from":"0xf","calls":[{"to":"0xa","value":"0x1","metadata":{"description":"d","transactionType":"t","note":"n"}}]}',
    );
  });

  it.each([
    ["calls that are not an array", '{"version":"1","chainId":"0x1","from":"0x","calls":{}}'],
    ["a numeric chainId", '{"version":"1","chainId":1,"from":"0x","calls":[]}'],
    [
      "metadata without description",
      '{"version":"1","chainId":"0x1","from":"0x","calls":[{"metadata":{"transactionType":"t"}}]}',
    ],
    [
      "a non-string metadata value",
      '{"version":"1","chainId":"0x1","from":"0x","calls":[{"metadata":{"description":"d","transactionType":"t","n":1}}]}',
    ],
    [
      "a non-string capability",
      '{"version":"1","chainId":"0x1","from":"0x","calls":[],"capabilities":{"a":true}}',
    ],
    ["invalid UTF-8", "\uFFFD"],
  ])("refuses %s with a typed error", (_, text) => {
    const encoded =
      text === "\uFFFD"
        ? createEncodedContent({
            type: ContentTypeWalletSendCalls,
            content: new Uint8Array([0x7b, 0xff, 0x7d]),
          })
        : json(ContentTypeWalletSendCalls, text);
    expect(() => codec.decode(encoded)).toThrow(ContentDecodeError);
  });
});

describe("ActionsCodec (coinbase.com/actions:1.0)", () => {
  const codec = new ActionsCodec();
  const actions: Actions = {
    id: "thanksgiving_selection",
    description: "Grandma is asking for your input on Thanksgiving",
    actions: [
      {
        id: "the_turkey_of_course",
        label: "The Turkey (of course)",
        imageUrl: "http://turkey-images.biz/the-one.jpg",
        style: "primary",
        expiresAt: undefined,
      },
      {
        id: "pork_loin",
        label: "Pork Loin",
        imageUrl: undefined,
        style: undefined,
        expiresAt: new Date(Date.UTC(2025, 0, 15, 12, 30, 45)),
      },
    ],
    expiresAt: new Date(Date.UTC(2025, 11, 31, 23, 59, 59)),
  };

  it("has coinbase.com's type id and libxmtp's numbered fallback", () => {
    expect(codec.contentType).toBe(ContentTypeActions);
    expect(codec.contentType.authorityId).toBe("coinbase.com");
    const encoded = codec.encode(actions);
    expect(encoded.fallback).toBe(
      "Grandma is asking for your input on Thanksgiving\n\n[1] The Turkey (of course)\n[2] Pork Loin\n\nReply with the number to select",
    );
    expect(codec.decode(encoded)).toEqual(actions);
  });

  it("writes times as UTC with milliseconds", () => {
    const text = contentText(codec.encode(actions));
    expect(text).toBe(
      '{"id":"thanksgiving_selection","description":"Grandma is asking for your input on Thanksgiving","actions":[{"id":"the_turkey_of_course","label":"The Turkey (of course)","imageUrl":"http://turkey-images.biz/the-one.jpg","style":"primary"},{"id":"pork_loin","label":"Pork Loin","expiresAt":"2025-01-15T12:30:45.000Z"}],"expiresAt":"2025-12-31T23:59:59.000Z"}',
    );
  });

  it("reads snake_case aliases and RFC 3339 offsets", () => {
    const decoded = codec.decode(
      json(
        ContentTypeActions,
        '{"id":"a","description":"d","actions":[{"id":"x","label":"X","image_url":"i","expires_at":"2025-06-15T12:30:45+02:00"}],"expires_at":"2025-06-15t10:30:45.123456z"}',
      ),
    );
    expect(decoded.actions[0]).toMatchObject({
      imageUrl: "i",
      expiresAt: new Date("2025-06-15T10:30:45.000Z"),
    });
    expect(decoded.expiresAt).toEqual(new Date("2025-06-15T10:30:45.123Z"));
  });

  it("refuses empty, oversized and duplicate action lists when encoding", () => {
    expect(() => codec.encode({ ...actions, actions: [] })).toThrow(/at least one action/);
    const many = Array.from({ length: 11 }, (_, i) => ({ id: `a${i}`, label: `A${i}` }));
    expect(() => codec.encode({ ...actions, actions: many })).toThrow(/cannot exceed 10/);
    expect(codec.encode({ ...actions, actions: many.slice(0, 10) }).fallback).toContain("[10] A9");
    const dup = [...actions.actions, { id: "pork_loin", label: "More Pork Loin" }];
    expect(() => codec.encode({ ...actions, actions: dup })).toThrow(ContentEncodeError);
    expect(() => codec.encode({ ...actions, expiresAt: new Date(Number.NaN) })).toThrow(
      ContentEncodeError,
    );
  });

  it.each([
    [
      "an unknown style",
      '{"id":"a","description":"d","actions":[{"id":"x","label":"X","style":"loud"}]}',
    ],
    ["a bad time", '{"id":"a","description":"d","actions":[],"expiresAt":"tomorrow"}'],
    [
      "an impossible date",
      '{"id":"a","description":"d","actions":[],"expiresAt":"2025-02-30T00:00:00Z"}',
    ],
    [
      "a time without zone",
      '{"id":"a","description":"d","actions":[],"expiresAt":"2025-02-01T00:00:00"}',
    ],
    ["a missing label", '{"id":"a","description":"d","actions":[{"id":"x"}]}'],
    ["truncated JSON", '{"id":"a","descr'],
  ])("refuses %s with a typed error", (_, text) => {
    expect(() => codec.decode(json(ContentTypeActions, text))).toThrow(ContentDecodeError);
  });

  it("parses RFC 3339 strictly", () => {
    expect(parseRfc3339("2025-12-25T23:59:59Z")).toEqual(
      new Date(Date.UTC(2025, 11, 25, 23, 59, 59)),
    );
    expect(parseRfc3339("2025-12-25 23:59:59.5-01:00")).toEqual(
      new Date(Date.UTC(2025, 11, 26, 0, 59, 59, 500)),
    );
    expect(parseRfc3339("2025-13-01T00:00:00Z")).toBeUndefined();
    expect(parseRfc3339("2025-12-25T23:59Z")).toBeUndefined();
  });
});

describe("IntentCodec (coinbase.com/intent:1.0)", () => {
  const codec = new IntentCodec();
  const intent = {
    id: "thanksgiving_selection",
    actionId: "the_turkey_of_course",
    metadata: { amount_for_yourself: "7lbs", hugs_from_grandma: true },
  };

  it("round-trips with libxmtp's fallback", () => {
    const encoded = codec.encode(intent);
    expect(encoded.type).toMatchObject({
      authorityId: "coinbase.com",
      typeId: "intent",
      versionMajor: 1,
    });
    expect(encoded.fallback).toBe("User selected action: the_turkey_of_course");
    expect(contentText(encoded)).toBe(
      '{"id":"thanksgiving_selection","actionId":"the_turkey_of_course","metadata":{"amount_for_yourself":"7lbs","hugs_from_grandma":true}}',
    );
    expect(codec.decode(encoded)).toEqual(intent);
    expect(codec.decode(codec.encode({ id: "i", actionId: "a" }))).toEqual({
      id: "i",
      actionId: "a",
      metadata: undefined,
    });
  });

  it("reads the action_id alias", () => {
    expect(codec.decode(json(ContentTypeIntent, '{"id":"i","action_id":"a"}')).actionId).toBe("a");
  });

  it("refuses metadata over 10 KiB when encoding", () => {
    expect(() =>
      codec.encode({ id: "i", actionId: "a", metadata: { big: "x".repeat(10 * 1024) } }),
    ).toThrow(/too large/);
    expect(
      codec.encode({ id: "i", actionId: "a", metadata: { big: "x".repeat(10 * 1024 - 10) } }),
    ).toBeDefined();
  });

  it.each([
    ["a missing actionId", '{"id":"i"}'],
    ["array metadata", '{"id":"i","actionId":"a","metadata":[1]}'],
    ["not an object", '"intent"'],
  ])("refuses %s with a typed error", (_, text) => {
    expect(() => codec.decode(json(ContentTypeIntent, text))).toThrow(ContentDecodeError);
  });

  it("refuses another content type", () => {
    expect(() =>
      codec.decode(
        new ActionsCodec().encode({
          id: "a",
          description: "d",
          actions: [{ id: "x", label: "X" }],
        }),
      ),
    ).toThrow(ContentTypeMismatchError);
  });
});
