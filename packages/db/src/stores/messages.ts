import { type Selectable, sql } from "kysely";
import { DbInputError, DbNotFoundError } from "../errors.js";
import type { MessageArchivePageOptions, MessageListOptions, MessageStore } from "../interfaces.js";
import type { GroupMessagesTable } from "../schema.js";
import {
  type ContentType,
  type Cursor,
  type DeliveryStatus,
  MessageKind,
  type StoredMessage,
  VALID,
} from "../types.js";
import {
  checkBigInt,
  checkBigIntOrNull,
  checkBool,
  checkBytes,
  checkBytesOrNull,
  checkCursor,
  checkEnum,
  checkInt,
  checkLimit,
  checkString,
  fromBool,
  toBigInt,
  toBigIntOrNull,
  toBool,
  toBytes,
  toBytesOrNull,
  toNum,
} from "../values.js";
import { changed, q, type StoreContext } from "./common.js";

export function messageFromRow(row: Selectable<GroupMessagesTable>): StoredMessage {
  return {
    id: toBytes(row.id),
    groupId: toBytes(row.group_id),
    decryptedMessageBytes: toBytes(row.decrypted_message_bytes),
    sentAtNs: toBigInt(row.sent_at_ns),
    kind: toNum(row.kind) as MessageKind,
    senderInstallationId: toBytes(row.sender_installation_id),
    senderInboxId: row.sender_inbox_id,
    deliveryStatus: toNum(row.delivery_status) as DeliveryStatus,
    contentType: toNum(row.content_type) as ContentType,
    authorityId: row.authority_id,
    versionMajor: toNum(row.version_major),
    versionMinor: toNum(row.version_minor),
    referenceId: toBytesOrNull(row.reference_id),
    originatorId: toNum(row.originator_id),
    sequenceId: toBigInt(row.sequence_id),
    insertedAtNs: toBigInt(row.inserted_at_ns),
    expireAtNs: toBigIntOrNull(row.expire_at_ns),
    shouldPush: toBool(row.should_push),
    idempotencyKey: row.idempotency_key,
  };
}

function toRow(m: StoredMessage) {
  if (typeof m !== "object" || m === null) throw new DbInputError("message must be an object");
  return {
    id: checkBytes("id", m.id, { nonEmpty: true }),
    group_id: checkBytes("groupId", m.groupId, { nonEmpty: true }),
    decrypted_message_bytes: checkBytes("decryptedMessageBytes", m.decryptedMessageBytes),
    sent_at_ns: checkBigInt("sentAtNs", m.sentAtNs),
    kind: checkEnum<MessageKind>("kind", m.kind, VALID.messageKind),
    sender_installation_id: checkBytes("senderInstallationId", m.senderInstallationId),
    sender_inbox_id: checkString("senderInboxId", m.senderInboxId),
    delivery_status: checkEnum<DeliveryStatus>(
      "deliveryStatus",
      m.deliveryStatus,
      VALID.deliveryStatus,
    ),
    content_type: checkEnum<ContentType>("contentType", m.contentType, VALID.contentType),
    authority_id: checkString("authorityId", m.authorityId),
    version_major: checkInt("versionMajor", m.versionMajor, { min: 0 }),
    version_minor: checkInt("versionMinor", m.versionMinor, { min: 0 }),
    reference_id: checkBytesOrNull("referenceId", m.referenceId),
    originator_id: checkInt("originatorId", m.originatorId, { min: 0 }),
    sequence_id: checkBigInt("sequenceId", m.sequenceId, { min: 0n }),
    inserted_at_ns: checkBigInt("insertedAtNs", m.insertedAtNs),
    expire_at_ns: checkBigIntOrNull("expireAtNs", m.expireAtNs),
    should_push: fromBool(checkBool("shouldPush", m.shouldPush)),
    idempotency_key: checkString("idempotencyKey", m.idempotencyKey),
  };
}

export class KyselyMessageStore implements MessageStore {
  constructor(private readonly ctx: StoreContext) {}

  async insert(message: StoredMessage): Promise<void> {
    const row = toRow(message);
    await q(() => this.ctx.db.insertInto("group_messages").values(row).execute());
    await this.bumpLastMessage(row);
  }

  async insertOrIgnore(message: StoredMessage): Promise<boolean> {
    const row = toRow(message);
    const r = await q(() =>
      this.ctx.db
        .insertInto("group_messages")
        .values(row)
        .onConflict((oc) => oc.column("id").doNothing())
        .executeTakeFirst(),
    );
    const inserted = Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
    if (inserted) await this.bumpLastMessage(row);
    return inserted;
  }

  /** Application messages move the group's last_message_ns forward (conversation ordering). */
  private async bumpLastMessage(row: { group_id: Uint8Array; kind: number; sent_at_ns: bigint }) {
    if (row.kind !== MessageKind.Application) return;
    await q(() =>
      this.ctx.db
        .updateTable("groups")
        .set({ last_message_ns: row.sent_at_ns })
        .where("id", "=", row.group_id)
        .where((eb) =>
          eb.or([eb("last_message_ns", "is", null), eb("last_message_ns", "<", row.sent_at_ns)]),
        )
        .execute(),
    );
  }

  async get(id: Uint8Array): Promise<StoredMessage | undefined> {
    checkBytes("id", id);
    const row = await q(() =>
      this.ctx.db.selectFrom("group_messages").selectAll().where("id", "=", id).executeTakeFirst(),
    );
    return row ? messageFromRow(row) : undefined;
  }

  async list(groupId: Uint8Array, options: MessageListOptions = {}): Promise<StoredMessage[]> {
    checkBytes("groupId", groupId);
    const limit = checkLimit(options.limit);
    const direction = options.direction ?? "asc";
    if (direction !== "asc" && direction !== "desc") {
      throw new DbInputError(`direction must be "asc" or "desc", got ${String(direction)}`);
    }
    let query = this.ctx.db
      .selectFrom("group_messages")
      .selectAll()
      .where("group_id", "=", groupId);
    if (options.sentAfterNs !== undefined) {
      query = query.where("sent_at_ns", ">", checkBigInt("sentAfterNs", options.sentAfterNs));
    }
    if (options.sentBeforeNs !== undefined) {
      query = query.where("sent_at_ns", "<", checkBigInt("sentBeforeNs", options.sentBeforeNs));
    }
    if (options.kinds) {
      const kinds = options.kinds.map((k) => checkEnum("kinds", k, VALID.messageKind));
      if (kinds.length === 0) return [];
      query = query.where("kind", "in", kinds);
    }
    if (options.contentTypes) {
      const types = options.contentTypes.map((t) =>
        checkEnum("contentTypes", t, VALID.contentType),
      );
      if (types.length === 0) return [];
      query = query.where("content_type", "in", types);
    }
    if (options.unexpiredAt !== undefined) {
      const at = checkBigInt("unexpiredAt", options.unexpiredAt);
      query = query.where((eb) =>
        eb.or([eb("expire_at_ns", "is", null), eb("expire_at_ns", ">", at)]),
      );
    }
    if (options.deliveryStatus !== undefined) {
      query = query.where(
        "delivery_status",
        "=",
        checkEnum("deliveryStatus", options.deliveryStatus, VALID.deliveryStatus),
      );
    }
    // Uses the (group_id, sent_at_ns) index in either direction. Equal timestamps (a v3 node
    // stamps in milliseconds) go in the node's order, so every member lists them alike.
    query = query.orderBy("sent_at_ns", direction).orderBy("sequence_id", direction);
    if (limit !== undefined) query = query.limit(limit);
    const rows = await q(() => query.execute());
    return rows.map(messageFromRow);
  }

  latest(groupId: Uint8Array, limit: number): Promise<StoredMessage[]> {
    return this.list(groupId, { direction: "desc", limit: checkInt("limit", limit, { min: 0 }) });
  }

  async findByReference(ids: readonly Uint8Array[]): Promise<StoredMessage[]> {
    if (!Array.isArray(ids)) throw new DbInputError("ids must be an array");
    for (const [i, id] of ids.entries()) checkBytes(`ids[${i}]`, id);
    if (ids.length === 0) return [];
    const rows = await q(() =>
      this.ctx.db
        .selectFrom("group_messages")
        .selectAll()
        .where("reference_id", "in", [...ids])
        .orderBy("sent_at_ns", "asc")
        .execute(),
    );
    return rows.map(messageFromRow);
  }

  async count(groupId: Uint8Array): Promise<number> {
    checkBytes("groupId", groupId);
    const row = await q(() =>
      this.ctx.db
        .selectFrom("group_messages")
        .select(sql<number | bigint | string>`count(*)`.as("n"))
        .where("group_id", "=", groupId)
        .executeTakeFirstOrThrow(),
    );
    return toNum(row.n);
  }

  async setPublished(
    id: Uint8Array,
    cursor: Cursor,
    sentAtNs?: bigint,
    expireAtNs?: bigint,
  ): Promise<void> {
    checkBytes("id", id);
    checkCursor("cursor", cursor);
    const set: {
      delivery_status: number;
      originator_id: number;
      sequence_id: bigint;
      sent_at_ns?: bigint;
      expire_at_ns?: bigint;
    } = {
      delivery_status: 2,
      originator_id: cursor.originatorId,
      sequence_id: cursor.sequenceId,
    };
    if (sentAtNs !== undefined) set.sent_at_ns = checkBigInt("sentAtNs", sentAtNs);
    if (expireAtNs !== undefined) set.expire_at_ns = checkBigInt("expireAtNs", expireAtNs);
    const r = await q(() =>
      this.ctx.db.updateTable("group_messages").set(set).where("id", "=", id).executeTakeFirst(),
    );
    if (changed(r) === 0) throw new DbNotFoundError("no message with this id");
  }

  async setDeliveryStatus(id: Uint8Array, status: DeliveryStatus): Promise<void> {
    checkBytes("id", id);
    const s = checkEnum<DeliveryStatus>("status", status, VALID.deliveryStatus);
    const r = await q(() =>
      this.ctx.db
        .updateTable("group_messages")
        .set({ delivery_status: s })
        .where("id", "=", id)
        .executeTakeFirst(),
    );
    if (changed(r) === 0) throw new DbNotFoundError("no message with this id");
  }

  async delete(id: Uint8Array): Promise<boolean> {
    checkBytes("id", id);
    const r = await q(() =>
      this.ctx.db.deleteFrom("group_messages").where("id", "=", id).executeTakeFirst(),
    );
    return changed(r) > 0;
  }

  async deleteExpired(nowNs: bigint): Promise<number> {
    checkBigInt("nowNs", nowNs);
    const r = await q(() =>
      this.ctx.db
        .deleteFrom("group_messages")
        .where("expire_at_ns", "is not", null)
        .where("expire_at_ns", "<=", nowNs)
        .executeTakeFirst(),
    );
    return changed(r);
  }

  async listForArchive(options: MessageArchivePageOptions): Promise<StoredMessage[]> {
    if (typeof options !== "object" || options === null) {
      throw new DbInputError("options must be an object");
    }
    const limit = checkInt("limit", options.limit, { min: 0 });
    let query = this.ctx.db.selectFrom("group_messages").selectAll();
    if (options.afterId !== undefined) {
      query = query.where("id", ">", checkBytes("afterId", options.afterId));
    }
    if (options.sentAfterNs !== undefined) {
      query = query.where("sent_at_ns", ">", checkBigInt("sentAfterNs", options.sentAfterNs));
    }
    if (options.sentBeforeNs !== undefined) {
      query = query.where("sent_at_ns", "<", checkBigInt("sentBeforeNs", options.sentBeforeNs));
    }
    if (options.kinds) {
      const kinds = options.kinds.map((k) => checkEnum("kinds", k, VALID.messageKind));
      if (kinds.length === 0) return [];
      query = query.where("kind", "in", kinds);
    }
    if (options.unexpiredAt !== undefined) {
      const at = checkBigInt("unexpiredAt", options.unexpiredAt);
      query = query.where((eb) =>
        eb.or([eb("expire_at_ns", "is", null), eb("expire_at_ns", ">", at)]),
      );
    }
    if (
      options.excludeExpiring !== undefined &&
      checkBool("excludeExpiring", options.excludeExpiring)
    ) {
      query = query.where("expire_at_ns", "is", null);
    }
    if (options.excludeGroupTypes) {
      const types = options.excludeGroupTypes.map((t) =>
        checkEnum("excludeGroupTypes", t, VALID.conversationType),
      );
      if (types.length > 0) {
        query = query.where("group_id", "not in", (eb) =>
          eb
            .selectFrom("groups")
            .select("groups.id")
            .where("groups.conversation_type", "in", types),
        );
      }
    }
    // The primary key's order: blobs and bytea both compare bytewise.
    const rows = await q(() => query.orderBy("id", "asc").limit(limit).execute());
    return rows.map(messageFromRow);
  }
}
