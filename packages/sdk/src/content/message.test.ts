import {
  CodecRegistry,
  ContentTypeReaction,
  ContentTypeReply,
  ContentTypeText,
  decodeContent,
  encodeContent,
  encodeContentMessage,
  MarkdownCodec,
  ReactionCodec,
  ReplyCodec,
  TextCodec,
} from "@x/content-types";
import type { DecodedMessage as MlsMessage } from "@x/mls";
import {
  MetadataPolicy_MetadataBasePolicy as D,
  MembershipPolicy_BasePolicy as M,
} from "@x/proto/mls/message_contents";
import { describe, expect, it } from "vitest";
import { mlsPermissions, policySetFrom } from "../conversations/permissions.js";
import { GroupPermissionsOptions, PermissionPolicy } from "../enums.js";
import { isContentOf, isMarkdown, isReaction, isReply, isText, isTextReply } from "./guards.js";
import { enrich, toSdkMessage } from "./message.js";

const codecs = CodecRegistry.withDefaults();

function mlsMessage(id: string, bytes: Uint8Array, sentAtNs = 1_000_000n): MlsMessage {
  const decoded = decodeContent(codecs, bytes);
  return {
    id,
    conversationId: "c0",
    senderInboxId: "inbox",
    senderInstallationId: "inst",
    sentAtNs,
    kind: "application",
    deliveryStatus: "published",
    contentType: decoded.contentType,
    content: decoded.kind === "decoded" ? decoded.content : undefined,
    fallback: decoded.fallback,
    decoded,
  };
}

const text = (id: string, t: string, at?: bigint) =>
  toSdkMessage(mlsMessage(id, encodeContent(new TextCodec(), t), at), codecs);

describe("messages", () => {
  it("carry node-sdk's fields (sentAt as a Date, reactions, numReplies)", () => {
    const m = text("aa", "hi", 1_700_000_000_123_000_000n);
    expect(m.sentAt.toISOString()).toBe("2023-11-14T22:13:20.123Z");
    expect(m).toMatchObject({ content: "hi", reactions: [], numReplies: 0, kind: "application" });
    expect(isText(m)).toBe(true);
    expect(isMarkdown(m)).toBe(false);
  });

  it("replies decode their own content; enrich attaches the message replied to", async () => {
    const target = text("aa", "question");
    const replyBytes = encodeContent(new ReplyCodec(), {
      reference: "aa",
      referenceInboxId: "inbox",
      content: encodeContentMessage(new TextCodec(), "answer"),
    });
    const reply = toSdkMessage(mlsMessage("bb", replyBytes), codecs);
    expect(isReply(reply)).toBe(true);
    expect(isTextReply(reply)).toBe(true);
    expect(reply.content).toMatchObject({ referenceId: "aa", content: "answer", inReplyTo: null });
    const reaction = toSdkMessage(
      mlsMessage(
        "cc",
        encodeContent(new ReactionCodec(), {
          reference: "aa",
          referenceInboxId: "inbox",
          action: "added",
          content: "👍",
          schema: "unicode",
        }),
      ),
      codecs,
    );
    expect(isReaction(reaction)).toBe(true);
    const page = await enrich([target, reply], [reply, reaction], async () => undefined);
    expect(page[0]!.reactions.map((r) => r.id)).toEqual(["cc"]);
    expect(page[0]!.numReplies).toBe(1);
    expect(isReply(page[1]!) && page[1].content?.inReplyTo?.id).toBe("aa");
  });

  it("a reply to a message outside the page is looked up", async () => {
    const replyBytes = encodeContent(new ReplyCodec(), {
      reference: "dd",
      content: encodeContentMessage(new MarkdownCodec(), "**x**"),
    });
    const reply = toSdkMessage(mlsMessage("ee", replyBytes), codecs);
    expect(isTextReply(reply)).toBe(false);
    const old = text("dd", "old");
    await enrich([reply], [], async (id) => (id === "dd" ? old : undefined));
    expect(isReply(reply) && reply.content?.inReplyTo).toBe(old);
  });

  it("isContentOf narrows to a codec's type", () => {
    const m = text("aa", "hi");
    expect(isContentOf(m, new TextCodec())).toBe(true);
    expect(isContentOf(m, new ReactionCodec())).toBe(false);
    expect(ContentTypeReply.typeId).toBe("reply");
    expect(ContentTypeReaction.versionMajor).toBe(2);
    expect(ContentTypeText.typeId).toBe("text");
  });
});

describe("group permissions", () => {
  it("map node-sdk's presets to @x/mls's", () => {
    expect(mlsPermissions(undefined, undefined)).toBeUndefined();
    expect(mlsPermissions(GroupPermissionsOptions.Default, undefined)).toBe("all_members");
    expect(mlsPermissions(GroupPermissionsOptions.AdminOnly, undefined)).toBe("admin_only");
    expect(mlsPermissions(1, undefined)).toBe("admin_only"); // node-bindings' number
    expect(() => mlsPermissions("everyone", undefined)).toThrow(/GroupPermissionsOptions/);
  });

  it("build a custom policy set, the disappearing policy on both of its fields", () => {
    const custom = {
      addMemberPolicy: PermissionPolicy.Admin,
      removeMemberPolicy: PermissionPolicy.SuperAdmin,
      addAdminPolicy: PermissionPolicy.SuperAdmin,
      removeAdminPolicy: PermissionPolicy.SuperAdmin,
      updateGroupNamePolicy: PermissionPolicy.Deny,
      updateGroupDescriptionPolicy: PermissionPolicy.Allow,
      updateGroupImageUrlSquarePolicy: PermissionPolicy.Admin,
      updateMessageDisappearingPolicy: PermissionPolicy.SuperAdmin,
    };
    const set = policySetFrom(custom);
    expect(set.addMemberPolicy?.kind).toEqual({
      case: "base",
      value: M.ALLOW_IF_ADMIN_OR_SUPER_ADMIN,
    });
    expect(set.removeMemberPolicy?.kind).toEqual({ case: "base", value: M.ALLOW_IF_SUPER_ADMIN });
    expect(set.updateMetadataPolicy.group_name?.kind).toEqual({ case: "base", value: D.DENY });
    for (const f of ["message_disappear_from_ns", "message_disappear_in_ns"]) {
      expect(set.updateMetadataPolicy[f]?.kind).toEqual({
        case: "base",
        value: D.ALLOW_IF_SUPER_ADMIN,
      });
    }
    expect(set.updateMetadataPolicy.app_data?.kind).toEqual({ case: "base", value: D.ALLOW });
    // libxmtp has no "allow" for admin-list changes.
    expect(() => policySetFrom({ ...custom, addAdminPolicy: PermissionPolicy.Allow })).toThrow(
      /customPermissionPolicySet.addAdminPolicy/,
    );
    expect(() => mlsPermissions(GroupPermissionsOptions.CustomPolicy, undefined)).toThrow(
      /customPermissionPolicySet/,
    );
  });
});
