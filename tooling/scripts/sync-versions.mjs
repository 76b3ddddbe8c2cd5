// After `changeset version` bumped the package.json versions: writes each package's version into
// its src/version.ts constant, so a client reports the version it was published as.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
for (const dir of readdirSync(path.join(root, "packages"))) {
  const file = path.join(root, "packages", dir, "src/version.ts");
  if (!existsSync(file)) continue;
  const { version } = JSON.parse(
    readFileSync(path.join(root, "packages", dir, "package.json"), "utf8"),
  );
  const before = readFileSync(file, "utf8");
  const after = before.replace(/(export const \w+_VERSION = ")[^"]+(";)/, `$1${version}$2`);
  if (after !== before) {
    writeFileSync(file, after);
    console.log(`packages/${dir}/src/version.ts: ${version}`);
  }
}
