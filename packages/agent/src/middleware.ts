// Express-style chains: message middleware `(ctx, next)` and error middleware
// `(error, ctx, next)`, run in the order they were added.
import type { AgentBaseContext, MessageContext } from "./context.js";

export type AgentMiddleware = (
  ctx: MessageContext,
  next: () => Promise<void>,
) => void | Promise<void>;

/**
 * `next(error)` passes an error (the same or another) to the next error middleware; `next()`, or
 * returning without calling next, marks it handled. An error that passes the last one is the
 * agent's `unhandledError`.
 */
export type AgentErrorMiddleware = (
  error: unknown,
  ctx: AgentBaseContext,
  next: (error?: unknown) => Promise<void>,
) => void | Promise<void>;

/** Runs `middlewares` then `last`; each `next` may be called once. */
export async function runMiddleware(
  middlewares: readonly AgentMiddleware[],
  ctx: MessageContext,
  last: () => Promise<void>,
): Promise<void> {
  const step = async (index: number): Promise<void> => {
    const mw = middlewares[index];
    if (mw === undefined) return last();
    let called = false;
    await mw(ctx, async () => {
      if (called) throw new Error("next() called more than once by a middleware");
      called = true;
      await step(index + 1);
    });
  };
  await step(0);
}

/** Runs the error chain; resolves to the error left unhandled, or undefined when handled. */
export async function runErrorMiddleware(
  middlewares: readonly AgentErrorMiddleware[],
  error: unknown,
  ctx: AgentBaseContext,
): Promise<{ handled: true } | { handled: false; error: unknown }> {
  let current = error;
  for (const mw of middlewares) {
    let passed: { error: unknown } | undefined;
    try {
      await mw(current, ctx, async (next?: unknown) => {
        if (next !== undefined) passed = { error: next };
      });
    } catch (thrown) {
      passed = { error: thrown };
    }
    if (passed === undefined) return { handled: true };
    current = passed.error;
  }
  return { handled: false, error: current };
}
