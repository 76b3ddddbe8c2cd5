// `pnpm bench`: every scenario of issue 8 with our client and, where libxmtp can do the same
// work, with libxmtp 1.5.4 and/or 1.9.1, against one @x/node in a child process. Prints one table
// and writes bench/results.json at the repository root.
//   node dist/main.js [--quick]
//     [--only=register,groups,pointers,send,syncall,stream,process,size]
import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { bundleOurClient } from "./bundle.js";
import { CountingNode } from "./harness.js";
import { type Handle, type Impl, type ImplName, libxmtp154, libxmtp191, ours } from "./impls.js";
import { installedSizes } from "./installed-size.js";
import { TempDir } from "./peers.js";
import {
  addOne,
  type Ctx,
  createGroups,
  register,
  type Sample,
  sendAndSync,
  streamLatency,
  syncAll,
  warmUpNode,
} from "./scenarios.js";
import { fmt, renderTable, type Summary, spread, summarize } from "./stats.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../../..");
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const only = args
  .find((a) => a.startsWith("--only="))
  ?.slice(7)
  .split(",");
const want = (s: string) => !only || only.includes(s);
const reps = (full: number, q = 1) => (quick ? q : full);
/** libxmtp 1.9.1 members of the welcome-pointer scenario (registering one takes ~0.1-0.3 s). */
const POINTER_POOL = 100;

interface Row extends Sample {
  impl: ImplName;
}
const rows: Row[] = [];
const log = (line: string) => process.stderr.write(`${line}\n`);
const started = performance.now();

async function main() {
  const node = await CountingNode.start();
  const dir = new TempDir("x-bench-");
  log(`bench: node on ${node.url}, temp dir ${dir.path}`);
  const impls: Record<ImplName, Impl> = {
    ours: ours(node.url, dir),
    "libxmtp-1.5.4": libxmtp154(node.url, dir),
    "libxmtp-1.9.1": libxmtp191(node.url, dir),
  };
  const ctxFor = (impl: Impl, pool: string[] = []): Ctx => ({
    node,
    impl,
    pool,
    record: (s) => rows.push({ ...s, impl: impl.name }),
    log,
  });
  const all = Object.values(impls);
  const sizes = quick ? [10] : [10, 100, 249];
  const ADD_REPS = reps(3);
  const reopen: Partial<Record<ImplName, Handle["reopen"]>> = {};

  try {
    log("warm-up: the node's code paths, untimed");
    await warmUpNode(impls.ours, quick ? 1 : 3);
    if (want("register")) {
      for (const impl of all) {
        log(`register: ${impl.name}`);
        await register(ctxFor(impl), reps(7, 2));
      }
    }

    if (want("groups")) {
      // One pool of registered inboxes (our clients, one installation each) that every
      // implementation adds to its groups; key packages are last-resort, so they can be reused.
      const poolSize = Math.max(...sizes) + ADD_REPS;
      log(`groups: registering ${poolSize} member inboxes`);
      const pool: string[] = [];
      for (let i = 0; i < poolSize; i++) pool.push((await impls.ours.create()).inboxId);
      for (const impl of all) {
        const ctx = ctxFor(impl, pool);
        const creator = await impl.create();
        for (const size of sizes) {
          const r = size === 10 ? reps(5, 1) : size === 100 ? reps(3, 1) : reps(2, 1);
          const last = await createGroups(ctx, creator, size, r);
          if (size === (quick ? 10 : 100)) await addOne(ctx, creator, last, size, ADD_REPS);
        }
      }
    }

    if (want("pointers")) {
      // Welcome pointers go only to installations that advertise them: members here are 1.9.1
      // clients, so ours and 1.9.1 both send pointers (1.5.4 full welcomes), side by side.
      const n = quick ? 10 : POINTER_POOL;
      log(`pointers: registering ${n} libxmtp 1.9.1 member inboxes`);
      const pool: string[] = [];
      for (let i = 0; i < n; i++) pool.push((await impls["libxmtp-1.9.1"].create()).inboxId);
      for (const impl of [impls.ours, impls["libxmtp-1.9.1"], impls["libxmtp-1.5.4"]]) {
        const creator = await impl.create();
        await createGroups(
          ctxFor(impl, pool),
          creator,
          n,
          reps(2, 1),
          `create a group with ${n} libxmtp 1.9.1 members (welcome pointers)`,
        );
      }
    }

    if (want("send")) {
      for (const impl of [impls.ours, impls["libxmtp-1.9.1"], impls["libxmtp-1.5.4"]]) {
        log(`send/sync: ${impl.name}`);
        await sendAndSync(ctxFor(impl), quick ? 100 : 1000, reps(3, 1));
      }
    }

    if (want("syncall")) {
      for (const impl of [impls.ours, impls["libxmtp-1.9.1"]]) {
        log(`syncAll: ${impl.name}`);
        const member = await syncAll(ctxFor(impl), quick ? 10 : 100, reps(5, 2));
        if (impl.name !== "libxmtp-1.5.4") reopen[impl.name] = member.reopen;
      }
    }

    if (want("stream")) {
      for (const impl of [impls.ours, impls["libxmtp-1.9.1"], impls["libxmtp-1.5.4"]]) {
        log(`stream: ${impl.name}`);
        await streamLatency(ctxFor(impl), reps(40, 5));
      }
    }

    if (want("d14n")) {
      // The main rows again on the decentralized network: the same node's d14n listener, our
      // client over @x/api-d14n and libxmtp 1.9.1 created with gatewayHost. (Inboxes registered
      // on v3 are unknown there, so the group members are registered again on d14n.)
      const d14n = [ours(node.d14nUrl, dir, "d14n"), libxmtp191(node.d14nUrl, dir, "d14n")];
      const d14nCtx = (impl: Impl, pool: string[] = []): Ctx => ({
        ...ctxFor(impl, pool),
        record: (s) => rows.push({ ...s, scenario: `${s.scenario} (d14n)`, impl: impl.name }),
      });
      const size = quick ? 10 : 100;
      log(`d14n: registering ${size} member inboxes`);
      const pool: string[] = [];
      for (let i = 0; i < size; i++) pool.push((await d14n[0]!.create()).inboxId);
      for (const impl of d14n) {
        log(`d14n: ${impl.name}`);
        await register(d14nCtx(impl), reps(7, 2));
        await createGroups(d14nCtx(impl, pool), await impl.create(), size, reps(3, 1));
        await sendAndSync(d14nCtx(impl), quick ? 100 : 1000, reps(3, 1));
        await syncAll(d14nCtx(impl), quick ? 10 : 100, reps(5, 2));
        await streamLatency(d14nCtx(impl), reps(40, 5));
      }
    }

    if (want("process")) {
      log("process: bundling our client with rolldown");
      const bundle = await bundleOurClient(path.resolve(HERE, "../.bundle"));
      const runs = [
        { name: "ours", child: "ours" },
        { name: "libxmtp-1.9.1", child: "libxmtp-1.9.1" },
        { name: "ours", child: "ours-bundled" },
      ] as const;
      for (const { name, child } of runs) {
        if (!reopen[name]) {
          const member = await syncAll(ctxFor(impls[name]), quick ? 10 : 100, 1);
          reopen[name] = member.reopen;
        }
        const bundled = child === "ours-bundled";
        log(`process: ${child}`);
        const imp: number[] = [];
        const open: number[] = [];
        const rss: number[] = [];
        let convs = 0;
        for (let i = 0; i < reps(5, 1); i++) {
          // Async: keeps this process responsive while the child runs.
          const { stdout: out } = await promisify(execFile)(
            process.execPath,
            [
              "--expose-gc",
              path.join(HERE, "child.js"),
              child,
              node.url,
              JSON.stringify(reopen[name]),
              ...(bundled ? [bundle] : []),
            ],
            { encoding: "utf8", cwd: path.resolve(HERE, "..") },
          );
          const r = JSON.parse(out.trim().split("\n").pop()!) as {
            importMs: number;
            openMs: number;
            conversations: number;
            rss: number;
          };
          imp.push(r.importMs);
          open.push(r.openMs);
          rss.push(r.rss / 2 ** 20);
          convs = r.conversations;
        }
        const add = (scenario: string, unit: string, values: number[], note?: string) =>
          rows.push({ scenario, unit, better: "lower", values, impl: name, note });
        if (bundled) {
          // libxmtp is a native addon behind a thin JS layer: its plain runs stand for it here.
          const pair = (plain: string, scenario: string, values: number[], note: string) => {
            add(scenario, "ms", values, note);
            const theirs = rows.find((r) => r.impl === "libxmtp-1.9.1" && r.scenario === plain);
            if (theirs) rows.push({ ...theirs, scenario });
          };
          const note = "ours: one rolldown bundle (native drivers outside); libxmtp: its plain run";
          pair("import the package (fresh process)", "import the package, app bundled", imp, note);
          pair(
            "create a client from an existing database",
            "create a client from an existing database, app bundled",
            open,
            note,
          );
          continue;
        }
        add("import the package (fresh process)", "ms", imp);
        add("create a client from an existing database", "ms", open);
        add(
          `RSS of a process holding one client with ${convs} conversations`,
          "MiB",
          rss,
          "after list() and messages({limit:20}) of each, then gc",
        );
      }
    }
  } finally {
    await node.stop();
  }

  let size: ReturnType<typeof installedSizes> | undefined;
  if (want("size")) {
    log("size: packing and installing");
    size = installedSizes(path.join(dir.path, "size"));
    rows.push({
      scenario: "installed size (client + gRPC API + SQLite storage vs @xmtp/node-sdk)",
      unit: "MB",
      better: "lower",
      values: [size.oursBytes / 1e6],
      impl: "ours",
      note: `${size.oursPackages} packages; ${size.note}`,
    });
    rows.push({
      scenario: "installed size (client + gRPC API + SQLite storage vs @xmtp/node-sdk)",
      unit: "MB",
      better: "lower",
      values: [size.sdkBytes / 1e6],
      impl: "libxmtp-1.9.1",
      note: `${size.sdkPackages} packages (@xmtp/node-sdk 5.5.0)`,
    });
  }
  dir.remove();
  report();
}

function report() {
  type Line = {
    scenario: string;
    unit: string;
    ours?: Summary;
    lib?: Summary;
    vs: string;
    note?: string;
  };
  const lines: Line[] = [];
  const scenarios = [...new Set(rows.map((r) => `${r.scenario}\u0000${r.unit}`))];
  const metric = (r: Row | undefined, key: "values" | "calls" | "bytes") =>
    r?.[key] && r[key]!.length ? summarize(r[key]!) : undefined;
  for (const key of scenarios) {
    const [scenario, unit] = key.split("\u0000") as [string, string];
    const mine = rows.find((r) => r.scenario === scenario && r.impl === "ours");
    const theirs = rows.filter((r) => r.scenario === scenario && r.impl !== "ours");
    const versions = theirs.length ? theirs : [undefined];
    for (const lib of versions) {
      const vs = lib ? lib.impl.replace("libxmtp-", "") : "—";
      lines.push({
        scenario,
        unit,
        ours: metric(mine, "values"),
        lib: metric(lib, "values"),
        vs,
        note: mine?.note ?? lib?.note,
      });
      if (mine?.calls || lib?.calls) {
        lines.push({
          scenario: `  network calls`,
          unit: "calls",
          ours: metric(mine, "calls"),
          lib: metric(lib, "calls"),
          vs,
        });
        lines.push({
          scenario: `  bytes uploaded`,
          unit: "KiB",
          ours: scale(metric(mine, "bytes"), 1 / 1024),
          lib: scale(metric(lib, "bytes"), 1 / 1024),
          vs,
        });
      }
    }
  }
  const header = [
    "scenario",
    "unit",
    "ours (median)",
    "libxmtp (median)",
    "libxmtp",
    "ours/libxmtp",
    "spread ours (min–max)",
    "spread libxmtp (min–max)",
  ];
  const table = renderTable(
    header,
    lines.map((l) => [
      l.scenario,
      l.unit,
      l.ours ? fmt(l.ours.median) : "—",
      l.lib ? fmt(l.lib.median) : "—",
      l.vs,
      l.ours && l.lib && l.lib.median !== 0 ? (l.ours.median / l.lib.median).toFixed(2) : "—",
      spread(l.ours),
      spread(l.lib),
    ]),
  );
  const methodLines = rows
    .filter((r) => r.methods && Object.keys(r.methods).length > 0)
    .map(
      (r) =>
        `  ${r.scenario} [${r.impl}]: ${Object.entries(r.methods!)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([m, n]) => `${m} ${n}`)
          .join(", ")}`,
    );
  const totalS = (performance.now() - started) / 1000;
  const env = `${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), node ${process.version}, load ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(" ")}`;
  const notes = [
    ...new Set(lines.filter((l) => l.note).map((l) => `${l.scenario}: ${l.note}`)),
    "Big scenarios use fewer repetitions (groups of 10: 5, of 100: 3, of 249: 2; add-member 3; groups of 1.9.1 members: 2; send/sync 3 runs of 1,000; syncAll 5; stream 40 messages; process 5 fresh processes; size once).",
    'Members added to groups are our clients (one installation each, last-resort key packages); they advertise welcome pointers as 1.9.1 does, so ours and 1.9.1 send pointers to groups of more than 2 (1.5.4 sends full welcomes). The "libxmtp 1.9.1 members" row adds 1.9.1 clients instead.',
    "The machine is shared with other engineers working at the same time: numbers are noisy; compare ratios, not absolutes.",
    "ratio < 1 is better for ours on ms/calls/bytes/MB rows; > 1 is better for msg/s.",
  ];
  process.stdout.write(
    `\n${table}\n\nNetwork calls by method (last repetition):\n${methodLines.join("\n")}\n\n${notes.map((n) => `- ${n}`).join("\n")}\n- ${env}; total ${totalS.toFixed(0)} s\n`,
  );
  mkdirSync(path.join(ROOT, "bench"), { recursive: true });
  writeFileSync(
    path.join(ROOT, "bench/results.json"),
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        environment: env,
        quick,
        totalSeconds: totalS,
        samples: rows,
        table: lines,
        notes,
      },
      null,
      2,
    )}\n`,
  );
  log(`wrote ${path.join(ROOT, "bench/results.json")}`);
}

function scale(s: Summary | undefined, k: number): Summary | undefined {
  return s && { n: s.n, median: s.median * k, min: s.min * k, max: s.max * k, p95: s.p95 * k };
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
