/**
 * Benchmark: `slipway update` over 50 ImageRepositories of 200 tags each on the local registry
 * (`npm run testenv -- up`), 10 of the 50 policies digest-reflecting (Always). A manifest
 * repository on the local git server holds the 50 ImageRepositories and ImagePolicies and one
 * Deployment per image with a marker. Measured: wall time and registry requests of
 *   - the first run, which moves all 50 markers in one commit;
 *   - later runs, which find nothing to change;
 *   - `slipway update` as a child process (Node start included), nothing to change.
 * Goal: under 5 s. Prints a markdown table.
 *
 * Usage: node bench/update.ts [--repos 50] [--tags 200] [--runs 3]
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { parseArgs } from "node:util";
import { createGitRepo, loadTestEnv, uniqueName } from "../test/env/harness.ts";
import { createLogger } from "../core/log.ts";
import { createGitClient } from "../core/git/git-client.ts";
import { policyResolver } from "../action/run-update.ts";
import { createRegistryClients } from "../action/update/registry-clients.ts";
import { mapBounded } from "../action/update/image-policies.ts";
import { updateManifests } from "../action/update/update-manifests.ts";
import { sampleImage, uploadBlobs } from "../test/action/registry/sample-image.ts";

const { values } = parseArgs({ options: { repos: { type: "string", default: "50" }, tags: { type: "string", default: "200" }, runs: { type: "string", default: "3" } } });
const repos = Number(values.repos);
const tags = Number(values.tags);
const runs = Number(values.runs);
const env = loadTestEnv();
if (!env) {
  console.error("the test environment is not up: run `npm run testenv -- up`");
  process.exit(1);
}
const root = path.resolve(import.meta.dirname, "..");
const name = uniqueName("bench-update");
const names = Array.from({ length: repos }, (_, i) => `app-${String(i).padStart(2, "0")}`);

/** Pushes one image per repository under `tags` semver tags (1.0.0 … 1.0.N-1): blobs once, one manifest PUT per tag. */
async function pushTags(): Promise<void> {
  await mapBounded(names, 8, async (app) => {
    const repository = `${name}/${app}`;
    const image = sampleImage();
    await uploadBlobs(env!.registry, repository, image);
    await mapBounded(
      Array.from({ length: tags }, (_, i) => `1.0.${i}`),
      8,
      async (tag) => {
        const res = await fetch(`http://${env!.registry}/v2/${repository}/manifests/${tag}`, { method: "PUT", headers: { "content-type": image.manifest.mediaType }, body: image.manifest.body });
        await res.body?.cancel();
        if (res.status !== 201) throw new Error(`PUT ${repository}:${tag}: HTTP ${res.status}`);
      },
    );
  });
}

function files(): Record<string, string> {
  const out: Record<string, string> = {};
  let objects = "";
  names.forEach((app, i) => {
    const image = `${env!.registry}/${name}/${app}`;
    objects += `---\napiVersion: image.toolkit.fluxcd.io/v1\nkind: ImageRepository\nmetadata:\n  name: ${app}\n  namespace: flux-system\nspec:\n  image: ${image}\n`;
    objects += `---\napiVersion: image.toolkit.fluxcd.io/v1\nkind: ImagePolicy\nmetadata:\n  name: ${app}\n  namespace: flux-system\nspec:\n  imageRepositoryRef:\n    name: ${app}\n${i % 5 === 0 ? "  digestReflectionPolicy: Always\n  interval: 10m\n" : ""}  policy:\n    semver:\n      range: ">=1.0.0"\n`;
    out[`clusters/prod/apps/${app}.yaml`] = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${app}\nspec:\n  template:\n    spec:\n      containers:\n        - name: ${app}\n          image: ${image}:1.0.0 # {"$imagepolicy": "flux-system:${app}"}\n`;
  });
  out["clusters/prod/flux-system/images.yaml"] = objects;
  return out;
}

const fmt = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

const t0 = performance.now();
await pushTags();
const tPush = performance.now() - t0;
const cleanups: (() => unknown)[] = [];
// createGitRepo registers its cleanup with a test's `after`; the benchmark runs them at the end.
const hooks = { after: (fn: () => unknown): void => void cleanups.push(fn) } as unknown as Parameters<typeof createGitRepo>[1];
const repo = await createGitRepo(env, hooks, { files: files() });
const url = `${env.gitHttpAuthUrl}/${repo.name}.git`;
const log = createLogger({ level: "error" });
const git = await createGitClient({ auth: { kind: "basic", username: env.gitHttpUser, password: env.gitHttpPassword } });
const inputs = { policies: [], policySelector: [], registryConcurrency: 8 };
const rows: { label: string; times: number[]; requests: number[]; changes: number }[] = [];
try {
  for (let r = 0; r < runs; r++) {
    let requests = 0;
    const clientFor = createRegistryClients({ onRequest: () => requests++ });
    const { resolve } = policyResolver({ inputs, clientFor });
    const start = performance.now();
    const res = await updateManifests({ git, url, resolve, defaultMessage: "bench", log });
    const ms = performance.now() - start;
    const label = r === 0 ? `first run: ${res.changes.length} markers moved, one commit` : "later runs: nothing to change";
    const row = rows.find((x) => x.label === label) ?? rows[rows.push({ label, times: [], requests: [], changes: res.changes.length }) - 1]!;
    row.times.push(ms);
    row.requests.push(requests);
  }
  const cli: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    await new Promise<void>((resolve, reject) => {
      const c = spawn(process.execPath, [path.join(root, "cli/bin.ts"), "update", "--manifest-repo", url], {
        stdio: ["ignore", "ignore", "pipe"],
        env: { ...process.env, SLIPWAY_GIT_USERNAME: env.gitHttpUser, SLIPWAY_GIT_PASSWORD: env.gitHttpPassword },
      });
      let err = "";
      c.stderr.on("data", (b: Buffer) => (err += b.toString()));
      c.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`slipway update exited ${code}: ${err.slice(-500)}`))));
    });
    cli.push(performance.now() - start);
  }
  rows.push({ label: "`slipway update` child process (Node start included), nothing to change", times: cli, requests: [], changes: 0 });

  console.log(`\n${repos} ImageRepositories × ${tags} tags on the local registry (pushed in ${fmt(tPush)}), ${Math.ceil(repos / 5)} policies digest-reflecting; ${runs} runs; Node ${process.version}. Goal: < 5 s.\n`);
  console.log("| case | median wall | max wall | registry requests | goal |\n|---|---:|---:|---:|---|");
  for (const r of rows) {
    const ok = median(r.times) < 5000 ? "< 5 s ✔" : "< 5 s ✗";
    console.log(`| ${r.label} | ${fmt(median(r.times))} | ${fmt(Math.max(...r.times))} | ${r.requests.length ? median(r.requests) : "—"} | ${ok} |`);
  }
} finally {
  await git.close();
  for (const c of cleanups.reverse()) await c();
}
