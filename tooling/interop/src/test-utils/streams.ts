// Helpers for stream tests: record what a stream yields in the background, read texts, wait.
import type { DecodedMessage, Stream } from "@x/mls";

export interface Recording<T> {
  values: T[];
  /** Settles when the stream has ended (rejects if the stream failed). */
  finished: Promise<void>;
}

/** Consumes `stream` with for-await in the background, keeping every value. */
export function record<T>(stream: Stream<T>): Recording<T> {
  const values: T[] = [];
  const finished = (async () => {
    for await (const v of stream) values.push(v);
  })();
  finished.catch(() => {}); // inspected by the tests that expect a failure
  return { values, finished };
}

export const textsOf = (messages: readonly DecodedMessage[]): string[] =>
  messages.filter((m) => m.contentType?.typeId === "text").map((m) => String(m.content));

export const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `check()` is true; fails with `what` and the last `detail()` after `ms`. */
export async function until(
  check: () => boolean,
  what: string,
  detail: () => unknown = () => "",
  ms = 30_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(detail())}`);
    }
    await delay(50);
  }
}
