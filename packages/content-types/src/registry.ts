import type { ContentCodec } from "./codec.js";
import { ActionsCodec } from "./codecs/actions.js";
import { AttachmentCodec } from "./codecs/attachment.js";
import { IntentCodec } from "./codecs/intent.js";
import { MultiRemoteAttachmentCodec } from "./codecs/multi-remote-attachment.js";
import { LegacyReactionCodec, ReactionCodec } from "./codecs/reaction.js";
import { ReadReceiptCodec } from "./codecs/read-receipt.js";
import { RemoteAttachmentCodec } from "./codecs/remote-attachment.js";
import { ReplyCodec } from "./codecs/reply.js";
import {
  DeleteMessageCodec,
  GroupMembershipChangeCodec,
  GroupUpdatedCodec,
  LeaveRequestCodec,
} from "./codecs/system.js";
import { MarkdownCodec, TextCodec } from "./codecs/text.js";
import { TransactionReferenceCodec } from "./codecs/transaction-reference.js";
import { WalletSendCallsCodec } from "./codecs/wallet-send-calls.js";
import { type ContentTypeId, contentTypeKey } from "./content-type-id.js";

/** A fresh instance of every built-in codec, libxmtp's set. */
export function defaultCodecs(): ContentCodec<unknown>[] {
  return [
    new TextCodec(),
    new MarkdownCodec(),
    new ReactionCodec(),
    new LegacyReactionCodec(),
    new ReplyCodec(),
    new ReadReceiptCodec(),
    new AttachmentCodec(),
    new RemoteAttachmentCodec(),
    new MultiRemoteAttachmentCodec(),
    new TransactionReferenceCodec(),
    new WalletSendCallsCodec(),
    new ActionsCodec(),
    new IntentCodec(),
    new GroupUpdatedCodec(),
    new GroupMembershipChangeCodec(),
    new LeaveRequestCodec(),
    new DeleteMessageCodec(),
  ];
}

/**
 * Codecs by authority, type and major version (minor versions are compatible by definition).
 * Registering a codec for a key that is taken replaces the old one, so an application can
 * override a built-in codec.
 */
export class CodecRegistry {
  readonly #codecs = new Map<string, ContentCodec<unknown>>();

  constructor(codecs: Iterable<ContentCodec<unknown>> = []) {
    for (const codec of codecs) this.register(codec);
  }

  /** A registry holding the built-in codecs, then `extra` (which may replace built-ins). */
  static withDefaults(extra: Iterable<ContentCodec<unknown>> = []): CodecRegistry {
    const registry = new CodecRegistry(defaultCodecs());
    for (const codec of extra) registry.register(codec);
    return registry;
  }

  register(codec: ContentCodec<unknown>): this {
    this.#codecs.set(contentTypeKey(codec.contentType), codec);
    return this;
  }

  codecFor(contentType: ContentTypeId): ContentCodec<unknown> | undefined {
    return this.#codecs.get(contentTypeKey(contentType));
  }

  has(contentType: ContentTypeId): boolean {
    return this.#codecs.has(contentTypeKey(contentType));
  }

  codecs(): ContentCodec<unknown>[] {
    return [...this.#codecs.values()];
  }
}
