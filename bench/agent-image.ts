/**
 * The agent image: its size (goal < 150 MB) uncompressed (`docker image inspect .Size`) and
 * compressed as a registry stores it and `docker pull` transfers it (pushed to the test
 * environment's registry, the manifest's sizes summed: what ECR shows), where the bytes are (per
 * layer, and the largest files) and, over three runs, the time from `docker run`
 * (as deploy/deployment.yaml runs it, with a real ServiceAccount token) to the first `/readyz`
 * 200 and to the first sync Ready (one ConfigMap from the git HTTP server). Prints a markdown
 * table. Needs the test environment (`npm run bench -- agent-image` starts it).
 */
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import path from "node:path";
import { ensureAgentImage } from "../test/env/agent-image.ts";
import { imageFiles, imageLayers, pushedSize } from "../test/env/image-size.ts";
import { loadTestEnv, testGitConfig } from "../test/env/harness.ts";
import { freePort } from "../test/env/ports.ts";
import { dockerRunArgs, readDeployment } from "../test/agent/image/deployment-run.ts";

const env = loadTestEnv();
if (!env) throw new Error("the test environment is not up: npm run testenv -- up");
const root = path.resolve(import.meta.dirname, "..");
const dockerEnv = { ...process.env, DOCKER_HOST: env.dockerHost };
const docker = (...args: string[]): string => execFileSync("docker", args, { env: dockerEnv, encoding: "utf8" });
const kubectl = (...args: string[]): string => execFileSync("kubectl", ["--kubeconfig", env.kubeconfig, ...args], { encoding: "utf8" });

const image = await ensureAgentImage({ dockerHost: env.dockerHost, repoRoot: root });
const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);
const sizeBytes = Number(docker("image", "inspect", "--format", "{{.Size}}", image).trim());
const layers = await imageLayers(env.dockerHost, image);
const files = await imageFiles(env.dockerHost, image);
const pushed = await pushedSize(env.dockerHost, image, env.registry, "bench-agent-image", `b${Date.now()}`);
// The manifest lists the layers base first, the history newest first.
const compressed = pushed.layers.length === layers.length ? [...pushed.layers].reverse() : undefined;

// One repository with one ConfigMap.
const id = randomBytes(4).toString("hex");
const bare = path.join(env.gitRoot, `bench-image-${id}.git`);
const work = mkdtempSync(path.join(tmpdir(), "slipway-bench-image-"));
execFileSync("git", [...testGitConfig, "init", "-q", "--bare", "-b", "main", bare]);
execFileSync("git", [...testGitConfig, "init", "-q", "-b", "main", work]);
mkdirSync(path.join(work, "apps"));
writeFileSync(path.join(work, "apps", "a.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\n");
execFileSync("git", [...testGitConfig, "-C", work, "add", "-A"]);
execFileSync("git", [...testGitConfig, "-C", work, "commit", "-q", "-m", "bench"]);
execFileSync("git", [...testGitConfig, "-C", work, "push", "-q", bare, "HEAD:refs/heads/main"]);

const apiPort = new URL(/server:\s*(\S+)/.exec(execFileSync("cat", [env.kubeconfig], { encoding: "utf8" }))?.[1] ?? "").port;
const rows: string[] = [];
for (let run = 1; run <= 3; run++) {
  const ns = `bench-image-${id}-${run}`;
  kubectl("create", "namespace", ns);
  kubectl("create", "serviceaccount", "slipway-agent", "-n", ns);
  kubectl("create", "clusterrolebinding", ns, "--clusterrole=cluster-admin", `--serviceaccount=${ns}:slipway-agent`);
  const sa = mkdtempSync(path.join(tmpdir(), "slipway-bench-sa-"));
  writeFileSync(path.join(sa, "token"), kubectl("create", "token", "slipway-agent", "-n", ns, "--duration", "1h").trim());
  copyFileSync(path.join(env.dir, "pki", "ca.crt"), path.join(sa, "ca.crt"));
  writeFileSync(path.join(sa, "namespace"), ns);
  const cfg = mkdtempSync(path.join(tmpdir(), "slipway-bench-cfg-"));
  const port = await freePort();
  writeFileSync(path.join(cfg, "config.yaml"), `namespace: ${ns}\nlisten: "127.0.0.1:${port}"\nsources:\n  - { name: m, url: "${env.gitHttpUrl}/bench-image-${id}.git", ref: { branch: main }, interval: 1h }\nsyncs:\n  - { name: apps, sourceRef: m, path: apps, targetNamespace: ${ns}, interval: 1h }\n`);
  for (const d of [sa, cfg]) chmodSync(d, 0o755);
  const name = `slipway-bench-${id}-${run}`;
  const started = performance.now();
  docker("run", ...dockerRunArgs(readDeployment(), { image, name, serviceAccountDir: sa, configMaps: { config: cfg }, serviceHost: "127.0.0.1", servicePort: apiPort }));
  let readyMs = 0;
  let syncMs = 0;
  while (performance.now() - started < 120_000 && syncMs === 0) {
    if (readyMs === 0 && (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200) readyMs = performance.now() - started;
    if (readyMs !== 0 && kubectl("get", "configmap", "slipway-apps", "-n", ns, "-o", "jsonpath={.data.status}", "--ignore-not-found").includes('"ready":"True"')) syncMs = performance.now() - started;
    await new Promise((r) => setTimeout(r, 100));
  }
  docker("rm", "--force", name);
  kubectl("delete", "namespace", ns, "--wait=false");
  kubectl("delete", "clusterrolebinding", ns);
  rmSync(sa, { recursive: true, force: true });
  rmSync(cfg, { recursive: true, force: true });
  rows.push(`| ${run} | ${(readyMs / 1000).toFixed(2)} | ${syncMs ? (syncMs / 1000).toFixed(2) : "timed out"} |`);
}
rmSync(bare, { recursive: true, force: true });
rmSync(work, { recursive: true, force: true });

console.log(`Image ${image}: ${mb(sizeBytes)} MB uncompressed, ${mb(pushed.compressedBytes)} MB compressed in the registry (goal < 150 MB)\n`);
console.log("| layer (newest first) | uncompressed MB | compressed MB |");
console.log("|---|---:|---:|");
layers.forEach((l, i) => console.log(`| \`${l.createdBy.replace(/\|/g, "\\|")}\` | ${mb(l.bytes)} | ${compressed ? mb(compressed[i] ?? 0) : "?"} |`));
console.log(`| **total** (goal < 150) | **${mb(sizeBytes)}** | **${mb(pushed.compressedBytes)}** |\n`);
const shown = files.slice(0, 12);
const rest = files.slice(shown.length);
console.log("| file | MB |");
console.log("|---|---:|");
for (const f of shown) console.log(`| \`${f.path}\` | ${mb(f.bytes)} |`);
console.log(`| the other ${rest.length} files | ${mb(rest.reduce((a, f) => a + f.bytes, 0))} |\n`);
console.log("| run | docker run → /readyz 200 (s) | docker run → first sync Ready (s) |");
console.log("|---|---|---|");
for (const r of rows) console.log(r);
