/**
 * The agent image as it ships: `deploy/Dockerfile` built into the test engine (cached; a warm
 * build reuses every layer) and run the way `deploy/deployment.yaml` runs it (test/agent/image/
 * deployment-run.ts reads command, args, env, mounts and security context from that file): a
 * read-only root, uid 65532, a real ServiceAccount's token with ca.crt and namespace at the
 * service-account path, KUBERNETES_SERVICE_HOST/PORT, the configuration from a mounted file.
 * The container shares the host's network, which is how it reaches the API server and the git
 * servers on 127.0.0.1.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseAllDocuments, stringify } from "yaml";
import { run, type RunResult } from "../../../core/exec.ts";
import { createGitRepo, createNamespace, integration, kubectl, uniqueName } from "../../env/harness.ts";
import { ensureAgentImage } from "../../env/agent-image.ts";
import { freePort } from "../../env/ports.ts";
import { eventually } from "../e2e/agent-process.ts";
import { readStatus } from "../e2e/parent-status.ts";
import { dockerRunArgs, readDeployment } from "./deployment-run.ts";

const repoRoot = path.resolve(import.meta.dirname, "../../..");
const cm = (name: string, value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  k: ${value}\n`;

test("image: built from deploy/Dockerfile, run as deploy/deployment.yaml says; reconciles over HTTP and SSH, probes, reaps, stops on SIGTERM", async (t) => {
  const env = integration(t);
  if (!env) return;
  const denv = { ...process.env, DOCKER_HOST: env.dockerHost };
  const docker = async (args: string[], okCodes = [0]) => run("docker", args, { env: denv, okCodes });
  const image = await ensureAgentImage({ dockerHost: env.dockerHost, repoRoot });

  const ns = await createNamespace(env, t, "slipway-image");
  const appNs = await createNamespace(env, t, "image-apps");
  const http = await createGitRepo(env, t, { files: { "apps/a.yaml": cm("from-http", "one") } });
  const ssh = await createGitRepo(env, t, { files: { "apps/b.yaml": cm("from-ssh", "one") } });

  // The agent's ServiceAccount with deploy/'s ClusterRole (under this test's name), and a real token.
  const rbac = parseAllDocuments((await run("kubectl", ["kustomize", path.join(repoRoot, "deploy")])).stdout).map((d) => d.toJS() as { kind: string; metadata: { name: string } });
  const role = rbac.find((o) => o.kind === "ClusterRole" && o.metadata.name === "slipway-agent");
  assert.ok(role, "deploy/ has the agent's ClusterRole");
  role.metadata.name = `${ns}-agent`;
  const binding = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name: `${ns}-agent` }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: `${ns}-agent` }, subjects: [{ kind: "ServiceAccount", name: "slipway-agent", namespace: ns }] };
  t.after(async () => {
    await kubectl(env, ["delete", "clusterrolebinding,clusterrole", `${ns}-agent`, "--ignore-not-found"]);
  });
  await kubectl(env, ["create", "serviceaccount", "slipway-agent", "-n", ns]);
  await kubectl(env, ["apply", "-f", "-"], { input: [role, binding].map((o) => stringify(o)).join("---\n") });
  await kubectl(env, ["create", "secret", "generic", "git-ssh", "-n", ns, `--from-file=identity=${env.gitSshKey}`, `--from-file=known_hosts=${env.gitSshKnownHosts}`]);
  const token = (await kubectl(env, ["create", "token", "slipway-agent", "-n", ns, "--duration", "1h"])).trim();
  const saDir = mkdtempSync(path.join(tmpdir(), "slipway-sa-"));
  writeFileSync(path.join(saDir, "token"), token);
  copyFileSync(path.join(env.dir, "pki", "ca.crt"), path.join(saDir, "ca.crt"));
  writeFileSync(path.join(saDir, "namespace"), ns);

  // A git server that accepts and never answers: each fetch of it times out and the agent kills
  // git with its helper, whose orphans only an init that reaps leaves without zombies.
  const silent = net.createServer(() => {});
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  t.after(() => silent.close());
  const silentPort = (silent.address() as net.AddressInfo).port;

  const port = await freePort();
  const configDir = mkdtempSync(path.join(tmpdir(), "slipway-image-config-"));
  writeFileSync(
    path.join(configDir, "config.yaml"),
    `namespace: ${ns}
listen: "127.0.0.1:${port}"
sources:
  - { name: over-http, url: "${http.httpUrl}", ref: { branch: main }, interval: 1h }
  - { name: over-ssh, url: "${ssh.sshUrl}", ref: { branch: main }, interval: 1h, secretRef: { name: git-ssh } }
  - { name: silent, url: "http://127.0.0.1:${silentPort}/never.git", ref: { branch: main }, interval: 2s, timeout: 1s }
syncs:
  - { name: http-apps, sourceRef: over-http, path: apps, targetNamespace: ${appNs}, interval: 1h, timeout: 1m }
  - { name: ssh-apps, sourceRef: over-ssh, path: apps, targetNamespace: ${appNs}, interval: 1h, timeout: 1m }
  - { name: never, sourceRef: silent, path: ./, interval: 1h, timeout: 30s, retryInterval: 2s }
`,
  );
  for (const d of [saDir, configDir]) chmodSync(d, 0o755);
  for (const f of [path.join(saDir, "token"), path.join(saDir, "ca.crt"), path.join(saDir, "namespace"), path.join(configDir, "config.yaml")]) chmodSync(f, 0o644);

  const dep = readDeployment();
  const container = dep.spec.template.spec.containers[0];
  assert.equal(container?.command, undefined, "the Deployment keeps the image's entrypoint (tini)");
  const name = uniqueName("slipway-agent");
  const apiPort = new URL(readFileSync(env.kubeconfig, "utf8").match(/server:\s*(\S+)/)?.[1] ?? "").port;
  const args = dockerRunArgs(dep, { image, name, serviceAccountDir: saDir, configMaps: { config: configDir }, serviceHost: "127.0.0.1", servicePort: apiPort });
  t.after(async () => {
    await docker(["rm", "--force", name], [0, 1]);
  });
  await docker(["run", ...args]);
  const logs = async (): Promise<string> => {
    const r = await docker(["logs", name], [0, 1]);
    return r.stdout + r.stderr;
  };
  const base = `http://127.0.0.1:${port}`;
  try {
    await eventually("the container's /readyz", async () => ((await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined), 60_000);
    for (const sync of ["http-apps", "ssh-apps"]) {
      await eventually(`${sync} Ready`, async () => ((await readStatus(env, ns, sync))?.ready === "True" ? true : undefined), 90_000);
    }
  } catch (err) {
    throw new Error(`${String(err)}\n--- container logs ---\n${await logs()}`);
  }
  assert.equal((await kubectl(env, ["get", "configmap", "from-http", "-n", appNs, "-o", "jsonpath={.data.k}"])).trim(), "one");
  assert.equal((await kubectl(env, ["get", "configmap", "from-ssh", "-n", appNs, "-o", "jsonpath={.data.k}"])).trim(), "one");
  assert.equal((await fetch(`${base}/healthz`)).status, 200);
  const metrics = await (await fetch(`${base}/metrics`)).text();
  assert.match(metrics, /slipway_sync_ready\{sync="http-apps"\} 1/);
  assert.match(metrics, /slipway_sync_ready\{sync="ssh-apps"\} 1/);

  // It ran as the Deployment says: uid 65532, read-only root, tini as PID 1 with the agent below it.
  const inspect = JSON.parse((await docker(["inspect", name])).stdout) as { State: { Pid: number }; Config: { User: string }; HostConfig: { ReadonlyRootfs: boolean } }[];
  assert.equal(inspect[0]?.Config.User, "65532:65532");
  assert.equal(inspect[0]?.HostConfig.ReadonlyRootfs, true);
  const pid1 = inspect[0]?.State.Pid ?? 0;
  assert.equal(readFileSync(`/proc/${pid1}/comm`, "utf8").trim(), "tini");
  assert.match(readFileSync(`/proc/${pid1}/status`, "utf8"), /^Uid:\s+65532\s/m);
  // The programs HelmRelease, kustomize's helmCharts and SOPS decryption run are in the image.
  assert.match((await docker(["exec", name, "helm", "version", "--short"])).stdout, /^v3\.21\.4/);
  assert.match((await docker(["exec", name, "sops", "--version", "--disable-version-check"])).stdout, /3\.13\.3/);
  // Only what the agent runs: no package manager, perl or npm.
  const extras = await docker(["exec", name, "sh", "-c", "for p in apt-get dpkg perl npm npx corepack; do command -v $p; done; echo checked"]);
  assert.equal(extras.stdout.trim(), "checked", "the image has no apt, dpkg, perl or npm");
  // The image holds no coreutils: the shell's own redirection tries the write.
  const write = await docker(["exec", name, "sh", "-c", "exec 2>&1; echo x > /app/x; echo rc=$?"], [0, 1, 2]);
  assert.match(write.stdout, /Read-only file system[\s\S]*rc=[1-9]/);

  // The silent source has timed out a few times by now (each kill may leave orphans): no zombies.
  await eventually("a few timed-out fetches", async () => ((await logs()).split("silent").length > 4 ? true : undefined), 60_000);
  const top = (await docker(["top", name, "-eo", "pid,ppid,stat,comm"])).stdout;
  const zombies = top.split("\n").filter((l) => /^\s*\d+\s+\d+\s+Z/.test(l));
  assert.deepEqual(zombies, [], `no zombie processes:\n${top}`);
  // An orphan for certain: a process whose parent exits first is handed to PID 1, which must reap it.
  const tiniOrphan = await orphan(docker, name);
  await eventually("the orphan reaped by tini", async () => ((await procState(docker, name, tiniOrphan)) === "gone" ? true : undefined), 30_000);

  // SIGTERM (docker stop): the agent finishes and exits 0 well within the grace period.
  const grace = dep.spec.template.spec.terminationGracePeriodSeconds ?? 30;
  const started = Date.now();
  await docker(["stop", "--time", String(grace), name]);
  const tookS = (Date.now() - started) / 1000;
  const state = JSON.parse((await docker(["inspect", "--format", "{{json .State}}", name])).stdout) as { ExitCode: number; OOMKilled: boolean };
  assert.equal(state.ExitCode, 0, await logs());
  assert.ok(tookS < grace, `stopped in ${tookS.toFixed(1)} s (grace ${grace} s)`);
  assert.match(await logs(), /"msg":"stopped"/);

  // The contrast: the same pod with node as PID 1 (a `command:` that bypasses tini) leaves every
  // orphan (a killed fetch's helper, a hook's child) as a zombie, which is why the Deployment sets only args.
  const bare = structuredClone(dep);
  const bareContainer = bare.spec.template.spec.containers[0];
  assert.ok(bareContainer);
  bareContainer.command = ["node", "/app/dist/cli.js"];
  bareContainer.args = [...(bareContainer.args ?? []), "--leader-elect=false"];
  const bareName = uniqueName("slipway-agent-no-tini");
  t.after(async () => {
    await docker(["rm", "--force", bareName], [0, 1]);
  });
  await docker(["run", ...dockerRunArgs(bare, { image, name: bareName, serviceAccountDir: saDir, configMaps: { config: configDir }, serviceHost: "127.0.0.1", servicePort: apiPort })]);
  const bareLogs = async (): Promise<string> => {
    const r = await docker(["logs", bareName], [0, 1]);
    return r.stdout + r.stderr;
  };
  await eventually("the agent under node as PID 1 started", async () => ((await bareLogs()).includes("silent") ? true : undefined), 120_000).catch(async (err: unknown) => {
    throw new Error(`${String(err)}\n${(await bareLogs()).slice(-2000)}`, { cause: err });
  });
  // The same orphan as above: node as PID 1 never waits for it, so it stays a zombie.
  const bareOrphan = await orphan(docker, bareName);
  const bareState = await eventually("the orphan a zombie under node as PID 1", async () => ((await procState(docker, bareName, bareOrphan)) === "Z" ? "Z" : undefined), 30_000);
  assert.equal(bareState, "Z");
});

/** Runs docker against the test environment's engine. */
type Docker = (args: string[], okCodes?: number[]) => Promise<RunResult>;

/**
 * Starts, through `docker exec`, a process whose parent exits at once and which itself exits
 * 300 ms later: the kernel hands it to the container's PID 1. Returns its pid in the container.
 */
async function orphan(docker: Docker, container: string): Promise<number> {
  const out = (await docker(["exec", container, "sh", "-c", `node -e "setTimeout(() => {}, 300)" >/dev/null 2>&1 & echo $!`])).stdout;
  const pid = Number(out.trim());
  assert.ok(Number.isInteger(pid) && pid > 1, `a pid from the shell: ${out}`);
  return pid;
}

/** The state letter of `pid` in the container (R, S, Z, …), or "gone" once it was reaped. */
async function procState(docker: Docker, container: string, pid: number): Promise<string> {
  const out = (await docker(["exec", container, "sh", "-c", `if [ -e /proc/${pid}/stat ]; then read s < /proc/${pid}/stat; echo "$s"; else echo gone; fi`])).stdout.trim();
  if (out === "gone") return out;
  // pid (comm) state …: comm may hold spaces, the state follows its closing parenthesis.
  return out.slice(out.lastIndexOf(")") + 2, out.lastIndexOf(")") + 3);
}
