/**
 * `npm run demo`: the whole flow on the local infrastructure, with the seed's repository as Flux
 * bootstrapped it (examples/shop: flux-system/ and all).
 *
 * 1. Starts the local infrastructure (Kubernetes + kwok nodes, git server, OCI registry, dockerd)
 *    unless it is up.
 * 2. Pushes the seed's repository to the local git server on branch `eks` (images pointed at the
 *    local registry, gotk-sync.yaml at this repository) and a second repository holding the
 *    monitoring stack, which clusters/eks/monitoring.yaml (GitRepository `monitoring` +
 *    Kustomization `monitoring-stack`) points at.
 * 3. Starts the agent (`slipway agent`, a host process) with the root alone, as `slipway
 *    bootstrap` writes it; Flux's install in flux-system/ is skipped, gotk-sync.yaml is the root.
 * 4. Runs the seven services' CI steps at once (`slipway ci`: docker build, push to the local
 *    registry, race-safe commit of the bump on `eks`, signed poke of the agent) and prints, per
 *    service, the CI step's time and push → rolled out, read from the agent's status API.
 * 5. Shows the monitoring stack synced from its own source, then removes a service (and the ECR
 *    CronJob) from git and waits until both are pruned from the cluster.
 *
 * Every check is a bounded wait that names what did not converge; the demo exits 0 only when all
 * converged, and stops what it started (also on failure and on Ctrl-C).
 *
 * Flags: --keep   leave the agent's objects and the infrastructure running afterwards
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { run } from "../core/exec.ts";
import { pokeWebhook } from "../action/webhook.ts";
import { loadTestEnv, testGitConfig, uniqueName, type TestEnv, type TestGitRepo } from "../test/env/harness.ts";
import { pushChanges } from "../test/agent/e2e/git-push.ts";
import { seedTree } from "../test/agent/e2e/seed-repo.ts";

const root = path.resolve(import.meta.dirname, "..");
const node = process.execPath;
const cli = path.join(root, "cli/bin.ts");
const { values } = parseArgs({ options: { keep: { type: "boolean", default: false } } });
const services = ["account", "apigateway", "bff", "cart", "order", "payment", "product"] as const;
/** The service the demo removes from git to show the prune. */
const removed = "payment";
const started = Date.now();

const say = (line: string): void => void process.stdout.write(line + "\n");
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** Ctrl-C / SIGTERM cancel every wait and every child; the cleanup then runs as on failure. */
const stop = new AbortController();
const interrupt = (sig: string) => (): void => {
  say(`✗ ${sig}: stopping`);
  stop.abort(new Error(`interrupted (${sig})`));
};
process.once("SIGINT", interrupt("SIGINT"));
process.once("SIGTERM", interrupt("SIGTERM"));

async function kubectl(env: TestEnv, args: string[], okCodes = [0]): Promise<string> {
  return (await run("kubectl", ["--kubeconfig", env.kubeconfig, ...args], { signal: stop.signal, okCodes, timeoutMs: 30_000 })).stdout;
}

/**
 * Polls `probe` every 200 ms until it returns a value. A probe that throws (an API server too busy
 * to answer) is tried again; the timeout's message names `what` and the last error or state.
 */
async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, state?: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    stop.signal.throwIfAborted();
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      if (stop.signal.aborted) throw err;
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : state ? ` (${state()})` : "";
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${why}`, { cause: lastError });
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A bare repository under the git server's root whose `branch` holds one commit of the files in `dir`. */
async function bareRepo(env: TestEnv, name: string, branch: string, dir: string, message: string): Promise<TestGitRepo> {
  const bareDir = path.join(env.gitRoot, `${name}.git`);
  await run("git", [...testGitConfig, "init", "--bare", "-q", "-b", branch, bareDir]);
  await run("git", [...testGitConfig, "init", "-q", "-b", branch, dir]);
  await run("git", [...testGitConfig, "-C", dir, "add", "-A"]);
  await run("git", [...testGitConfig, "-C", dir, "commit", "-q", "-m", message]);
  await run("git", [...testGitConfig, "-C", dir, "push", "-q", bareDir, `HEAD:refs/heads/${branch}`]);
  const auth = new URL(`${env.gitHttpAuthUrl}/${name}.git`);
  auth.username = encodeURIComponent(env.gitHttpUser);
  auth.password = encodeURIComponent(env.gitHttpPassword);
  return { name, bareDir, httpUrl: `${env.gitHttpUrl}/${name}.git`, httpAuthUrl: auth.toString(), sshUrl: `${env.gitSshUrl}/${name}.git` };
}

/** Removes the YAML documents of `file` whose metadata.name is `name`. */
function withoutDocuments(file: string, name: string): string {
  const docs = readFileSync(file, "utf8").split(/^---\n/m);
  return docs.filter((d) => !new RegExp(`^metadata:\\n(?: {2}.*\\n)*? {2}name: ${name}\\n`, "m").test(d)).join("---\n");
}

/** What the status API answers for one sync (`GET /api/v1/syncs/<name>`), the fields the demo reads. */
interface SyncDetail {
  name: string;
  ready?: string;
  reason?: string;
  message?: string;
  lastAppliedRevision?: string;
  health?: { id: string; status: string; message: string }[];
}

// 1. Infrastructure.
say("► starting the local infrastructure (first run builds Kubernetes from source: a few minutes)");
let startedEnv = false;
if (spawnSync(node, ["test/env/cli.ts", "status", "--quiet"], { cwd: root }).status !== 0) {
  const up = spawnSync(node, ["test/env/cli.ts", "up"], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
  startedEnv = true;
  if (up.status !== 0) {
    spawnSync(node, ["test/env/cli.ts", "down"], { cwd: root, stdio: "inherit" });
    throw new Error(`testenv up exited with ${up.status}`);
  }
}
const env = loadTestEnv(path.join(root, ".testenv/env"));
if (!env) throw new Error(".testenv/env is missing after `testenv up`");
say(`✔ Kubernetes ${env.kubeVersion}, git on ${env.gitHttpUrl}, registry ${env.registry}`);

const work = mkdtempSync(path.join(tmpdir(), "slipway-demo-"));
const children = new Set<ChildProcess>();
const createdNamespaces: string[] = [];
const repos: TestGitRepo[] = [];
const cleanup = (): void => {
  for (const c of children) c.kill("SIGTERM");
  if (!values.keep) {
    for (const ns of ["shop", "monitoring", ...createdNamespaces]) {
      spawnSync("kubectl", ["--kubeconfig", env.kubeconfig, "delete", "namespace", ns, "--wait=false", "--ignore-not-found"], { stdio: "ignore" });
    }
    // The agent's status and ApplySet parents (the namespace goes too when the demo created it).
    const state = ["slipway-flux-system", "slipway-flux-system.monitoring-stack", "slipway.source.flux-system", "slipway.source.flux-system.monitoring"];
    spawnSync("kubectl", ["--kubeconfig", env.kubeconfig, "delete", "configmap", "-n", "slipway-system", "--ignore-not-found", ...state], { stdio: "ignore" });
    for (const r of repos) rmSync(r.bareDir, { recursive: true, force: true });
    if (startedEnv) spawnSync(node, ["test/env/cli.ts", "down"], { cwd: root, stdio: "inherit" });
  }
  rmSync(work, { recursive: true, force: true });
};

let failed = false;
let agentLog = "";
try {
  // 2. The repositories: the seed's as it is (flux-system/ and all), and the monitoring stack's.
  const monTree = path.join(work, "monitoring");
  mkdirSync(path.join(monTree, "manifests/monitoring"), { recursive: true });
  writeFileSync(path.join(monTree, "manifests/monitoring/kustomization.yaml"), "resources:\n  - namespace.yaml\n  - grafana.yaml\n");
  writeFileSync(path.join(monTree, "manifests/monitoring/namespace.yaml"), "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: monitoring\n");
  writeFileSync(
    path.join(monTree, "manifests/monitoring/grafana.yaml"),
    [
      "apiVersion: apps/v1", "kind: Deployment", "metadata:", "  name: grafana", "  namespace: monitoring", "spec:", "  replicas: 1",
      "  selector:", "    matchLabels: { app: grafana }", "  template:", "    metadata:", "      labels: { app: grafana }", "    spec:",
      "      containers:", "        - name: grafana", "          image: grafana/grafana:7.5.7", "          ports: [{ containerPort: 3000 }]",
      "---", "apiVersion: v1", "kind: Service", "metadata:", "  name: grafana", "  namespace: monitoring", "spec:",
      "  selector: { app: grafana }", "  ports: [{ port: 3000 }]", "",
    ].join("\n"),
  );
  const monitoring = await bareRepo(env, uniqueName("monitoring"), "main", monTree, "monitoring stack");
  repos.push(monitoring);
  const monSha = (await run("git", ["--git-dir", monitoring.bareDir, "rev-parse", "main"])).stdout.trim();
  const repoName = uniqueName("shop-manifests");
  const repoUrl = `${env.gitHttpAuthUrl}/${repoName}.git`;
  const tree = seedTree({ appNamespace: "shop", url: repoUrl, monitoring: true });
  const shopDir = path.join(tree, "clusters/eks/shop");
  const ecrHost = "170247361816.dkr.ecr.ap-northeast-2.amazonaws.com";
  for (const f of readdirSync(shopDir)) {
    const p = path.join(shopDir, f);
    writeFileSync(p, readFileSync(p, "utf8").split(ecrHost).join(env.registry));
  }
  const monitoringYaml = path.join(tree, "clusters/eks/monitoring.yaml");
  writeFileSync(monitoringYaml, readFileSync(monitoringYaml, "utf8").replace("https://github.com/fluxcd/flux2", monitoring.httpUrl));
  const repo = await bareRepo(env, repoName, "eks", tree, "the seed's repository").finally(() => rmSync(tree, { recursive: true, force: true }));
  repos.push(repo);
  const first = (await run("git", ["--git-dir", repo.bareDir, "rev-parse", "eks"])).stdout.trim();
  say(`✔ manifest repository ${repo.httpUrl} (branch eks: clusters/eks/flux-system/ with Flux's install and gotk-sync.yaml, clusters/eks/shop/ with 7 services, clusters/eks/monitoring.yaml)`);
  say(`✔ monitoring repository ${monitoring.httpUrl} (branch main: ./manifests/monitoring)`);

  // Flux's namespace is not created by the agent (its Namespace is part of Flux's install, which is
  // skipped); flux bootstrap left it in the cluster, with the ECR CronJob's home in it.
  for (const ns of ["slipway-system", "flux-system"]) {
    if ((await run("kubectl", ["--kubeconfig", env.kubeconfig, "create", "namespace", ns], { okCodes: [0, 1], signal: stop.signal })).code === 0) createdNamespaces.push(ns);
  }

  // 3. The agent: the root alone (one source, one sync, as `slipway bootstrap` writes them), git
  // credentials in a secrets directory (in a cluster: the Secret flux-system gotk-sync.yaml names).
  const secrets = path.join(work, "secrets");
  for (const name of ["flux-system"]) {
    mkdirSync(path.join(secrets, name), { recursive: true });
    writeFileSync(path.join(secrets, name, "username"), env.gitHttpUser);
    writeFileSync(path.join(secrets, name, "password"), env.gitHttpPassword);
  }
  // The CI step's call to the agent is HMAC-signed with this secret (never sent itself).
  const webhookSecret = randomBytes(24).toString("hex");
  mkdirSync(path.join(secrets, "webhook"));
  writeFileSync(path.join(secrets, "webhook", "token"), webhookSecret);
  const apiToken = randomBytes(24).toString("hex");
  const config = path.join(work, "agent.yaml");
  writeFileSync(
    config,
    [
      "namespace: slipway-system",
      "sources:",
      "  - name: flux-system",
      `    url: ${repoUrl}`,
      "    ref:",
      "      branch: eks",
      "    secretRef:",
      "      name: flux-system",
      "syncs:",
      "  - name: flux-system",
      "    sourceRef: flux-system",
      "    path: ./clusters/eks",
      "    timeout: 2m",
      "    prune: true",
      "receivers:",
      '  listen: "127.0.0.1:0"',
      "  endpoints:",
      "    - { name: flux-system, type: slipway, secretRef: { name: webhook } }",
      "",
    ].join("\n"),
  );
  const agentEnv = { ...process.env, KUBECONFIG: env.kubeconfig, SLIPWAY_API_TOKEN: apiToken };
  const cliEnv = { ...process.env, KUBECONFIG: env.kubeconfig };
  say("► starting the agent (slipway agent --config agent.yaml: source flux-system, sync flux-system at ./clusters/eks)");
  const agent = spawn(node, [cli, "agent", "--config", config, "--listen", "127.0.0.1:0", "--secrets-dir", secrets, "--cache-dir", path.join(work, "cache"), "--log-format", "text"], {
    env: agentEnv,
    stdio: ["ignore", "ignore", "pipe"],
  });
  children.add(agent);
  agent.stderr.setEncoding("utf8").on("data", (d: string) => (agentLog += d));
  agent.once("exit", (code, sig) => {
    children.delete(agent);
    if (!stop.signal.aborted) stop.abort(new Error(`the agent exited (${sig ?? code}):\n${agentLog.slice(-2000)}`));
  });
  const hookPort = await waitFor("the agent's receivers to listen", 60_000, () => Promise.resolve(/receivers: listening on port (\d+)/.exec(agentLog)?.[1]));
  const api = `http://127.0.0.1:${hookPort}/api/v1/syncs`;
  const sync = async (name: string): Promise<SyncDetail | undefined> => {
    const res = await fetch(`${api}/${name}`, { headers: { authorization: `Bearer ${apiToken}` }, signal: AbortSignal.any([stop.signal, AbortSignal.timeout(10_000)]) });
    if (res.status === 404) return (await res.body?.cancel(), undefined);
    if (!res.ok) throw new Error(`status API ${name}: ${res.status} ${await res.text()}`);
    return (await res.json()) as SyncDetail;
  };
  let last: SyncDetail | undefined;
  const readyAt = (name: string, revision: string) => async (): Promise<SyncDetail | undefined> => {
    const s = await sync(name);
    if (name === "flux-system") last = s;
    if (s?.ready === "False" && s.reason !== "Progressing" && s.reason !== "DependencyNotReady") throw new Error(`sync ${name} failed: ${s.reason}: ${s.message}`);
    return s?.ready === "True" && s.lastAppliedRevision === revision ? s : undefined;
  };
  const rootState = (): string => `flux-system: ${last?.reason ?? "no status"} ${last?.message ?? ""}`;
  const rootReady = await waitFor(`the root sync flux-system to apply eks@sha1:${first}`, 120_000, readyAt("flux-system", `eks@sha1:${first}`), rootState);
  say(`✔ flux-system: ${rootReady.message}`);
  const fluxObjects = (await kubectl(env, ["get", "deployments", "-n", "flux-system", "-o", "name"])).trim();
  if (fluxObjects) throw new Error(`Flux's controllers were applied: ${fluxObjects}`);
  if ((await kubectl(env, ["get", "crd", "-o", "name"])).split("\n").some((n) => n.endsWith(".toolkit.fluxcd.io"))) throw new Error("Flux's toolkit CRDs were applied");
  say("✔ Flux's install in clusters/eks/flux-system/ skipped (no Flux controller or toolkit CRD in the cluster), gotk-sync.yaml's GitRepository and Kustomization taken as the root");

  // 4. The seven services' CI steps at once.
  say(`► slipway ci × ${services.length} at once: docker build, push, bump the marker, commit on eks, poke the agent`);
  interface Pipeline {
    service: string;
    startedAt: number;
    pushedAt?: number;
    endedAt?: number;
    attempts?: number;
    commit?: string;
    tag?: string;
    rolledOutAt?: number;
  }
  const samples: { at: number; detail: SyncDetail }[] = [];
  let polling = true;
  const poller = (async () => {
    while (polling && !stop.signal.aborted) {
      try {
        const d = await sync("flux-system");
        if (d) samples.push({ at: Date.now(), detail: d });
      } catch {
        // a busy agent; the next sample will tell
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  const pipelines = await Promise.all(
    services.map(async (service): Promise<Pipeline> => {
      const ctx = path.join(work, `${service}-src`);
      mkdirSync(ctx);
      writeFileSync(path.join(ctx, "Dockerfile"), "FROM scratch\nCOPY build.txt /build.txt\n");
      writeFileSync(path.join(ctx, "build.txt"), `${service} built at ${new Date().toISOString()}\n`);
      const p: Pipeline = { service, startedAt: Date.now() };
      const r = await run(
        node,
        [
          cli, "ci",
          "--image", `${env.registry}/shop/${service}`,
          "--context", ctx,
          "--manifest-repo", repo.httpUrl,
          "--manifest-branch", "eks",
          "--git-username", env.gitHttpUser,
          "--webhook-url", `http://127.0.0.1:${hookPort}/hook/flux-system`,
        ],
        {
          env: { ...process.env, DOCKER_HOST: env.dockerHost, SLIPWAY_GIT_PASSWORD: env.gitHttpPassword, SLIPWAY_WEBHOOK_TOKEN: webhookSecret },
          signal: stop.signal,
          timeoutMs: 120_000,
          onOutput: (chunk, stream) => {
            const m = stream === "stderr" ? /commit ([0-9a-f]{40}) pushed to eks attempts=(\d+)/.exec(chunk) : null;
            if (m) {
              p.pushedAt = Date.now();
              p.attempts = Number(m[2]);
            }
          },
        },
      );
      p.endedAt = Date.now();
      const out = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as { commit?: string; tag?: string };
      if (!out.commit || !p.pushedAt) throw new Error(`slipway ci for ${service} pushed no commit:\n${r.stderr}`);
      p.commit = out.commit;
      p.tag = out.tag;
      return p;
    }),
  );
  const landed = (await run("git", ["--git-dir", repo.bareDir, "log", "--format=%H", `${first}..eks`])).stdout.trim().split("\n");
  const lost = pipelines.filter((p) => !landed.includes(p.commit ?? ""));
  if (lost.length) throw new Error(`commits missing from eks: ${lost.map((p) => `${p.service} ${p.commit}`).join(", ")}`);
  say(`✔ ${pipelines.length}/${services.length} commits landed on eks (${pipelines.reduce((n, p) => n + (p.attempts ?? 1) - 1, 0)} races retried)`);

  // Rolled out: the status API reports a revision that contains the service's commit, Ready, and
  // the service's Deployment Current in its live health.
  const contains = new Map<string, boolean>();
  const isAncestor = async (commit: string, revision: string): Promise<boolean> => {
    const key = `${commit} ${revision}`;
    let v = contains.get(key);
    if (v === undefined) {
      v = (await run("git", ["--git-dir", repo.bareDir, "merge-base", "--is-ancestor", commit, revision], { okCodes: [0, 1] })).code === 0;
      contains.set(key, v);
    }
    return v;
  };
  const pending = (): Pipeline[] => pipelines.filter((p) => p.rolledOutAt === undefined);
  let seen = 0;
  await waitFor("every service to roll out", 120_000, async () => {
    for (; seen < samples.length; seen++) {
      const { at, detail } = samples[seen]!;
      const revision = /@sha1:([0-9a-f]{40})$/.exec(detail.lastAppliedRevision ?? "")?.[1];
      if (detail.ready !== "True" || !revision) continue;
      for (const p of pending()) {
        const health = detail.health?.find((h) => h.id.endsWith(`Deployment/shop/${p.service}`));
        if (health?.status === "Current" && (await isAncestor(p.commit!, revision))) p.rolledOutAt = at;
      }
    }
    return pending().length === 0 ? true : undefined;
  }, () => `not rolled out: ${pending().map((p) => p.service).join(", ")}; ${rootState()}`);
  polling = false;
  await poller;
  for (const p of pipelines) {
    const image = (await kubectl(env, ["get", "deployment", p.service, "-n", "shop", "-o", "jsonpath={.spec.template.spec.containers[0].image}"])).trim();
    if (image !== `${env.registry}/shop/${p.service}:${p.tag}`) throw new Error(`Deployment/shop/${p.service} runs ${image}, not the tag its CI step pushed (${p.tag})`);
    say(`✔ ${p.service} runs ${image}`);
  }
  const pad = (s: string, n: number): string => s.padEnd(n);
  say("");
  say(`${pad("SERVICE", 12)}${pad("TAG", 16)}${pad("ATTEMPTS", 10)}${pad("CI STEP", 10)}PUSH → ROLLED OUT`);
  for (const p of pipelines) {
    say(`${pad(p.service, 12)}${pad(p.tag ?? "", 16)}${pad(String(p.attempts), 10)}${pad(seconds(p.endedAt! - p.startedAt), 10)}${seconds(p.rolledOutAt! - p.pushedAt!)}`);
  }
  say("");
  const most = (f: (p: Pipeline) => number): string => (Math.max(...pipelines.map(f)) / 1000).toFixed(1);
  say(`✔ slowest CI step ${most((p) => p.endedAt! - p.startedAt)}s (build, push, commit); commit → rolled out in the cluster ${most((p) => p.rolledOutAt! - p.pushedAt!)}s at most`);
  say("(CI step: the whole `slipway ci` process; push → rolled out: from the CI step's push to the status API reporting a revision that contains it, Ready, with the Deployment Current)");

  // 5. The monitoring stack, from its own source.
  const mon = await waitFor(`monitoring-stack to apply main@sha1:${monSha}`, 60_000, readyAt("flux-system/monitoring-stack", `main@sha1:${monSha}`));
  const grafana = mon.health?.find((h) => h.id.endsWith("Deployment/monitoring/grafana"));
  if (grafana?.status !== "Current") throw new Error(`monitoring-stack's Deployment/monitoring/grafana is ${grafana?.status ?? "not in its set"}`);
  say(`✔ monitoring-stack: ${mon.message} (GitRepository monitoring → ${monitoring.httpUrl}), Deployment/monitoring/grafana Current`);
  process.stdout.write((await run(node, [cli, "get", "kustomizations", "-A"], { env: cliEnv, signal: stop.signal })).stdout);
  process.stdout.write((await run(node, [cli, "get", "sources", "git", "-A"], { env: cliEnv, signal: stop.signal })).stdout);

  // 6. Removed from git means pruned: one service and the ECR CronJob (Slipway's CI step talks to
  // ECR with its own role, so the seed's workaround can go).
  say(`► removing ${removed} (its Deployment and Service) and clusters/eks/shop/ecr-job.yml from git`);
  const clone = path.join(work, "prune");
  await run("git", ["clone", "-q", "--branch", "eks", repo.bareDir, clone], { signal: stop.signal });
  const prune = await pushChanges(repo, "eks", {
    "clusters/eks/shop/shop-deployment.yml": withoutDocuments(path.join(clone, "clusters/eks/shop/shop-deployment.yml"), removed),
    "clusters/eks/shop/shop-service.yml": withoutDocuments(path.join(clone, "clusters/eks/shop/shop-service.yml"), removed),
    "clusters/eks/shop/ecr-job.yml": null,
  }, `remove ${removed} and the ECR credentials CronJob`);
  const pokedAt = Date.now();
  await pokeWebhook({ url: `http://127.0.0.1:${hookPort}/hook/flux-system`, secret: webhookSecret, branch: "eks", commit: prune, signal: stop.signal });
  const pruned = await waitFor(`flux-system to apply eks@sha1:${prune}`, 60_000, readyAt("flux-system", `eks@sha1:${prune}`), rootState);
  const leftovers = async (): Promise<string> =>
    (await kubectl(env, ["get", `deployment/${removed}`, `service/${removed}`, "-n", "shop", "-o", "name", "--ignore-not-found"])).trim() +
    (await kubectl(env, ["get", "cronjob/ecr-credentials-sync", "-n", "flux-system", "-o", "name", "--ignore-not-found"])).trim();
  let left = "";
  await waitFor(`${removed} and the CronJob to be gone from the cluster`, 30_000, async () => ((left = await leftovers()) === "" ? true : undefined), () => `still there: ${left}`);
  say(`✔ ${pruned.message}`);
  say(`✔ deployment/${removed}, service/${removed} and cronjob/ecr-credentials-sync pruned ${seconds(Date.now() - pokedAt)} after the push`);
  const deployments = (await kubectl(env, ["get", "deployments", "-n", "shop", "-o", "name"])).trim().split("\n");
  if (deployments.length !== services.length - 1) throw new Error(`shop has ${deployments.length} Deployments, expected ${services.length - 1}: ${deployments.join(", ")}`);
  say(`✔ demo converged in ${seconds(Date.now() - started)}`);
} catch (err) {
  failed = true;
  say(`✗ demo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.stderr.write(`the agent's log (last lines):\n${agentLog.split("\n").slice(-30).join("\n")}\n`);
}
cleanup();
process.exit(failed ? 1 : 0);
