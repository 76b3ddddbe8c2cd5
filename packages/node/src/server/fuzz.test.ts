// Request fuzzing: every request libxmtp 1.5.4 sent in its recorded session (the fixtures),
// mutated with a seeded PRNG and sent as raw gRPC to a real node. Each call must end with a gRPC
// status that names the problem (never UNKNOWN, which means a handler threw something untyped),
// in bounded time, and the node must keep serving. Inputs that once broke it are kept in
// ./fuzz-corpus/<rpc>/ and replayed first. XMTP_FUZZ_ITERATIONS (default 15 per request) and
// XMTP_FUZZ_SEED extend or replay a run.
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { fuzzTarget } from "@x/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURES_DIR, fixture } from "../test-utils/fixtures.js";
import { startTestNode, type TestNode } from "../test-utils/node.js";
import { grpcFrame, rawCall, within } from "../test-utils/raw-grpc.js";

const ITERATIONS = Number(process.env.XMTP_FUZZ_ITERATIONS ?? 15);
const SEED = Number(process.env.XMTP_FUZZ_SEED ?? Math.floor(Math.random() * 1e9));
const CORPUS = fileURLToPath(new URL("./fuzz-corpus/", import.meta.url));
const MAX_MS = 5_000;

const SERVICES: Record<string, string> = {
  GetInboxIds: "xmtp.identity.api.v1.IdentityApi",
  GetIdentityUpdates: "xmtp.identity.api.v1.IdentityApi",
  PublishIdentityUpdate: "xmtp.identity.api.v1.IdentityApi",
  UploadKeyPackage: "xmtp.mls.api.v1.MlsApi",
  FetchKeyPackages: "xmtp.mls.api.v1.MlsApi",
  SendGroupMessages: "xmtp.mls.api.v1.MlsApi",
  SendWelcomeMessages: "xmtp.mls.api.v1.MlsApi",
  QueryGroupMessages: "xmtp.mls.api.v1.MlsApi",
  QueryWelcomeMessages: "xmtp.mls.api.v1.MlsApi",
};

/** The recorded request bodies, by rpc name. */
function recordedRequests(): Map<string, Uint8Array[]> {
  const out = new Map<string, Uint8Array[]>();
  for (const file of readdirSync(FIXTURES_DIR).sort()) {
    const m = /^\d+-(\w+)\.bin$/.exec(file);
    if (m === null || SERVICES[m[1]!] === undefined) continue;
    out.set(m[1]!, [...(out.get(m[1]!) ?? []), fixture(file)]);
  }
  return out;
}

describe(`request fuzzing (seed ${SEED}, ${ITERATIONS} mutations per request)`, () => {
  let t: TestNode;
  beforeAll(async () => {
    t = await startTestNode();
  });
  afterAll(async () => {
    await t?.stop();
  });

  const statusOf = async (path: string, body: Uint8Array): Promise<string | undefined> => {
    const call = rawCall(t.node.url, path, grpcFrame(body));
    try {
      const end = await within(call.end, MAX_MS, path);
      const status = end["grpc-status"];
      return typeof status === "string" ? status : undefined;
    } finally {
      call.close();
    }
  };

  it("answers every mutated request with a status that names the problem, and keeps serving", async () => {
    const requests = recordedRequests();
    expect([...requests.keys()].sort()).toEqual(Object.keys(SERVICES).sort());
    const problems: string[] = [];
    let calls = 0;
    for (const [rpc, seeds] of requests) {
      const path = `/${SERVICES[rpc]}/${rpc}`;
      problems.push(
        ...(await fuzzTarget(
          {
            name: rpc,
            seeds: seeds.slice(0, 3),
            check: async (body) => {
              calls++;
              let status: string | undefined;
              try {
                status = await statusOf(path, body);
              } catch (e) {
                return (e as Error).message;
              }
              if (status === undefined) return "no grpc-status";
              // 2 = UNKNOWN: a handler threw something the node did not map to a status.
              return status === "2" ? "grpc-status UNKNOWN" : undefined;
            },
          },
          { corpusDir: CORPUS, iterations: ITERATIONS, seed: SEED },
        )),
      );
    }
    expect(problems).toEqual([]);
    // Still serving: a well-formed query is answered.
    expect(
      await statusOf(`/${SERVICES.GetInboxIds}/GetInboxIds`, requests.get("GetInboxIds")![0]!),
    ).toBe("0");
    console.log(
      `request fuzzing: ${JSON.stringify({ seed: SEED, calls, problems: problems.length })}`,
    );
  }, 300_000);
});
