// A small least-recently-used map from byte strings to promised values, for results that cost
// a WebCrypto import or an X25519 multiplication and are asked for again with the same bytes.
import { toHex } from "@x/crypto";

export class KeptByBytes<T> {
  readonly #kept = new Map<string, Promise<T>>();

  constructor(private readonly size: number) {}

  /** The kept value for `bytes`, or `load()`'s (kept unless it rejects). */
  get(bytes: Uint8Array, load: () => Promise<T>): Promise<T> {
    const id = toHex(bytes);
    let value = this.#kept.get(id);
    if (value !== undefined) {
      this.#kept.delete(id);
    } else {
      value = load();
      value.catch(() => this.#kept.delete(id));
    }
    this.#kept.set(id, value);
    if (this.#kept.size > this.size) {
      const oldest = this.#kept.keys().next().value;
      if (oldest !== undefined) this.#kept.delete(oldest);
    }
    return value;
  }
}
