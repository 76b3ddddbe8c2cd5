import { DbInputError } from "../errors.js";
import type { ConsentStore } from "../interfaces.js";
import { type ConsentEntityType, type ConsentRecord, type ConsentState, VALID } from "../types.js";
import { checkBigInt, checkEnum, checkInt, checkString, toBigInt, toNum } from "../values.js";
import { q, type StoreContext } from "./common.js";

function fromRow(r: {
  entity_type: number | bigint;
  entity: string;
  state: number | bigint;
  consented_at_ns: bigint | number | string;
}): ConsentRecord {
  return {
    entityType: toNum(r.entity_type) as ConsentEntityType,
    entity: r.entity,
    state: toNum(r.state) as ConsentState,
    consentedAtNs: toBigInt(r.consented_at_ns),
  };
}

/** Checks every record before anything is written (a bad one writes nothing). */
function checkedRows(records: readonly ConsentRecord[]) {
  if (!Array.isArray(records)) throw new DbInputError("records must be an array");
  return records.map((r, i) => ({
    entity_type: checkEnum<ConsentEntityType>(
      `records[${i}].entityType`,
      r.entityType,
      VALID.consentEntityType,
    ),
    entity: checkString(`records[${i}].entity`, r.entity, { nonEmpty: true }),
    state: checkEnum<ConsentState>(`records[${i}].state`, r.state, VALID.consentState),
    consented_at_ns: checkBigInt(`records[${i}].consentedAtNs`, r.consentedAtNs),
  }));
}

export class KyselyConsentStore implements ConsentStore {
  constructor(private readonly ctx: StoreContext) {}

  /** Newer wins; an equal time with a different state also replaces (last writer wins). */
  set(records: readonly ConsentRecord[]): Promise<ConsentRecord[]> {
    return this.upsert(records, true);
  }

  /** Strictly newer only: an equal time keeps what is stored (libxmtp's insert_newer). */
  insertNewer(records: readonly ConsentRecord[]): Promise<ConsentRecord[]> {
    return this.upsert(records, false);
  }

  /** Writes each record unless the stored one is newer; returns the records written. */
  private async upsert(
    records: readonly ConsentRecord[],
    equalTimeReplaces: boolean,
  ): Promise<ConsentRecord[]> {
    const rows = checkedRows(records);
    const written: ConsentRecord[] = [];
    for (const row of rows) {
      const r = await q(() =>
        this.ctx.db
          .insertInto("consent_records")
          .values(row)
          .onConflict((oc) =>
            oc
              .columns(["entity_type", "entity"])
              .doUpdateSet({ state: row.state, consented_at_ns: row.consented_at_ns })
              .where((eb) => {
                const older = eb("consent_records.consented_at_ns", "<", row.consented_at_ns);
                if (!equalTimeReplaces) return older;
                return eb.or([
                  older,
                  eb.and([
                    eb("consent_records.consented_at_ns", "=", row.consented_at_ns),
                    eb("consent_records.state", "<>", row.state),
                  ]),
                ]);
              }),
          )
          .executeTakeFirst(),
      );
      if (Number(r.numInsertedOrUpdatedRows ?? 0n) > 0) written.push(fromRow(row));
    }
    return written;
  }

  async listPage(options: {
    after?: { entityType: ConsentEntityType; entity: string };
    limit: number;
  }): Promise<ConsentRecord[]> {
    if (typeof options !== "object" || options === null) {
      throw new DbInputError("options must be an object");
    }
    const limit = checkInt("limit", options.limit, { min: 0 });
    let query = this.ctx.db.selectFrom("consent_records").selectAll();
    if (options.after !== undefined) {
      const type = checkEnum<ConsentEntityType>(
        "after.entityType",
        options.after.entityType,
        VALID.consentEntityType,
      );
      const entity = checkString("after.entity", options.after.entity);
      query = query.where((eb) =>
        eb.or([
          eb("entity_type", ">", type),
          eb.and([eb("entity_type", "=", type), eb("entity", ">", entity)]),
        ]),
      );
    }
    const rows = await q(() =>
      query.orderBy("entity_type").orderBy("entity").limit(limit).execute(),
    );
    return rows.map(fromRow);
  }

  async get(entityType: ConsentEntityType, entity: string): Promise<ConsentRecord | undefined> {
    checkEnum("entityType", entityType, VALID.consentEntityType);
    checkString("entity", entity);
    const row = await q(() =>
      this.ctx.db
        .selectFrom("consent_records")
        .selectAll()
        .where("entity_type", "=", entityType)
        .where("entity", "=", entity)
        .executeTakeFirst(),
    );
    return row ? fromRow(row) : undefined;
  }

  async list(
    filter: { entityType?: ConsentEntityType; states?: readonly ConsentState[] } = {},
  ): Promise<ConsentRecord[]> {
    let query = this.ctx.db.selectFrom("consent_records").selectAll();
    if (filter.entityType !== undefined) {
      query = query.where(
        "entity_type",
        "=",
        checkEnum("entityType", filter.entityType, VALID.consentEntityType),
      );
    }
    if (filter.states) {
      const states = filter.states.map((s) => checkEnum("states", s, VALID.consentState));
      if (states.length === 0) return [];
      query = query.where("state", "in", states);
    }
    const rows = await q(() => query.orderBy("entity_type").orderBy("entity").execute());
    return rows.map(fromRow);
  }
}
