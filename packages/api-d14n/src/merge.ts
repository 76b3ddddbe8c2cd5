// Interleaves several async iterables into one, in arrival order. The first error ends the
// merge (after closing the others); ending the merged iterator early asks every source to close (abort their calls to be sure).

export async function* merge<T>(sources: readonly AsyncIterable<T>[]): AsyncGenerator<T> {
  if (sources.length === 1) {
    yield* sources[0] as AsyncIterable<T>;
    return;
  }
  const iterators = sources.map((s) => s[Symbol.asyncIterator]());
  type Next = { i: number; r: IteratorResult<T> };
  const pending = new Map<number, Promise<Next>>();
  const pull = (i: number) =>
    pending.set(
      i,
      (iterators[i] as AsyncIterator<T>).next().then((r) => ({ i, r })),
    );
  iterators.forEach((_, i) => {
    pull(i);
  });
  try {
    while (pending.size > 0) {
      const { i, r } = await Promise.race(pending.values());
      if (r.done) {
        pending.delete(i);
        continue;
      }
      pull(i);
      yield r.value;
    }
  } finally {
    // Outstanding next() calls are left to settle (the caller aborts the sources' calls);
    // return() is not awaited, as it waits behind a pending next() on a live stream.
    for (const [i, p] of pending) {
      p.catch(() => {});
      iterators[i]?.return?.()?.catch(() => {});
    }
  }
}
