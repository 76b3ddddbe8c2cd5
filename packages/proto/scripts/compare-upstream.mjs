#!/usr/bin/env node
// Compares our .proto files with the published XMTP schema, structurally:
// packages, messages (incl. map entries), fields (name, number, type, label,
// oneof, proto3 optional, json name, deprecated), enums and values, services and methods.
// Comments, layout, declaration order and go/java options are ignored.
//
// Usage: node scripts/compare-upstream.mjs <path to an xmtp/proto checkout>/proto
//
// Only files we also have are compared (same relative path). The upstream
// google.api.http and openapiv2 options (and their imports) are stripped
// first, so no remote buf dependency is needed. Exits 1 on any difference.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { fromBinary, isFieldSet } from "@bufbuild/protobuf";
import { FieldDescriptorProtoSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const ours = join(packageDir, "proto");
const buf = join(packageDir, "node_modules", ".bin", "buf");
const upstream = process.argv[2];
if (!upstream) {
  console.error("usage: node scripts/compare-upstream.mjs <xmtp/proto checkout>/proto");
  process.exit(2);
}

const protoFiles = (dir) =>
  readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith(".proto"));

/** Removes `option (google.api.http) = {...};` style blocks and their imports. */
function stripHttpOptions(source) {
  let out = source.replace(/import "(google\/api|protoc-gen-openapiv2)\/[^"]*";\n/g, "");
  const start = /option \((google\.api\.http|grpc\.gateway[^)]*)\) = \{/;
  for (let m = start.exec(out); m; m = start.exec(out)) {
    let i = m.index + m[0].length;
    for (let depth = 1; depth > 0; i++) {
      if (out[i] === "{") depth++;
      else if (out[i] === "}") depth--;
    }
    if (out[i] === ";") i++;
    out = out.slice(0, m.index) + out.slice(i);
  }
  return out;
}

function buildImage(moduleDir) {
  const image = `${moduleDir}.binpb`;
  writeFileSync(join(moduleDir, "buf.yaml"), "version: v2\n");
  execFileSync(buf, ["build", moduleDir, "-o", image], { stdio: "inherit" });
  return fromBinary(FileDescriptorSetSchema, readFileSync(image));
}

function flatten(set) {
  const out = new Map();
  const enumEntry = (e, prefix, file) =>
    out.set(
      `enum ${prefix}.${e.name}`,
      JSON.stringify({
        file,
        deprecated: e.options?.deprecated ?? false,
        values: e.value.map((v) => [v.name, v.number, v.options?.deprecated ?? false]),
      }),
    );
  const messageEntry = (m, prefix, file) => {
    const name = `${prefix}.${m.name}`;
    out.set(
      `message ${name}`,
      JSON.stringify({
        file,
        deprecated: m.options?.deprecated ?? false,
        mapEntry: m.options?.mapEntry ?? false,
        oneofs: m.oneofDecl.map((o) => o.name),
        fields: [...m.field]
          .sort((a, b) => a.number - b.number)
          .map((f) => [
            f.name,
            f.number,
            f.type,
            f.label,
            f.typeName,
            f.jsonName,
            isFieldSet(f, FieldDescriptorProtoSchema.field.oneofIndex)
              ? m.oneofDecl[f.oneofIndex].name
              : null,
            f.proto3Optional ?? false,
            f.options?.deprecated ?? false,
          ]),
      }),
    );
    for (const n of m.nestedType) messageEntry(n, name, file);
    for (const e of m.enumType) enumEntry(e, name, file);
  };
  for (const f of set.file) {
    if (f.name.startsWith("google/")) continue;
    out.set(
      `file ${f.name}`,
      JSON.stringify({ package: f.package, deps: [...f.dependency].sort() }),
    );
    for (const m of f.messageType) messageEntry(m, f.package, f.name);
    for (const e of f.enumType) enumEntry(e, f.package, f.name);
    for (const s of f.service) {
      out.set(
        `service ${f.package}.${s.name}`,
        JSON.stringify({
          file: f.name,
          deprecated: s.options?.deprecated ?? false,
          methods: s.method.map((x) => [
            x.name,
            x.inputType,
            x.outputType,
            x.clientStreaming ?? false,
            x.serverStreaming ?? false,
            x.options?.deprecated ?? false,
          ]),
        }),
      );
    }
  }
  return out;
}

const work = mkdtempSync(join(tmpdir(), "x-proto-compare-"));
try {
  const files = protoFiles(ours).filter((f) => !f.startsWith("grpc/"));
  const theirsDir = join(work, "upstream");
  const oursDir = join(work, "ours");
  for (const file of files) {
    for (const [dir, text] of [
      [theirsDir, stripHttpOptions(readFileSync(join(upstream, file), "utf8"))],
      [oursDir, readFileSync(join(ours, file), "utf8")],
    ]) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), text);
    }
  }
  const a = flatten(buildImage(oursDir));
  const b = flatten(buildImage(theirsDir));
  let differences = 0;
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    if (a.get(key) === b.get(key)) continue;
    differences++;
    console.log(`DIFF ${key}\n  ours:     ${a.get(key)}\n  upstream: ${b.get(key)}`);
  }
  console.log(`${files.length} files, ${a.size} definitions compared, ${differences} differences`);
  process.exitCode = differences === 0 ? 0 : 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
