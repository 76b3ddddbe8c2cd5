// Starts a node on ephemeral ports for tests and gives typed Connect clients for it.
import { type Client, createClient } from "@connectrpc/connect";
import { createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { Health } from "@x/proto/grpc/health/v1";
import { IdentityApi } from "@x/proto/identity/api/v1";
import type { IdentityUpdate } from "@x/proto/identity/associations";
import { MlsApi } from "@x/proto/mls/api/v1";
import {
  type IdentityUpdateEffect,
  type IdentityUpdateValidator,
  InvalidIdentityUpdateError,
} from "../identity/validator.js";
import { type NodeOptions, type RunningNode, startNode } from "../server/node.js";

/**
 * A validator whose verdicts the test decides: it verifies nothing. It lets tests exercise the
 * node's own handling of identity updates (locking, limits, the address log, refusals) apart
 * from the identity rules, which are tested with @x/id.
 */
export class ScriptedValidator implements IdentityUpdateValidator {
  calls: { history: IdentityUpdate[]; update: IdentityUpdate }[] = [];
  /** Returns the effect of an update, or a string to refuse it with. */
  verdict: (update: IdentityUpdate, history: IdentityUpdate[]) => IdentityUpdateEffect | string =
    () => ({
      addedAddresses: [],
      removedAddresses: [],
    });
  delayMs = 0;

  async validate(history: IdentityUpdate[], update: IdentityUpdate): Promise<IdentityUpdateEffect> {
    this.calls.push({ history, update });
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    const v = this.verdict(update, history);
    if (typeof v === "string") throw new InvalidIdentityUpdateError(v);
    return v;
  }
}

/** 2026-11-22T03:00:00Z: inside the lifetime of the libxmtp 1.5.4 fixture key packages. */
export const FIXTURE_TIME_NS = 1_795_316_400n * 1_000_000_000n;

export interface TestNode {
  node: RunningNode;
  mls: Client<typeof MlsApi>;
  identity: Client<typeof IdentityApi>;
  health: Client<typeof Health>;
  webMls: Client<typeof MlsApi>;
  validator: ScriptedValidator;
  stop(): Promise<void>;
}

export async function startTestNode(options: Partial<NodeOptions> = {}): Promise<TestNode> {
  const validator = new ScriptedValidator();
  const node = await startNode({
    port: 0,
    webPort: 0,
    // The v3 tests leave d14n off; the d14n tests start it (test-utils/d14n.ts).
    d14nPort: null,
    db: ":memory:",
    identityValidator: validator,
    now: () => FIXTURE_TIME_NS,
    ...options,
  });
  const transport = createGrpcTransport({ baseUrl: node.url });
  const webTransport = createGrpcWebTransport({ baseUrl: node.webUrl!, httpVersion: "1.1" });
  return {
    node,
    mls: createClient(MlsApi, transport),
    identity: createClient(IdentityApi, transport),
    health: createClient(Health, transport),
    webMls: createClient(MlsApi, webTransport),
    validator,
    stop: () => node.stop(),
  };
}
