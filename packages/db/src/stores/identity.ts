import { DbConflictError, DbNotFoundError } from "../errors.js";
import type { IdentityStore } from "../interfaces.js";
import { type Cursor, RegistrationState, type StoredIdentity, VALID } from "../types.js";
import {
  checkBigIntOrNull,
  checkBytes,
  checkCursor,
  checkCursorOrNull,
  checkEnum,
  checkString,
  cursorOrNull,
  toBigIntOrNull,
  toBytes,
  toNum,
} from "../values.js";
import { changed, q, type StoreContext } from "./common.js";

export class KyselyIdentityStore implements IdentityStore {
  constructor(private readonly ctx: StoreContext) {}

  async get(): Promise<StoredIdentity | undefined> {
    const row = await q(() =>
      this.ctx.db.selectFrom("identity").selectAll().where("id", "=", 1).executeTakeFirst(),
    );
    if (!row) return undefined;
    return {
      inboxId: row.inbox_id,
      installationKeys: toBytes(row.installation_keys),
      credentialBytes: toBytes(row.credential_bytes),
      registrationState: toNum(row.registration_state) as RegistrationState,
      registrationCursor: cursorOrNull(
        row.registration_originator_id,
        row.registration_sequence_id,
      ),
      nextKeyPackageRotationNs: toBigIntOrNull(row.next_key_package_rotation_ns),
    };
  }

  async create(identity: StoredIdentity): Promise<void> {
    const cursor = checkCursorOrNull("registrationCursor", identity.registrationCursor);
    const row = {
      id: 1,
      inbox_id: checkString("inboxId", identity.inboxId, { nonEmpty: true }),
      installation_keys: checkBytes("installationKeys", identity.installationKeys, {
        nonEmpty: true,
      }),
      credential_bytes: checkBytes("credentialBytes", identity.credentialBytes),
      registration_state: checkEnum<RegistrationState>(
        "registrationState",
        identity.registrationState,
        VALID.registrationState,
      ),
      registration_originator_id: cursor?.originatorId ?? null,
      registration_sequence_id: cursor?.sequenceId ?? null,
      next_key_package_rotation_ns: checkBigIntOrNull(
        "nextKeyPackageRotationNs",
        identity.nextKeyPackageRotationNs,
      ),
    };
    try {
      await q(() => this.ctx.db.insertInto("identity").values(row).execute());
    } catch (err) {
      if (err instanceof DbConflictError) {
        throw new DbConflictError(
          "an identity is stored already; this database belongs to one installation",
          err,
        );
      }
      throw err;
    }
  }

  async setRegistered(cursor: Cursor): Promise<void> {
    checkCursor("cursor", cursor);
    await this.update({
      registration_state: RegistrationState.Registered,
      registration_originator_id: cursor.originatorId,
      registration_sequence_id: cursor.sequenceId,
    });
  }

  async setNextKeyPackageRotationNs(ns: bigint | null): Promise<void> {
    await this.update({ next_key_package_rotation_ns: checkBigIntOrNull("ns", ns) });
  }

  private async update(set: {
    registration_state?: number;
    registration_originator_id?: number;
    registration_sequence_id?: bigint;
    next_key_package_rotation_ns?: bigint | null;
  }): Promise<void> {
    const result = await q(() =>
      this.ctx.db.updateTable("identity").set(set).where("id", "=", 1).executeTakeFirst(),
    );
    if (changed(result) === 0) throw new DbNotFoundError("no identity is stored; create it first");
  }
}
