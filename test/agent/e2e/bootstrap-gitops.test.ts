/**
 * `slipway bootstrap` the GitOps way, on the real control plane and git over HTTP with basic
 * auth: it commits the agent's install and the root objects under the path (never the Secret),
 * pushes with the same credentials it gives the agent, applies the install as the root sync
 * applies it, and waits until the root sync is Ready at the pushed commit. The agent (a real
 * process here: kwok runs no containers) then applies its own install from git without changing
 * it, and a second bootstrap commits nothing and restarts nothing.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { run } from "../../../core/exec.ts";
import { createGitRepo, createNamespace, exclusive, integration, kubectl, testGitConfig, uniqueName } from "../../env/harness.ts";
import { runCli } from "../../cli/run-cli.ts";
import { agentArgs, cacheDir, eventually, startAgent, writeConfig } from "./agent-process.ts";
import { readStatus } from "./parent-status.ts";

interface Deployment {
  metadata: { uid: string; generation: number; managedFields?: { manager: string; operation: string }[] };
}

test("bootstrap commits the install and the root objects, applies them as the root sync does, and waits until it is Ready; again, it changes nothing", async (t) => {
  const env = integration(t);
  if (!env) return;
  await exclusive(env, t, "slipway-clusterrole");
  const appNs = await createNamespace(env, t, "gitops-app");
  const ns = uniqueName("slipway-gitops");
  const repo = await createGitRepo(env, t, {
    branch: "eks",
    files: { "clusters/eks/apps/app.yaml": `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: ${appNs}\ndata:\n  greeting: hello\n` },
  });
  t.after(async () => {
    await kubectl(env, ["delete", "namespace", ns, "--wait=false", "--ignore-not-found"]);
    await kubectl(env, ["delete", "clusterrolebinding,clusterrole", "-l", "app.kubernetes.io/name=slipway", "--ignore-not-found"]);
  });
  const url = `${env.gitHttpAuthUrl}/${repo.name}.git`;
  const flags = ["bootstrap", "--url", url, "--branch", "eks", "--path", "./clusters/eks", "--namespace", ns, "--username", env.gitHttpUser, "--kubeconfig", env.kubeconfig, "--timeout", "150s"];
  const first = runCli(flags, { input: env.gitHttpPassword + "\n", timeoutMs: 200_000 });

  // The agent: started from the configuration bootstrap applied, as its pod would be.
  const config = await eventually("the agent's ConfigMap", async () => {
    const out = await kubectl(env, ["get", "configmap", "-n", ns, "-l", "app.kubernetes.io/name=slipway", "-o", "jsonpath={.items[*].data.config\\.yaml}"]).catch(() => "");
    return out.includes("sources:") ? out : undefined;
  }, 150_000);
  const agent = startAgent(t, [...agentArgs(env, writeConfig(config), cacheDir()), "--listen", "127.0.0.1:0"]);

  const r = await first;
  assert.equal(r.code, 0, `${r.stderr}\n--- agent:\n${agent.logs().slice(-4000)}`);
  assert.match(r.stderr, /committed \d+ files as [0-9a-f]{12} and pushed/);
  assert.match(r.stderr, /the root sync cluster is Ready/);
  assert.ok(!r.stderr.includes(env.gitHttpPassword) && !r.stdout.includes(env.gitHttpPassword), "the password was printed");

  // In git: the install and the root objects under the path, never the Secret.
  const work = mkdtempSync(path.join(tmpdir(), "slipway-gitops-check-"));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  await run("git", [...testGitConfig, "clone", "-q", "--branch", "eks", repo.bareDir, work]);
  const tree = (await run("git", ["-C", work, "ls-tree", "-r", "--name-only", "HEAD", `clusters/eks/${ns}/`])).stdout.split("\n").filter(Boolean);
  for (const f of ["kustomization.yaml", "config.yaml", "deployment.yaml", "rbac.yaml", "slipway-sync.yaml"]) assert.ok(tree.includes(`clusters/eks/${ns}/${f}`), `${f} in git: ${tree.join(", ")}`);
  const history = (await run("git", ["-C", work, "log", "-p", "--all"])).stdout;
  assert.ok(!history.includes(env.gitHttpPassword) && !history.includes(Buffer.from(env.gitHttpPassword).toString("base64")), "the password reached git");
  assert.doesNotMatch(history, /kind: Secret/);
  const head = (await run("git", ["-C", work, "rev-parse", "HEAD"])).stdout.trim();
  const sync = await readStatus(env, ns, "cluster");
  assert.equal(sync?.ready, "True", sync?.message);
  assert.ok(sync?.lastAppliedRevision?.includes(head), `applied ${sync?.lastAppliedRevision}, pushed ${head}`);
  assert.equal(await kubectl(env, ["get", "configmap", "app", "-n", appNs, "-o", "jsonpath={.data.greeting}"]), "hello");

  // The agent applied its own install from git and changed none of it: one manager, first generation.
  const deployment = async (): Promise<Deployment> => JSON.parse(await kubectl(env, ["get", "deployment", "slipway-agent", "-n", ns, "-o", "json", "--show-managed-fields"])) as Deployment;
  const before = await deployment();
  assert.equal(before.metadata.generation, 1, "the agent's Deployment was changed after bootstrap applied it");
  assert.deepEqual([...new Set((before.metadata.managedFields ?? []).filter((m) => m.operation === "Apply").map((m) => m.manager))], ["slipway"]);
  // The app's ConfigMap is the agent's to create; the nine objects of the install are unchanged.
  const applies = [...agent.logs().matchAll(/"msg":"applied: ([^"]+)"/g)].map((m) => m[1]);
  assert.equal(applies[0], "1 created, 9 unchanged", "the agent's first apply of its own install changed something");
  assert.ok(applies.slice(1).every((a) => a === "10 unchanged"), applies.join("; "));

  // Again: no commit, no restart, Ready.
  const again = await runCli(flags, { input: env.gitHttpPassword + "\n", timeoutMs: 200_000 });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /nothing committed/);
  assert.match(again.stderr, new RegExp(`Deployment/${ns}/slipway-agent unchanged`));
  const bare = (await run("git", ["--git-dir", repo.bareDir, "rev-parse", "refs/heads/eks"])).stdout.trim();
  assert.equal(bare, head, "a second bootstrap made a commit");
  const after = await deployment();
  assert.equal(after.metadata.uid, before.metadata.uid);
  assert.equal(after.metadata.generation, 1, "a second bootstrap rolled the agent");
});
