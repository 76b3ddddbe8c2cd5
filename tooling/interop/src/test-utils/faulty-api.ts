// A fault-injecting API client: sits between our client's retrying XmtpApi and the real gRPC
// client, so every fault looks to the client as it would on a bad network. Seeded, so a failing
// run can be replayed. Unary calls may be delayed, fail before reaching the node, have their
// answer lost after the node acted (the retry then repeats a write), or reach the node twice.
// Query answers may come back in another order (each page shuffled). Streams may be delayed or
// reset mid-way.
import { ApiError, type XmtpApiClient } from "@x/api";
import { createGrpcApiClient } from "@x/api-grpc";
import { prng } from "@x/testing";

export type FaultKind =
  | "delay"
  | "unavailable"
  | "lost-answer"
  | "duplicate"
  | "stream-reset"
  | "reorder";

export interface FaultStats {
  calls: number;
  faults: Record<FaultKind, number>;
}

export interface FaultyApi {
  client: XmtpApiClient;
  stats: FaultStats;
  /** Faults happen only while on (default off: setup runs clean). */
  enabled: boolean;
}

export { prng };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function faultyApi(
  url: string,
  options: { seed: number; rate: number; shared?: FaultStats },
): FaultyApi {
  const inner = createGrpcApiClient({ url, appVersion: "reliability" }) as unknown as Record<
    string,
    unknown
  >;
  const random = prng(options.seed);
  const stats: FaultStats = options.shared ?? {
    calls: 0,
    faults: {
      delay: 0,
      unavailable: 0,
      "lost-answer": 0,
      duplicate: 0,
      "stream-reset": 0,
      reorder: 0,
    },
  };
  const state: FaultyApi = { client: undefined as unknown as XmtpApiClient, stats, enabled: false };
  const pick = (): FaultKind | undefined => {
    if (!state.enabled || random() >= options.rate) return undefined;
    const r = random();
    return r < 0.3
      ? "delay"
      : r < 0.5
        ? "unavailable"
        : r < 0.7
          ? "lost-answer"
          : r < 0.85
            ? "duplicate"
            : "reorder";
  };
  /** A page of messages in another order (Fisher-Yates with the seeded PRNG). */
  const shuffled = (res: unknown): unknown => {
    const messages = (res as { messages?: unknown[] } | null)?.messages;
    if (!Array.isArray(messages)) return res;
    for (let i = messages.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [messages[i], messages[j]] = [messages[j], messages[i]];
    }
    return res;
  };
  const lost = (rpc: string) => ApiError.connectionLost("injected fault", { rpc });

  async function* faultyStream(source: AsyncIterable<unknown>, rpc: string) {
    for await (const item of source) {
      if (state.enabled && random() < options.rate / 4) {
        stats.faults["stream-reset"]++;
        throw lost(rpc);
      }
      if (state.enabled && random() < options.rate / 4) {
        stats.faults.delay++;
        await sleep(Math.floor(random() * 100));
      }
      yield item;
    }
  }

  state.client = new Proxy(inner, {
    get(target, prop) {
      const v = target[prop as string];
      if (typeof v !== "function") return v;
      const name = String(prop);
      const call = (...args: unknown[]) => (v as (...a: unknown[]) => unknown).apply(target, args);
      if (name.startsWith("subscribe")) {
        return (...args: unknown[]) => {
          stats.calls++;
          return faultyStream(call(...args) as AsyncIterable<unknown>, name);
        };
      }
      return async (...args: unknown[]) => {
        stats.calls++;
        const fault = pick();
        if (fault !== undefined) stats.faults[fault]++;
        switch (fault) {
          case "delay":
            await sleep(Math.floor(random() * 200));
            return call(...args);
          case "unavailable":
            throw lost(name);
          case "lost-answer":
            await call(...args);
            throw lost(name);
          case "duplicate":
            await (call(...args) as Promise<unknown>).catch(() => undefined);
            return call(...args);
          case "reorder":
            return shuffled(await call(...args));
          default:
            return call(...args);
        }
      };
    },
  }) as unknown as XmtpApiClient;
  return state;
}
