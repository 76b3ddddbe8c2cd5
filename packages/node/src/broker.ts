// In-process fan-out of newly stored rows to live subscriptions, keyed by topic
// (hex group id or hex installation key). The store assigns ids; publishers call `publish` in
// id order, after the rows are committed.

export type Listener<T> = (topic: string, item: T) => void;

export class Broker<T> {
  private readonly listeners = new Map<string, Set<Listener<T>>>();

  /** Registers `listener` for the topics; returns the function that removes it. */
  subscribe(topics: Iterable<string>, listener: Listener<T>): () => void {
    const keys = [...new Set(topics)];
    for (const topic of keys) {
      const set = this.listeners.get(topic) ?? new Set<Listener<T>>();
      this.listeners.set(topic, set);
      set.add(listener);
    }
    return () => {
      for (const topic of keys) {
        const set = this.listeners.get(topic);
        set?.delete(listener);
        if (set?.size === 0) this.listeners.delete(topic);
      }
    };
  }

  publish(topic: string, item: T): void {
    for (const listener of this.listeners.get(topic) ?? []) listener(topic, item);
  }

  /** Number of topics with at least one listener (for tests and metrics). */
  get topicCount(): number {
    return this.listeners.size;
  }
}
