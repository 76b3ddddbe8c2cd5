// node scripts-top.mjs file.cpuprofile [n]: self time by function and by file.
import { readFileSync } from "node:fs";

const p = JSON.parse(readFileSync(process.argv[2], "utf8"));
const n = Number(process.argv[3] ?? 25);
const self = new Map();
const byFile = new Map();
const dt = new Map();
for (let i = 0; i < p.samples.length; i++)
  dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
let total = 0;
for (const node of p.nodes) {
  const t = (dt.get(node.id) ?? 0) / 1000;
  total += t;
  const cf = node.callFrame;
  const file = cf.url.replace(/.*node_modules\/\.pnpm\//, "").replace(/.*\/work\/main\//, "");
  const key = `${cf.functionName || "(anon)"} ${file}:${cf.lineNumber}`;
  self.set(key, (self.get(key) ?? 0) + t);
  const f = file.split("/").slice(0, 3).join("/");
  byFile.set(f, (byFile.get(f) ?? 0) + t);
}
const top = (m) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(
      ([k, v]) =>
        `${v.toFixed(0).padStart(7)} ms ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`,
    )
    .join("\n");
console.log(
  `total ${total.toFixed(0)} ms\n--- by function\n${top(self)}\n--- by file\n${top(byFile)}`,
);
