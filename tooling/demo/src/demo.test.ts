// `pnpm demo` end to end: the built demo as a process, its exit code and its transcript.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));

const runMain = (args: string[] = []) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(process.execPath, [MAIN, ...args], { timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({
        code: error ? Number((error as { code?: unknown }).code ?? -1) : 0,
        stdout,
        stderr,
      }),
    ),
  );

it("runs the demo: exit 0 and the transcript of the group, the DM and the live stream", async () => {
  const { code, stdout, stderr } = await runMain();
  expect(code, stderr).toBe(0);
  const lines = stdout.split("\n");
  expect(lines[0]).toBe(
    "XMTP demo: 3 clients of ours (@x/mls) and 1 real libxmtp 1.5.4 client, through @x/node",
  );
  expect(stdout).toMatch(/ {2}node {3}http:\/\/127\.0\.0\.1:\d+ {2}\(SQLite /);
  expect(stdout).toMatch(/ {2}dave {3}libxmtp 1\.5\.4 {2}0x[0-9a-fA-F]{40}\n/);
  expect(stdout).toMatch(
    /Group "XMTP demo" [0-9a-f]{32}: alice created it with bob, carol and dave/,
  );
  expect(stdout).toContain(
    "  dave   Hello from libxmtp 1.5.4, the Rust client behind the official SDKs!\n         ✓ read by alice, bob, carol\n",
  );
  expect(stdout).toContain(
    "  alice  Got it, dave. Answering from @x/mls.\n         ✓ read by dave\n",
  );
  expect(stdout).toContain("  dave (libxmtp streamAllMessages) got 6 messages:");
  expect(stdout).toContain("    [DM   ] alice: Got it, dave. Answering from @x/mls.");
  expect(stdout).toContain("  bob (@x/mls streamAllMessages) got 4 messages:");
  expect(stdout).toContain(
    "    [group] dave: Hello from libxmtp 1.5.4, the Rust client behind the official SDKs!",
  );
  expect(stdout).toContain(
    "All checks passed: 4 group messages read by all 4 members, 2 DM messages read by both, every message streamed live once.",
  );
});

it("runs the demo on d14n: our clients over @x/api-d14n with libxmtp 1.9.1 in d14n mode", async () => {
  const { code, stdout, stderr } = await runMain(["--d14n"]);
  expect(code, stderr).toBe(0);
  expect(stdout.split("\n")[0]).toBe(
    "XMTP demo: 3 clients of ours (@x/mls) and 1 real libxmtp 1.9.1 client, through @x/node on d14n",
  );
  expect(stdout).toMatch(
    / {2}node {3}http:\/\/127\.0\.0\.1:\d+ {2}\(d14n gateway \+ node, SQLite /,
  );
  expect(stdout).toContain(
    "  dave   Hello from libxmtp 1.9.1, the Rust client behind the official SDKs!\n         ✓ read by alice, bob, carol\n",
  );
  expect(stdout).toContain("  dave (libxmtp streamAllMessages) got 6 messages:");
  expect(stdout).toContain("  bob (@x/mls streamAllMessages) got 4 messages:");
  expect(stdout).toContain(
    "All checks passed: 4 group messages read by all 4 members, 2 DM messages read by both, every message streamed live once.",
  );
});
