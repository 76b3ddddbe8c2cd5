// Seeded mutation fuzzing for the decoder suites (@x/mls's and @x/node's): real inputs mutated
// by a PRNG, every result checked, and the inputs that once broke a target kept in a corpus
// folder, replayed first on every run.
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

/** mulberry32: a small seeded PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One mutation of `input`: bit flips, boundary bytes, truncation, insertion, a huge varint. */
export function mutate(input: Uint8Array, random: () => number): Uint8Array {
  const at = (n: number) => Math.floor(random() * n);
  const out = input.slice();
  switch (at(6)) {
    case 0: {
      for (let i = 0, n = 1 + at(4); i < n && out.length > 0; i++) {
        const p = at(out.length);
        out[p] = out[p]! ^ (1 << at(8));
      }
      return out;
    }
    case 1: {
      if (out.length > 0) out[at(out.length)] = [0x00, 0xff, 0x7f, 0x80, 0x01][at(5)]!;
      return out;
    }
    case 2:
      return out.slice(0, at(out.length + 1));
    case 3: {
      const p = at(out.length + 1);
      const extra = Uint8Array.from({ length: 1 + at(16) }, () => at(256));
      return Uint8Array.from([...out.slice(0, p), ...extra, ...out.slice(p)]);
    }
    case 4: {
      // A length or tag field made enormous.
      const p = at(out.length + 1);
      return Uint8Array.from([...out.slice(0, p), 0xff, 0xff, 0xff, 0xff, 0x0f, ...out.slice(p)]);
    }
    default: {
      if (out.length < 2) return out;
      const a = at(out.length);
      const b = a + at(out.length - a);
      return Uint8Array.from([...out, ...out.slice(a, b)]);
    }
  }
}

export interface FuzzTarget {
  /** Names the corpus folder too. */
  name: string;
  /** Real inputs to mutate; each must pass unmutated. */
  seeds: Uint8Array[];
  /** Runs one input: a problem description, or undefined when the target behaved. */
  check: (input: Uint8Array) => Promise<string | undefined>;
}

export interface FuzzOptions {
  /** Where kept inputs live: `<corpusDir>/<target name>/*.bin`. */
  corpusDir: string;
  iterations: number;
  seed: number;
}

/**
 * Replays the target's corpus, then `iterations` mutations of each seed (a third of them mutated
 * twice). Returns the problems; a mutated input that caused one is written to the corpus.
 */
export async function fuzzTarget(t: FuzzTarget, o: FuzzOptions): Promise<string[]> {
  const dir = path.join(o.corpusDir, t.name);
  const problems: string[] = [];
  let kept: string[] = [];
  try {
    kept = readdirSync(dir).filter((f) => f.endsWith(".bin"));
  } catch {
    // no corpus yet
  }
  for (const file of kept) {
    const problem = await t.check(new Uint8Array(readFileSync(path.join(dir, file))));
    if (problem !== undefined) problems.push(`corpus ${file}: ${problem}`);
  }
  const random = prng(o.seed ^ [...t.name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) | 0, 7));
  for (const seed of t.seeds) {
    const problem = await t.check(seed);
    if (problem !== undefined) problems.push(`an unmutated seed: ${problem}`);
    for (let i = 0; i < o.iterations; i++) {
      let input = mutate(seed, random);
      if (random() < 0.3) input = mutate(input, random);
      const found = await t.check(input);
      if (found === undefined) continue;
      mkdirSync(dir, { recursive: true });
      const name = `${createHash("sha256").update(input).digest("hex").slice(0, 16)}.bin`;
      writeFileSync(path.join(dir, name), input);
      problems.push(`${found} (kept as ${path.join(t.name, name)})`);
    }
  }
  return problems;
}
