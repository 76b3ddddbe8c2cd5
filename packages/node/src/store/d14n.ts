// Storage of the d14n service: its envelopes, sequence counters, clock, keys and address index,
// in tables of their own (the d14n network never sees v3 data, and the other way round).
import { type Kysely, sql, type Transaction } from "kysely";
import { yieldToOthers } from "../services/limits.js";
import { big, inboxIdsFor, inChunks } from "./queries.js";
import type { Database, Dialect } from "./schema.js";

export interface D14nEnvelopeRow {
  originatorId: number;
  sequenceId: bigint;
  originatorNs: bigint;
  topic: Uint8Array;
  /** The serialized OriginatorEnvelope. */
  envelope: Uint8Array;
}

export interface NewD14nEnvelope {
  originatorId: number;
  topic: Uint8Array;
  /** Builds the serialized OriginatorEnvelope once its sequence id and time are assigned. */
  build(sequenceId: bigint, originatorNs: bigint): Uint8Array;
  /** For identity updates: the Ethereum addresses the update associated and removed. */
  addresses?: { inboxId: string; added: string[]; removed: string[] };
}

export interface D14nQuery {
  /** Envelopes on these topics (or, without topics, of these originators; neither: all). */
  topics?: readonly Uint8Array[];
  originators?: readonly number[];
  /** Only envelopes with a sequence id above this (per originator; missing = 0). */
  lastSeen: ReadonlyMap<number, bigint>;
  limit: number;
}

export interface D14nKeys {
  /** Signs originator envelopes (the node's key, as registered in xmtpd's NodeRegistry). */
  nodeKey: Uint8Array;
  /** Signs payer envelopes (the gateway's key). */
  payerKey: Uint8Array;
}

const bytes = (v: Uint8Array) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
const hexKey = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
const counterName = (originatorId: number) => `originator:${originatorId}`;
const CLOCK = "clock_ns";

function row(r: {
  originator_id: bigint | number | string;
  sequence_id: bigint | number | string;
  originator_ns: bigint | number | string;
  topic: Uint8Array;
  originator_envelope: Uint8Array;
}): D14nEnvelopeRow {
  return {
    originatorId: Number(r.originator_id),
    sequenceId: big(r.sequence_id),
    originatorNs: big(r.originator_ns),
    topic: bytes(r.topic),
    envelope: bytes(r.originator_envelope),
  };
}

/** The order xmtpd serves: receive time, then originator, then sequence id. */
export function compareEnvelopeRows(a: D14nEnvelopeRow, b: D14nEnvelopeRow): number {
  if (a.originatorNs !== b.originatorNs) return a.originatorNs < b.originatorNs ? -1 : 1;
  if (a.originatorId !== b.originatorId) return a.originatorId - b.originatorId;
  return a.sequenceId < b.sequenceId ? -1 : a.sequenceId > b.sequenceId ? 1 : 0;
}

export class D14nStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  /** The node and payer keys: made by `generate` the first time, then read back. */
  async keys(generate: () => Uint8Array, nowNs: bigint): Promise<D14nKeys> {
    for (const name of ["node", "payer"]) {
      // Whoever inserts first wins; a concurrent starter reads the same keys back.
      await this.db
        .insertInto("d14n_keys")
        .values({ name, private_key: generate(), created_ns: nowNs })
        .onConflict((oc) => oc.column("name").doNothing())
        .execute();
    }
    const rows = await this.db.selectFrom("d14n_keys").select(["name", "private_key"]).execute();
    const get = (name: string) => {
      const r = rows.find((x) => x.name === name);
      if (!r) throw new Error(`d14n key ${name} is missing from the store`);
      return new Uint8Array(bytes(r.private_key));
    };
    return { nodeKey: get("node"), payerKey: get("payer") };
  }

  /** The last sequence id handed out per originator (originators never used are absent). */
  async sequences(): Promise<Map<number, bigint>> {
    const rows = await this.db
      .selectFrom("d14n_counters")
      .select(["name", "value"])
      .where("name", "like", "originator:%")
      .execute();
    return new Map(rows.map((r) => [Number(r.name.slice("originator:".length)), big(r.value)]));
  }

  /** The last originator_ns handed out (0 before the first envelope). */
  async lastNs(): Promise<bigint> {
    const r = await this.db
      .selectFrom("d14n_counters")
      .select("value")
      .where("name", "=", CLOCK)
      .executeTakeFirst();
    return r ? big(r.value) : 0n;
  }

  private async next(trx: Transaction<Database>, originatorId: number): Promise<bigint> {
    const r = await trx
      .insertInto("d14n_counters")
      .values({ name: counterName(originatorId), value: 1 })
      .onConflict((oc) =>
        oc.column("name").doUpdateSet({ value: sql<bigint>`d14n_counters.value + 1` }),
      )
      .returning("value")
      .executeTakeFirstOrThrow();
    return big(r.value);
  }

  private async tick(trx: Transaction<Database>, nowNs: bigint): Promise<bigint> {
    const greatest = sql.raw(this.dialect === "postgres" ? "greatest" : "max");
    const r = await trx
      .insertInto("d14n_counters")
      .values({ name: CLOCK, value: nowNs })
      .onConflict((oc) =>
        oc.column("name").doUpdateSet({
          value: sql<bigint>`${greatest}(excluded.value, d14n_counters.value + 1)`,
        }),
      )
      .returning("value")
      .executeTakeFirstOrThrow();
    return big(r.value);
  }

  /**
   * Sequences and stores envelopes in order, in one transaction: each gets the next sequence id
   * of its originator (contiguous from 1) and the next time of the node's clock
   * (`max(now, last + 1)`, so strictly increasing, also across restarts and processes sharing
   * a Postgres store: the counter rows are locked until the transaction ends).
   */
  async append(items: readonly NewD14nEnvelope[], nowNs: bigint): Promise<D14nEnvelopeRow[]> {
    return this.db.transaction().execute(async (trx) => {
      // Lock the clock row first: every writer then takes the counter rows in the same order
      // (clock, then originators), so two writers on one Postgres never deadlock.
      await trx
        .insertInto("d14n_counters")
        .values({ name: CLOCK, value: 0 })
        .onConflict((oc) =>
          oc.column("name").doUpdateSet({ value: sql<bigint>`d14n_counters.value` }),
        )
        .execute();
      const out: D14nEnvelopeRow[] = [];
      for (const item of items) {
        const sequenceId = await this.next(trx, item.originatorId);
        const originatorNs = await this.tick(trx, nowNs);
        const envelope = item.build(sequenceId, originatorNs);
        await trx
          .insertInto("d14n_envelopes")
          .values({
            originator_id: item.originatorId,
            sequence_id: sequenceId,
            originator_ns: originatorNs,
            topic: item.topic,
            originator_envelope: envelope,
          })
          .execute();
        if (item.addresses) await this.recordAddresses(trx, item.addresses, sequenceId);
        out.push({
          originatorId: item.originatorId,
          sequenceId,
          originatorNs,
          topic: item.topic,
          envelope,
        });
      }
      return out;
    });
  }

  private async recordAddresses(
    trx: Transaction<Database>,
    a: NonNullable<NewD14nEnvelope["addresses"]>,
    seq: bigint,
  ): Promise<void> {
    for (const address of a.added) {
      await trx
        .insertInto("d14n_address_log")
        .values({
          address,
          inbox_id: a.inboxId,
          association_sequence_id: seq,
          revocation_sequence_id: null,
        })
        .execute();
    }
    for (const address of a.removed) {
      await trx
        .updateTable("d14n_address_log")
        .set({ revocation_sequence_id: seq })
        .where("address", "=", address)
        .where("inbox_id", "=", a.inboxId)
        .where("revocation_sequence_id", "is", null)
        .execute();
    }
  }

  /** Envelopes matching `q`, in xmtpd's order, at most `q.limit`. */
  async query(q: D14nQuery): Promise<D14nEnvelopeRow[]> {
    const keys = [...q.lastSeen.keys()];
    const base = () => {
      let s = this.db.selectFrom("d14n_envelopes").selectAll();
      if (keys.length > 0) {
        s = s.where((eb) =>
          eb.or([
            eb("originator_id", "not in", keys),
            ...keys.map((k) =>
              eb.and([eb("originator_id", "=", k), eb("sequence_id", ">", q.lastSeen.get(k)!)]),
            ),
          ]),
        );
      }
      return s
        .orderBy("originator_ns", "asc")
        .orderBy("originator_id", "asc")
        .orderBy("sequence_id", "asc")
        .limit(q.limit);
    };
    if (q.topics && q.topics.length > 0) {
      const found: D14nEnvelopeRow[] = [];
      const parts = inChunks([...new Map(q.topics.map((t) => [hexKey(t), t])).values()]);
      for (const part of parts) {
        const rows = await base().where("topic", "in", part).execute();
        found.push(...rows.map(row));
        if (parts.length > 1) await yieldToOthers();
      }
      return found.sort(compareEnvelopeRows).slice(0, q.limit);
    }
    let s = base();
    if (q.originators && q.originators.length > 0) {
      s = s.where("originator_id", "in", [...new Set(q.originators)]);
    }
    return (await s.execute()).map(row);
  }

  /** The newest envelope (by receive time) of each topic, in request order. */
  async newest(topics: readonly Uint8Array[]): Promise<(D14nEnvelopeRow | undefined)[]> {
    const byTopic = new Map<string, D14nEnvelopeRow>();
    const unique = [...new Map(topics.map((t) => [hexKey(t), t])).values()];
    for (const part of inChunks(unique)) {
      // originator_ns is unique over the table, so the newest time names one row per topic.
      const rows = await this.db
        .selectFrom("d14n_envelopes")
        .selectAll()
        .where("topic", "in", part)
        .where("originator_ns", "in", (eb) =>
          eb
            .selectFrom("d14n_envelopes")
            .select((m) => m.fn.max("originator_ns").as("ns"))
            .where("topic", "in", part)
            .groupBy("topic"),
        )
        .execute();
      for (const r of rows) {
        const e = row(r);
        byTopic.set(hexKey(e.topic), e);
      }
      await yieldToOthers();
    }
    return topics.map((t) => byTopic.get(hexKey(t)));
  }

  /** Every envelope of one originator on one topic, by sequence id (e.g. an inbox's log). */
  async topicLog(topic: Uint8Array, originatorId: number): Promise<D14nEnvelopeRow[]> {
    const rows = await this.db
      .selectFrom("d14n_envelopes")
      .selectAll()
      .where("topic", "=", topic)
      .where("originator_id", "=", originatorId)
      .orderBy("sequence_id", "asc")
      .execute();
    return rows.map(row);
  }

  /** For each address, the inbox of its newest association that is not revoked. */
  inboxIdsFor(addresses: readonly string[]): Promise<(string | undefined)[]> {
    return inboxIdsFor(this.db, "d14n_address_log", addresses);
  }
}
