import type { Selectable } from "kysely";
import { DbInputError, MlsStateVersionError } from "../errors.js";
import type { MlsStateStore } from "../interfaces.js";
import type { MlsKeyPackagesTable } from "../schema.js";
import type { MlsGroupState, MlsKeyPackageSecrets } from "../types.js";
import {
  checkBigInt,
  checkBytes,
  checkBytesOrNull,
  toBigInt,
  toBytes,
  toBytesOrNull,
} from "../values.js";
import { q, type StoreContext } from "./common.js";

/**
 * The first byte of every stored MLS blob. It names the format of what follows (today: the
 * serialization of the exactly pinned ts-mls version). Bump it, with a migration, when that
 * format changes, so an old build refuses new state instead of misreading it.
 */
export const MLS_STATE_FORMAT_VERSION = 1;

export function withVersion(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length + 1);
  out[0] = MLS_STATE_FORMAT_VERSION;
  out.set(bytes, 1);
  return out;
}

export function withoutVersion(stored: Uint8Array): Uint8Array {
  const version = stored[0];
  if (version !== MLS_STATE_FORMAT_VERSION) {
    throw new MlsStateVersionError(version, MLS_STATE_FORMAT_VERSION);
  }
  return stored.subarray(1);
}

function keyPackageFromRow(r: Selectable<MlsKeyPackagesTable>): MlsKeyPackageSecrets {
  return {
    hashRef: toBytes(r.hash_ref),
    initPublicKey: toBytes(r.init_public_key),
    postQuantumPublicKey: toBytesOrNull(r.post_quantum_public_key),
    secrets: withoutVersion(toBytes(r.secrets)),
    createdAtNs: toBigInt(r.created_at_ns),
  };
}

export class KyselyMlsStateStore implements MlsStateStore {
  constructor(private readonly ctx: StoreContext) {}

  async putGroupState(groupId: Uint8Array, epoch: bigint, state: Uint8Array): Promise<void> {
    const row = {
      group_id: checkBytes("groupId", groupId, { nonEmpty: true }),
      epoch: checkBigInt("epoch", epoch, { min: 0n }),
      state: withVersion(checkBytes("state", state, { nonEmpty: true })),
      updated_at_ns: BigInt(Date.now()) * 1_000_000n,
    };
    await q(() =>
      this.ctx.db
        .insertInto("mls_group_state")
        .values(row)
        .onConflict((oc) =>
          oc.column("group_id").doUpdateSet({
            epoch: row.epoch,
            state: row.state,
            updated_at_ns: row.updated_at_ns,
          }),
        )
        .execute(),
    );
  }

  async getGroupState(groupId: Uint8Array): Promise<MlsGroupState | undefined> {
    checkBytes("groupId", groupId);
    const row = await q(() =>
      this.ctx.db
        .selectFrom("mls_group_state")
        .selectAll()
        .where("group_id", "=", groupId)
        .executeTakeFirst(),
    );
    if (!row) return undefined;
    return {
      groupId: toBytes(row.group_id),
      epoch: toBigInt(row.epoch),
      state: withoutVersion(toBytes(row.state)),
    };
  }

  async deleteGroupState(groupId: Uint8Array): Promise<void> {
    checkBytes("groupId", groupId);
    await q(() =>
      this.ctx.db.deleteFrom("mls_group_state").where("group_id", "=", groupId).execute(),
    );
  }

  async putKeyPackage(kp: MlsKeyPackageSecrets): Promise<void> {
    if (typeof kp !== "object" || kp === null)
      throw new DbInputError("key package must be an object");
    const row = {
      hash_ref: checkBytes("hashRef", kp.hashRef, { nonEmpty: true }),
      init_public_key: checkBytes("initPublicKey", kp.initPublicKey, { nonEmpty: true }),
      post_quantum_public_key: checkBytesOrNull("postQuantumPublicKey", kp.postQuantumPublicKey),
      secrets: withVersion(checkBytes("secrets", kp.secrets, { nonEmpty: true })),
      created_at_ns: checkBigInt("createdAtNs", kp.createdAtNs),
    };
    await q(() => this.ctx.db.insertInto("mls_key_packages").values(row).execute());
  }

  async getKeyPackage(hashRef: Uint8Array): Promise<MlsKeyPackageSecrets | undefined> {
    checkBytes("hashRef", hashRef);
    const row = await q(() =>
      this.ctx.db
        .selectFrom("mls_key_packages")
        .selectAll()
        .where("hash_ref", "=", hashRef)
        .executeTakeFirst(),
    );
    return row ? keyPackageFromRow(row) : undefined;
  }

  async findKeyPackageByPublicKey(
    publicKey: Uint8Array,
  ): Promise<MlsKeyPackageSecrets | undefined> {
    checkBytes("publicKey", publicKey, { nonEmpty: true });
    const row = await q(() =>
      this.ctx.db
        .selectFrom("mls_key_packages")
        .selectAll()
        .where((eb) =>
          eb.or([
            eb("init_public_key", "=", publicKey),
            eb("post_quantum_public_key", "=", publicKey),
          ]),
        )
        .executeTakeFirst(),
    );
    return row ? keyPackageFromRow(row) : undefined;
  }

  async deleteKeyPackage(hashRef: Uint8Array): Promise<void> {
    checkBytes("hashRef", hashRef);
    await q(() =>
      this.ctx.db.deleteFrom("mls_key_packages").where("hash_ref", "=", hashRef).execute(),
    );
  }
}
