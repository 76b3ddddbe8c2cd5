// Decoded group states kept in memory, so reading a group's state does not decode the stored
// bytes again on every message (ts-mls decoding costs about a millisecond per message).
//
// The database stays the source of truth: an entry is used only while the stored bytes are
// exactly the bytes it was decoded from or encoded to. A transaction that rolled back, or a
// write made elsewhere (another client object on the same database), simply misses the cache.
// ts-mls states are immutable values (operations return new states), so sharing one is safe.
import type { ClientState } from "ts-mls";
import { deserializeGroupState } from "../engine/index.js";

/** Groups whose decoded state is kept (least recently used first out). */
export const STATE_CACHE_SIZE = 64;

interface Entry {
  bytes: Uint8Array;
  state: ClientState;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class GroupStateCache {
  readonly #entries = new Map<string, Entry>();

  constructor(private readonly size = STATE_CACHE_SIZE) {}

  /** The state stored as `bytes` for a group (hex id): the kept one if the bytes match. */
  decode(groupId: string, bytes: Uint8Array): ClientState {
    const hit = this.#entries.get(groupId);
    if (hit !== undefined && sameBytes(hit.bytes, bytes)) {
      this.#touch(groupId, hit);
      return hit.state;
    }
    const state = deserializeGroupState(bytes);
    this.#touch(groupId, { bytes, state });
    return state;
  }

  /** Keeps `state` as the one encoded to `bytes` (used only once the database holds them). */
  remember(groupId: string, bytes: Uint8Array, state: ClientState): void {
    this.#touch(groupId, { bytes, state });
  }

  get entries(): number {
    return this.#entries.size;
  }

  #touch(groupId: string, entry: Entry): void {
    this.#entries.delete(groupId);
    this.#entries.set(groupId, entry);
    if (this.#entries.size > this.size) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }
}

const caches = new WeakMap<object, GroupStateCache>();

/** The cache of one database object (keyed weakly: it goes with the database). */
export function stateCacheOf(db: object): GroupStateCache {
  let cache = caches.get(db);
  if (cache === undefined) {
    cache = new GroupStateCache();
    caches.set(db, cache);
  }
  return cache;
}
