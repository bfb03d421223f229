/**
 * `npm run demo`: the whole flow on the local infrastructure, with the seed's shop.
 *
 * 1. Starts the local infrastructure (Kubernetes + kwok nodes, git server, OCI registry, dockerd)
 *    unless it is up.
 * 2. Pushes the shop's manifest repository (examples/shop: seven services, Flux image policies
 *    and markers, no kustomization.yaml) to the local git server, on branch `eks`.
 * 3. Starts the agent (`slipway agent`) on it and waits until every sync is Ready.
 * 4. Runs the CI step (`slipway ci`) for the `account` service: builds an image with docker,
 *    tags it with a UTC timestamp, pushes it, commits the bump at the marker, pokes the agent.
 * 5. Waits until the cluster runs the new image and prints how long push → rollout took.
 *
 * Flags: --keep   leave the agent's objects and the infrastructure running afterwards
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadTestEnv, testGitConfig, uniqueName, type TestEnv } from "../test/env/harness.ts";

const root = path.resolve(import.meta.dirname, "..");
const node = process.execPath;
const cli = path.join(root, "cli/bin.ts");
const { values } = parseArgs({ options: { keep: { type: "boolean", default: false } } });

const say = (line: string): void => void process.stdout.write(line + "\n");

function runOrDie(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; quiet?: boolean } = {}): string {
  const r = spawnSync(command, args, { cwd: options.cwd ?? root, env: options.env ?? process.env, encoding: "utf8" });
  if (r.status !== 0) {
    process.stderr.write(r.stdout + r.stderr);
    throw new Error(`${path.basename(command)} ${args.slice(0, 2).join(" ")} exited with ${r.status}`);
  }
  if (!options.quiet) process.stderr.write(r.stderr);
  return r.stdout;
}

function kubectl(env: TestEnv, args: string[]): string {
  return runOrDie("kubectl", ["--kubeconfig", env.kubeconfig, ...args], { quiet: true });
}

/**
 * Polls `probe` until it returns a value. A probe that throws (an API server too busy to answer a
 * kubectl call) is tried again; its last error is part of the timeout's message.
 */
async function waitFor<T>(what: string, timeoutMs: number, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = probe();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : "";
      throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${why}`, { cause: lastError });
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

// 1. Infrastructure.
say("► starting the local infrastructure (first run builds Kubernetes from source: a few minutes)");
let startedEnv = false;
if (spawnSync(node, ["test/env/cli.ts", "status", "--quiet"], { cwd: root }).status !== 0) {
  runOrDie(node, ["test/env/cli.ts", "up"]);
  startedEnv = true;
}
const env = loadTestEnv(path.join(root, ".testenv/env"));
if (!env) throw new Error(".testenv/env is missing after `testenv up`");
say(`✔ Kubernetes ${env.kubeVersion}, git on ${env.gitHttpUrl}, registry ${env.registry}`);

const work = mkdtempSync(path.join(tmpdir(), "slipway-demo-"));
let agent: ChildProcess | undefined;
const cleanup = (): void => {
  agent?.kill("SIGTERM");
  if (!values.keep) {
    spawnSync("kubectl", ["--kubeconfig", env.kubeconfig, "delete", "namespace", "shop", "--wait=false", "--ignore-not-found"]);
    spawnSync("kubectl", ["--kubeconfig", env.kubeconfig, "delete", "configmap", "slipway-shop", "-n", "slipway-system", "--ignore-not-found"]);
    if (startedEnv) spawnSync(node, ["test/env/cli.ts", "down"], { cwd: root, stdio: "inherit" });
  }
  rmSync(work, { recursive: true, force: true });
};

try {
  // 2. The manifest repository: the seed's layout, images pointing at the local registry.
  const repoName = uniqueName("shop-manifests");
  const bare = path.join(env.gitRoot, `${repoName}.git`);
  const tree = path.join(work, "manifests");
  cpSync(path.join(root, "examples/shop"), tree, { recursive: true });
  const shopDir = path.join(tree, "clusters/eks/shop");
  const ecrHost = "170247361816.dkr.ecr.ap-northeast-2.amazonaws.com";
  for (const f of readdirSync(shopDir)) {
    const p = path.join(shopDir, f);
    writeFileSync(p, readFileSync(p, "utf8").split(ecrHost).join(env.registry));
  }
  // The seed's flux-system/ stays: Flux's install is skipped, gotk-sync.yaml (pointed at this
  // repository) is the agent's root. The monitoring stack's GitHub source and the ECR CronJob
  // (for Flux's image scanning, in Flux's namespace) are left out of the offline demo.
  const repoUrl = `${env.gitHttpAuthUrl}/${repoName}.git`;
  const gotkSync = path.join(tree, "clusters/eks/flux-system/gotk-sync.yaml");
  writeFileSync(gotkSync, readFileSync(gotkSync, "utf8").replace("<git repository url>", repoUrl));
  rmSync(path.join(tree, "clusters/eks/monitoring.yaml"));
  rmSync(path.join(shopDir, "ecr-job.yml"));
  runOrDie("git", [...testGitConfig, "init", "--bare", "-q", "-b", "eks", bare]);
  runOrDie("git", [...testGitConfig, "init", "-q", "-b", "eks", tree]);
  runOrDie("git", [...testGitConfig, "-C", tree, "add", "-A"]);
  runOrDie("git", [...testGitConfig, "-C", tree, "commit", "-q", "-m", "shop manifests"]);
  runOrDie("git", [...testGitConfig, "-C", tree, "push", "-q", bare, "HEAD:refs/heads/eks"]);
  say(`✔ manifest repository ${repoUrl} (branch eks, ./clusters/eks/shop: 7 Deployments, 7 Services, ConfigMap, Ingress, Flux image policies)`);

  // 3. The agent, with its git credentials in a secrets directory (in a cluster: a Secret).
  const secrets = path.join(work, "secrets/git-auth");
  mkdirSync(secrets, { recursive: true });
  writeFileSync(path.join(secrets, "username"), env.gitHttpUser);
  writeFileSync(path.join(secrets, "password"), env.gitHttpPassword);
  // gotk-sync.yaml's GitRepository names Flux's Secret flux-system (its settings win).
  cpSync(secrets, path.join(path.dirname(secrets), "flux-system"), { recursive: true });
  // The CI step's call to the agent is HMAC-signed with this secret (never sent itself).
  const webhookSecret = randomBytes(24).toString("hex");
  mkdirSync(path.join(path.dirname(secrets), "webhook"), { recursive: true });
  writeFileSync(path.join(path.dirname(secrets), "webhook", "token"), webhookSecret);
  const config = path.join(work, "agent.yaml");
  writeFileSync(
    config,
    [
      "namespace: slipway-system",
      "sources:",
      "  - name: manifests",
      `    url: ${repoUrl}`,
      "    ref:",
      "      branch: eks",
      "    interval: 1m",
      "    secretRef:",
      "      name: git-auth",
      "syncs:",
      "  - name: shop",
      "    sourceRef: manifests",
      "    path: ./clusters/eks",
      "    interval: 10m",
      "    timeout: 2m",
      "    prune: true",
      "receivers:",
      '  listen: "127.0.0.1:0"',
      "  endpoints:",
      "    - { name: manifests, type: slipway, secretRef: { name: webhook } }",
      "",
    ].join("\n"),
  );
  spawnSync("kubectl", ["--kubeconfig", env.kubeconfig, "create", "namespace", "slipway-system"], { stdio: "ignore" });
  const agentEnv = { ...process.env, KUBECONFIG: env.kubeconfig };
  const port = 18000 + Math.floor(Math.random() * 2000);
  say(`► starting the agent (slipway agent --config agent.yaml --listen 127.0.0.1:${port})`);
  agent = spawn(node, [cli, "agent", "--config", config, "--listen", `127.0.0.1:${port}`, "--secrets-dir", path.dirname(secrets), "--cache-dir", path.join(work, "cache"), "--log-format", "text"], {
    env: agentEnv,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let agentLog = "";
  agent.stderr?.setEncoding("utf8").on("data", (d: string) => (agentLog += d));
  const syncReady = (revisionSha?: string) => (): { message?: string } | undefined => {
    const r = spawnSync(node, [cli, "get", "-o", "json"], { env: agentEnv, encoding: "utf8" });
    if (r.status !== 0) return undefined;
    const rows = JSON.parse(r.stdout) as { name: string; ready?: string; message?: string; lastAppliedRevision?: string }[];
    const shop = rows.find((x) => x.name === "shop");
    if (shop?.ready === "False" && /Failed/.test(shop.message ?? "")) throw new Error(`sync shop failed: ${shop.message}`);
    if (revisionSha && !shop?.lastAppliedRevision?.endsWith(revisionSha)) return undefined;
    return shop?.ready === "True" ? shop : undefined;
  };
  const hookPort = await waitFor("the agent's receivers to listen", 60_000, () => /receivers: listening on port (\d+)/.exec(agentLog)?.[1]);
  const ready = await waitFor("the shop sync to become Ready", 180_000, syncReady());
  say(`✔ ${ready.message}`);
  process.stdout.write(runOrDie(node, [cli, "get"], { env: agentEnv, quiet: true }));
  process.stdout.write(kubectl(env, ["get", "deployments", "-n", "shop"]));

  // 4. The CI step for the account service.
  const ctx = path.join(work, "account-src");
  mkdirSync(ctx);
  writeFileSync(path.join(ctx, "Dockerfile"), "FROM scratch\nCOPY build.txt /build.txt\n");
  writeFileSync(path.join(ctx, "build.txt"), `account built at ${new Date().toISOString()}\n`);
  say("► slipway ci: build account, tag with a UTC timestamp, push, bump the marker, poke the agent");
  const t0 = Date.now();
  const ciOut = runOrDie(
    node,
    [
      cli, "ci",
      "--image", `${env.registry}/shop/account`,
      "--context", ctx,
      "--manifest-repo", repoUrl.replace(/\/\/[^@]*@/, "//"),
      "--git-username", env.gitHttpUser,
      "--webhook-url", `http://127.0.0.1:${hookPort}/hook/manifests`,
    ],
    { env: { ...process.env, DOCKER_HOST: env.dockerHost, SLIPWAY_GIT_PASSWORD: env.gitHttpPassword, SLIPWAY_WEBHOOK_TOKEN: webhookSecret } },
  );
  process.stdout.write(ciOut);
  const pushedAt = Date.now();

  // 5. Wait for the rollout of the new image.
  const image = await waitFor("the account Deployment to run the new image", 120_000, () => {
    const img = kubectl(env, ["get", "deployment", "account", "-n", "shop", "-o", "jsonpath={.spec.template.spec.containers[0].image}"]);
    if (!/:\d{14}$/.test(img) || img.endsWith(":20210608052721")) return undefined;
    const available = kubectl(env, ["get", "deployment", "account", "-n", "shop", "-o", "jsonpath={.status.updatedReplicas}/{.status.availableReplicas}"]);
    return available === "1/1" ? img : undefined;
  });
  const rolledOut = Date.now();
  say(`✔ account runs ${image}`);
  say(`✔ CI step ${((pushedAt - t0) / 1000).toFixed(1)}s (build, push, commit); commit → rolled out in the cluster ${((rolledOut - pushedAt) / 1000).toFixed(1)}s`);
  const commit = (JSON.parse(ciOut.trim().split("\n").pop() ?? "{}") as { commit?: string }).commit ?? "";
  const applied = await waitFor("the shop sync to report the new revision", 60_000, syncReady(commit));
  say(`✔ ${applied.message}`);
  process.stdout.write(runOrDie(node, [cli, "get"], { env: agentEnv, quiet: true }));
  if (!agentLog.includes(commit)) say("(the agent's log does not name the new commit)");
} catch (err) {
  say(`✗ demo failed: ${err instanceof Error ? err.message : String(err)}`);
  cleanup();
  process.exit(1);
}
cleanup();
