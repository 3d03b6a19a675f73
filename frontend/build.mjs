// Bundles src/editor.js into one minified file for the site, and writes the
// licenses of every package that went into it next to it. Run by build.sh.
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "platform", "static", "vendor");
const pkg = JSON.parse(readFileSync(join(here, "package.json"), "utf8"));
const pins = Object.entries(pkg.dependencies).map(([name, version]) => `${name}@${version}`);

const result = await esbuild.build({
  entryPoints: [join(here, "src", "editor.js")],
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  legalComments: "none", // the licenses go to codemirror.LICENSES.txt instead
  metafile: true,
  write: false,
  banner: {
    js:
      "/* CodeMirror 6 for the coding exercise page. Built by `sh frontend/build.sh` from frontend/src/editor.js;" +
      ` do not edit. Packages: ${pins.join(", ")}. Licenses: codemirror.LICENSES.txt */`,
  },
});
writeFileSync(join(out, "codemirror.bundle.js"), result.outputFiles[0].text);

// Every package that has a module in the bundle, with its license text.
const packages = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  const match = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (match) packages.add(match[1]);
}
const notices = [...packages].sort().map((name) => {
  const dir = join(here, "node_modules", name);
  const meta = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const file = readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
  const text = file ? readFileSync(join(dir, file), "utf8").trim() : `License: ${meta.license}`;
  return `${name}@${meta.version} (${meta.license})\n\n${text}\n`;
});
writeFileSync(
  join(out, "codemirror.LICENSES.txt"),
  "Licenses of the packages bundled into codemirror.bundle.js (built by `sh frontend/build.sh`).\n\n" +
    notices.join("\n" + "-".repeat(72) + "\n\n"),
);
console.log(`codemirror.bundle.js: ${result.outputFiles[0].contents.length} bytes, ${packages.size} packages`);
