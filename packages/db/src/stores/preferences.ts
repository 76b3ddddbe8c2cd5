import type { PreferencesStore } from "../interfaces.js";
import type { UserPreferences } from "../types.js";
import {
  checkBigInt,
  checkBool,
  checkBytes,
  fromBool,
  toBigIntOrNull,
  toBool,
  toBytesOrNull,
} from "../values.js";
import { q, type StoreContext } from "./common.js";

export class KyselyPreferencesStore implements PreferencesStore {
  constructor(private readonly ctx: StoreContext) {}

  async get(): Promise<UserPreferences> {
    const row = await q(() =>
      this.ctx.db.selectFrom("user_preferences").selectAll().where("id", "=", 1).executeTakeFirst(),
    );
    return {
      hmacKey: toBytesOrNull(row?.hmac_key),
      hmacKeyCycledAtNs: toBigIntOrNull(row?.hmac_key_cycled_at_ns),
      dmGroupUpdatesMigrated: row ? toBool(row.dm_group_updates_migrated) : false,
    };
  }

  async setHmacKey(key: Uint8Array, cycledAtNs: bigint): Promise<void> {
    const hmacKey = checkBytes("key", key, { nonEmpty: true });
    const at = checkBigInt("cycledAtNs", cycledAtNs);
    await this.upsert({ hmac_key: hmacKey, hmac_key_cycled_at_ns: at });
  }

  async setDmGroupUpdatesMigrated(done: boolean): Promise<void> {
    await this.upsert({ dm_group_updates_migrated: fromBool(checkBool("done", done)) });
  }

  private async upsert(set: {
    hmac_key?: Uint8Array;
    hmac_key_cycled_at_ns?: bigint;
    dm_group_updates_migrated?: number;
  }): Promise<void> {
    await q(() =>
      this.ctx.db
        .insertInto("user_preferences")
        .values({ id: 1, dm_group_updates_migrated: 0, ...set })
        .onConflict((oc) => oc.column("id").doUpdateSet(set))
        .execute(),
    );
  }
}
