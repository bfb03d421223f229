/**
 * Bundles the project with esbuild: dist/action.js (what action.yml runs; committed) and
 * dist/cli.js (the `slipway` bin). `--outdir DIR` writes elsewhere (the staleness test uses it).
 */
import { build } from "esbuild";
import { parseArgs } from "node:util";
import path from "node:path";
import { rmSync } from "node:fs";

const { values } = parseArgs({ options: { outdir: { type: "string", default: "dist" } } });
const outdir = path.resolve(values.outdir ?? "dist");

// ESM bundles that contain CommonJS dependencies need a real `require`.
const banner = {
  js: [
    "import { createRequire as __slipwayCreateRequire } from 'node:module';",
    "const require = __slipwayCreateRequire(import.meta.url);",
  ].join("\n"),
};

const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node24",
  banner,
  legalComments: "none",
  logLevel: "warning",
} as const;

// Chunks are named by content hash: clear the old ones so a package never ships stale code.
rmSync(path.join(outdir, "chunks"), { recursive: true, force: true });

await build({ ...common, entryPoints: ["action/main.ts"], outfile: path.join(outdir, "action.js") });
// The CLI is split into chunks so that each subcommand loads only what it imports (cli/main.ts
// loads commands lazily): `slipway bump` does not parse the AWS SDK or the Kubernetes client.
await build({
  ...common,
  entryPoints: { cli: "cli/bin.ts" },
  outdir,
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  // cli/bin.ts starts with its own `#!/usr/bin/env node`, which esbuild keeps on the first line.
  banner,
});
console.log(`built ${path.relative(process.cwd(), outdir) || "."}/action.js and cli.js`);
