/**
 * Benchmark: Helm and SOPS against plain YAML, through the whole agent (`slipway agent --once`
 * as a child process: git fetch, kustomize, the Helm or SOPS step, staged apply, health) on the
 * local control plane (`npm run testenv -- up`). Four syncs of their own namespaces:
 * - plain YAML: 200 ConfigMaps committed as YAML;
 * - Helm: a HelmRelease of a chart that renders the same 200 ConfigMaps (packaged with `helm
 *   package`, served over HTTP by this process);
 * - plain Secrets: 100 Secrets committed as YAML;
 * - SOPS: the same 100 Secrets, each file encrypted with age by the real `sops`.
 * Each is run cold (first apply) and no-op (same revision again, a fresh cache so the source is
 * fetched again). Prints a markdown table: wall time of the run, and the sync's own reconcile
 * time from its log line (for the Helm case its holder's plus the release's own sync's).
 *
 * Usage: node bench/helm-sops.ts [--objects 200] [--secrets 100]
 */
import { parseArgs } from "node:util";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { run } from "../core/exec.ts";
import { kubectl, loadTestEnv, testGitConfig, uniqueName, type TestEnv } from "../test/env/harness.ts";
import { ageKeygenTool, ensureGoTool, helmTool, sopsTool } from "../test/env/go-tools.ts";
import { startChartRepo, writeBulkChart } from "../test/agent/helm/chart-fixture.ts";
import { agentArgs, runSlipway, writeConfig } from "../test/agent/e2e/agent-process.ts";
import { helmReleaseKey } from "../agent/helm/release-sync.ts";

const { values } = parseArgs({ options: { objects: { type: "string", default: "200" }, secrets: { type: "string", default: "100" } } });
const objects = Number(values.objects);
const secrets = Number(values.secrets);

const env = loadTestEnv();
if (!env) throw new Error("the test environment is not up: run `npm run testenv -- up`");
const testEnv: TestEnv = env;

/** Creates a bare repository under the env's git root holding `files`; returns its HTTP URL. */
async function gitRepo(files: Record<string, string>): Promise<{ url: string; dispose: () => void }> {
  const name = uniqueName("bench");
  const bare = path.join(testEnv.gitRoot, `${name}.git`);
  const work = mkdtempSync(path.join(tmpdir(), "slipway-bench-"));
  await run("git", [...testGitConfig, "init", "--bare", "-q", "-b", "main", bare]);
  await run("git", [...testGitConfig, "init", "-q", "-b", "main", work]);
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(work, f)), { recursive: true });
    writeFileSync(path.join(work, f), text);
  }
  await run("git", [...testGitConfig, "-C", work, "add", "-A"]);
  await run("git", [...testGitConfig, "-C", work, "commit", "-q", "-m", "bench"]);
  await run("git", [...testGitConfig, "-C", work, "push", "-q", bare, "HEAD:refs/heads/main"]);
  rmSync(work, { recursive: true, force: true });
  return { url: `${testEnv.gitHttpUrl}/${name}.git`, dispose: () => rmSync(bare, { recursive: true, force: true }) };
}

interface Figures {
  wallMs: number;
  reconcileMs: number | undefined;
}

/** The reconcile time `sync` logged (`Reconciliation finished in 1.2s`), from the agent's JSON log lines. */
const durationMs = (text: string, sync: string): number | undefined => {
  for (const line of text.split("\n")) {
    if (!line.includes(`"sync":"${sync}"`)) continue;
    const m = /Reconciliation finished in ([\d.]+)(ms|s|m)/.exec(line);
    if (m?.[1]) return Number(m[1]) * (m[2] === "ms" ? 1 : m[2] === "s" ? 1000 : 60_000);
  }
  return undefined;
};

/** Runs the agent once over `repoUrl`'s `path` and times it. */
async function once(agentNs: string, repoUrl: string, extraEnv: Record<string, string>, syncs: readonly string[] = ["bench"]): Promise<Figures> {
  const config = writeConfig(`namespace: ${agentNs}\nsources:\n  - name: repo\n    url: ${repoUrl}\n    ref: { branch: main }\nsyncs:\n  - name: bench\n    sourceRef: repo\n    path: ./apps\n    timeout: 5m\n`);
  const cache = mkdtempSync(path.join(tmpdir(), "slipway-bench-cache-"));
  const start = performance.now();
  const r = await runSlipway(["agent", ...agentArgs(testEnv, config, cache), "--once"], { env: extraEnv, timeoutMs: 600_000 });
  const wallMs = performance.now() - start;
  rmSync(cache, { recursive: true, force: true });
  if (r.code !== 0) throw new Error(`agent --once failed: ${r.stderr.slice(-2000)}`);
  // A HelmRelease is a sync of its own: its reconcile counts beside its holder's.
  const each = syncs.map((sync) => durationMs(r.stdout + r.stderr, sync));
  return { wallMs, reconcileMs: each.some((d) => d === undefined) ? undefined : each.reduce((a: number, d) => a + (d ?? 0), 0) };
}

const fmt = (f: Figures): string[] => [`${(f.wallMs / 1000).toFixed(2)} s`, f.reconcileMs === undefined ? "—" : `${(f.reconcileMs / 1000).toFixed(2)} s`];

async function scenario(label: string, files: (ns: string) => Record<string, string>, extraEnv: Record<string, string>, syncs: (ns: string) => string[] = () => ["bench"]): Promise<string[][]> {
  const agentNs = uniqueName("bench-agent");
  const ns = uniqueName("bench");
  await kubectl(testEnv, ["create", "namespace", agentNs]);
  await kubectl(testEnv, ["create", "namespace", ns]);
  const repo = await gitRepo(files(ns));
  try {
    const cold = await once(agentNs, repo.url, extraEnv, syncs(ns));
    const noop = await once(agentNs, repo.url, extraEnv, syncs(ns));
    return [[label, "cold", ...fmt(cold)], [label, "no-op", ...fmt(noop)]];
  } finally {
    repo.dispose();
    await kubectl(testEnv, ["delete", "namespace", agentNs, ns, "--wait=false"]);
  }
}

const helm = await ensureGoTool(helmTool);
const sops = await ensureGoTool(sopsTool);
const keygen = await ensureGoTool(ageKeygenTool);
const rows: string[][] = [];

const configMaps = (ns: string): string => Array.from({ length: objects }, (_, i) => `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bulk-${i}\n  namespace: ${ns}\ndata:\n  index: "${i}"\n`).join("");
rows.push(...(await scenario(`plain YAML, ${objects} ConfigMaps`, (ns) => ({ "apps/objects.yaml": configMaps(ns) }), {})));

const charts = await startChartRepo(helm);
try {
  await charts.add(writeBulkChart(objects));
  const release = (ns: string): string => `apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: { name: charts, namespace: ${ns} }\nspec: { interval: 10m, url: "${charts.url}" }\n---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: { name: bulk, namespace: ${ns} }\nspec:\n  interval: 10m\n  releaseName: bulk\n  chart: { spec: { chart: bulk, version: "1.x", sourceRef: { kind: HelmRepository, name: charts } } }\n`;
  rows.push(...(await scenario(`Helm chart, ${objects} ConfigMaps`, (ns) => ({ "apps/release.yaml": release(ns) }), { SLIPWAY_HELM: helm }, (ns) => ["bench", helmReleaseKey(ns, "bulk")])));
} finally {
  await charts.close();
}

const secretYaml = (ns: string, i: number): string => `apiVersion: v1\nkind: Secret\nmetadata:\n  name: secret-${i}\n  namespace: ${ns}\nstringData:\n  password: value-${i}-${"x".repeat(24)}\n`;
const plainSecrets = (ns: string): Record<string, string> => Object.fromEntries(Array.from({ length: secrets }, (_, i) => [`apps/secret-${i}.yaml`, secretYaml(ns, i)]));
rows.push(...(await scenario(`plain YAML, ${secrets} Secrets`, plainSecrets, {})));

const keys = (await run(keygen, [])).stdout;
const secretKey = /^AGE-SECRET-KEY-\S+$/m.exec(keys)?.[0] ?? "";
const recipient = /public key: (age1\S+)/.exec(keys)?.[1] ?? "";
const encryptedSecrets = async (ns: string): Promise<Record<string, string>> => {
  const out: Record<string, string> = {};
  for (let i = 0; i < secrets; i++) {
    out[`apps/secret-${i}.yaml`] = (await run(sops, ["encrypt", "--age", recipient, "--encrypted-regex", "^(data|stringData)$", "--input-type", "yaml", "--output-type", "yaml", "--filename-override", "s.yaml"], { input: secretYaml(ns, i), cwd: "/", env: { PATH: process.env.PATH ?? "", HOME: "/nonexistent" } })).stdout;
  }
  return out;
};
{
  const agentNs = uniqueName("bench-agent");
  const ns = uniqueName("bench");
  const encrypted = await encryptedSecrets(ns);
  const kustomization = (): string => `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: { name: secrets, namespace: ${agentNs} }\nspec:\n  interval: 10m\n  path: ./secrets\n  sourceRef: { kind: GitRepository, name: repo }\n  decryption: { provider: sops, secretRef: { name: sops-keys } }\n`;
  await kubectl(testEnv, ["create", "namespace", agentNs]);
  await kubectl(testEnv, ["create", "namespace", ns]);
  await kubectl(testEnv, ["create", "secret", "generic", "sops-keys", "-n", agentNs, `--from-literal=identity.agekey=${secretKey}`]);
  const files = Object.fromEntries(Object.entries(encrypted).map(([k, v]) => [k.replace(/^apps\//, "secrets/"), v]));
  const repo = await gitRepo({ "apps/secrets.yaml": kustomization(), ...files });
  try {
    const cold = await once(agentNs, repo.url, { SLIPWAY_SOPS: sops }, ["secrets"]);
    const noop = await once(agentNs, repo.url, { SLIPWAY_SOPS: sops }, ["secrets"]);
    const got = await kubectl(testEnv, ["get", "secrets", "-n", ns, "-o", "name"]);
    if (got.trim().split("\n").length !== secrets) throw new Error(`expected ${secrets} Secrets in ${ns}, got: ${got}`);
    rows.push([`SOPS (age), ${secrets} Secrets`, "cold", ...fmt(cold)], [`SOPS (age), ${secrets} Secrets`, "no-op", ...fmt(noop)]);
  } finally {
    repo.dispose();
    await kubectl(testEnv, ["delete", "namespace", agentNs, ns, "--wait=false"]);
  }
}

console.log("| case | run | `agent --once` wall | the sync's reconcile |");
console.log("|---|---|---:|---:|");
for (const r of rows) console.log(`| ${r.join(" | ")} |`);
