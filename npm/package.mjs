// Turns wasm-pack's output directory into the publishable npm package, in place:
//   - package.json with every field npm and bundlers need (version from Cargo.toml);
//   - evolvy_widget.d.ts typed from npm/api.d.ts + the generated npm/model.d.ts, after checking
//     that it declares exactly the functions, classes and methods the wasm module exports;
//   - README.md (docs/npm.md) and CHANGELOG.md.
// Usage: node npm/package.mjs <pkg-dir>   (scripts/package.sh runs it)
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = resolve(process.argv[2] ?? join(root, "pkg"));
const NAME = "evolvy_widget";

function fail(message) {
  console.error(`package: ${message}`);
  process.exit(1);
}

for (const f of [`${NAME}.js`, `${NAME}_bg.wasm`, `${NAME}.d.ts`]) {
  if (!existsSync(join(pkg, f))) fail(`${pkg}/${f} is missing: run \`make pkg\` first`);
}

// ---- Cargo.toml [package] fields ----
const cargo = readFileSync(join(root, "Cargo.toml"), "utf8");
const section = cargo.split(/^\[package\]\s*$/m)[1]?.split(/^\[/m)[0] ?? "";
function field(key) {
  const m = section.match(new RegExp(`^${key}\\s*=\\s*(.+)$`, "m"));
  if (!m) fail(`Cargo.toml [package] has no ${key}`);
  return JSON.parse(m[1]);
}
const version = field("version");
const repository = field("repository");

// ---- Types: the generated model, the typed API, wasm-bindgen's init declarations ----
const bindgen = readFileSync(join(pkg, `${NAME}.d.ts`), "utf8");
const initAt = bindgen.indexOf("export type InitInput");
if (initAt < 0) fail(`${NAME}.d.ts has no init section: was it built with --target web?`);
const api = readFileSync(join(root, "npm/api.d.ts"), "utf8");
const apiBody = api.split(/^\/\/ @@API-START.*$/m)[1];
if (!apiBody) fail("npm/api.d.ts lacks its @@API-START line");

/** `{function: Set, class: Map<name, Set<member>>}` of a declaration file's exports. */
function exportsOf(dts) {
  const functions = new Set([...dts.matchAll(/^export (?:declare )?function (\w+)/gm)].map((m) => m[1]));
  const classes = new Map();
  for (const m of dts.matchAll(/^export (?:declare )?class (\w+) \{\n([\s\S]*?)^\}/gm)) {
    const members = new Set([...m[2].matchAll(/^ +(?:static |get |set )?(\w+)\s*[(<]/gm)].map((x) => x[1]));
    classes.set(m[1], members);
  }
  return { functions, classes };
}
const have = exportsOf(bindgen.slice(0, initAt));
const want = exportsOf(apiBody);
const problems = [];
const diff = (a, b, what) => [...a].filter((x) => !b.has(x)).forEach((x) => problems.push(`${what} ${x}`));
diff(have.functions, want.functions, "undeclared function");
diff(want.functions, have.functions, "declared but not exported: function");
diff(new Set(have.classes.keys()), new Set(want.classes.keys()), "undeclared class");
diff(new Set(want.classes.keys()), new Set(have.classes.keys()), "declared but not exported: class");
for (const [name, members] of have.classes) {
  const declared = want.classes.get(name);
  if (declared) {
    diff(members, declared, `undeclared method ${name}.`);
    diff(declared, members, `declared but not exported: method ${name}.`);
  }
}
if (problems.length) {
  fail(`npm/api.d.ts and the wasm module's exports differ:\n  ${problems.join("\n  ")}`);
}

const header = `// evolvy-widget ${version}: typed API (npm/api.d.ts), payload types generated from the Rust
// model (model.d.ts), and the module initialisation declared by wasm-bindgen.
`;
writeFileSync(join(pkg, `${NAME}.d.ts`), `${header}\n${apiBody.trim()}\n\n${bindgen.slice(initAt)}`);
copyFileSync(join(root, "npm/model.d.ts"), join(pkg, "model.d.ts"));

// ---- The .wasm without its `name` section ----
// wasm-pack runs wasm-bindgen without --remove-name-section (and wasm-opt is off): the function
// names are a quarter of the module and only help debuggers. Other sections are kept byte for byte.
function stripNameSection(bytes) {
  if (bytes.readUInt32LE(0) !== 0x6d736100) fail("evolvy_widget_bg.wasm is not a WebAssembly module");
  let at = 8;
  const leb = () => {
    let value = 0;
    let shift = 0;
    let byte;
    do {
      byte = bytes[at++];
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return value;
  };
  const kept = [bytes.subarray(0, 8)];
  while (at < bytes.length) {
    const start = at;
    const id = bytes[at++];
    const size = leb();
    const body = at;
    let custom = "";
    if (id === 0) {
      const n = leb();
      custom = bytes.subarray(at, at + n).toString();
    }
    at = body + size;
    if (at > bytes.length) fail("evolvy_widget_bg.wasm is truncated");
    if (!(id === 0 && custom === "name")) kept.push(bytes.subarray(start, at));
  }
  return Buffer.concat(kept);
}
const wasmPath = join(pkg, `${NAME}_bg.wasm`);
const wasmBefore = readFileSync(wasmPath);
const wasmAfter = stripNameSection(wasmBefore);
if (wasmAfter.length !== wasmBefore.length) {
  writeFileSync(wasmPath, wasmAfter);
  console.log(`package: removed the name section: ${wasmBefore.length} -> ${wasmAfter.length} bytes`);
}

// ---- README and CHANGELOG ----
copyFileSync(join(root, "docs/npm.md"), join(pkg, "README.md"));
copyFileSync(join(root, "CHANGELOG.md"), join(pkg, "CHANGELOG.md"));

// ---- package.json ----
const files = [
  `${NAME}.js`,
  `${NAME}_bg.wasm`,
  `${NAME}.d.ts`,
  `${NAME}_bg.wasm.d.ts`,
  "model.d.ts",
  "CHANGELOG.md",
];
const exportsMap = {
  ".": { types: `./${NAME}.d.ts`, default: `./${NAME}.js` },
  [`./${NAME}_bg.wasm`]: `./${NAME}_bg.wasm`,
  "./package.json": "./package.json",
};
const sideEffects = [];
if (existsSync(join(pkg, "snippets"))) {
  files.push("snippets/");
  sideEffects.push("./snippets/*");
}
if (existsSync(join(pkg, "sdk.min.js"))) {
  // The script-tag loader, for CDNs that serve npm packages.
  files.push("sdk.min.js");
  exportsMap["./sdk.min.js"] = "./sdk.min.js";
  sideEffects.push("./sdk.min.js");
}
for (const f of files) {
  if (!existsSync(join(pkg, f.replace(/\/$/, "")))) fail(`${f} is missing from ${pkg}`);
}
const repo = repository.replace(/\.git$/, "");
const manifest = {
  name: "evolvy-widget",
  version,
  description: field("description"),
  license: field("license"),
  repository: { type: "git", url: `git+${repo}.git` },
  homepage: `${repo}#readme`,
  bugs: { url: `${repo}/issues` },
  keywords: [...new Set([...field("keywords"), "webassembly", "chat-widget", "typescript"])],
  type: "module",
  main: `./${NAME}.js`,
  module: `./${NAME}.js`,
  types: `./${NAME}.d.ts`,
  exports: exportsMap,
  files,
  sideEffects: sideEffects.length ? sideEffects : false,
};
writeFileSync(join(pkg, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`package: ${pkg} is evolvy-widget@${version} (${files.length} files)`);
