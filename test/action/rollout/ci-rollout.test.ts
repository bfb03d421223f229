/**
 * `slipway ci --wait-for-rollout` against a running agent on the real control plane: the CI step
 * pushes the manifest commit, pokes the agent and waits on its status API. A good image ends
 * `healthy` with the seconds; a Deployment that cannot become available (a nodeSelector no kwok
 * node matches, progressDeadlineSeconds: 10) fails the step with the agent's message naming the
 * Deployment, `rollout=failed`, and git keeps the commit (nothing is rolled back).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createGitRepo, createNamespace, integration, uniqueName } from "../../env/harness.ts";
import { run } from "../../../core/exec.ts";
import { agentArgs, cacheDir, eventually, startAgent, writeConfig } from "../../agent/e2e/agent-process.ts";
import { readStatus } from "../../agent/e2e/parent-status.ts";
import { pushChanges } from "../../agent/e2e/git-push.ts";
import { pushSampleImage, shopFiles } from "../e2e/shop-fixture.ts";
import { runSlipway } from "../e2e/run-slipway.ts";

const apiToken = "rollout-api-token-5d1e";
const appSha = "0123456789abcdef0123456789abcdef01234567";

test("ci --wait-for-rollout: a good image is healthy; a Deployment that cannot become available fails the step naming it, git untouched", async (t) => {
  const env = integration(t);
  if (!env) return;
  const agentNs = await createNamespace(env, t, "slipway-rollout");
  const appNs = await createNamespace(env, t, "rollout-shop");
  const prefix = `${env.registry}/${uniqueName("ro")}`;
  const repo = await createGitRepo(env, t, { files: shopFiles({ imagePrefix: prefix, services: ["account"] }) });
  const repoUrl = `${env.gitHttpAuthUrl}/${repo.name}.git`;
  const secrets = mkdtempSync(path.join(tmpdir(), "slipway-rollout-secrets-"));
  mkdirSync(path.join(secrets, "git"));
  writeFileSync(path.join(secrets, "git", "username"), env.gitHttpUser);
  writeFileSync(path.join(secrets, "git", "password"), env.gitHttpPassword);
  const config = writeConfig(`namespace: ${agentNs}
listen: "127.0.0.1:0"
sources:
  - { name: manifests, url: "${repoUrl}", ref: { branch: main }, interval: 1h, secretRef: { name: git } }
syncs:
  - { name: shop, sourceRef: manifests, path: ./clusters/eks/shop, targetNamespace: ${appNs}, interval: 1h, timeout: 2m }
receivers:
  listen: "127.0.0.1:0"
  endpoints: [{ name: manifests, type: slipway, open: true }]
`);
  process.env.SLIPWAY_API_TOKEN = apiToken;
  const agent = startAgent(t, [...agentArgs(env, config, cacheDir()), "--secrets-dir", secrets]);
  delete process.env.SLIPWAY_API_TOKEN;
  // The webhook receivers listen on a port of their own; the status API answers there too.
  const hookPort = await Promise.race([agent.receiversPort, agent.exited.then((c) => Promise.reject(new Error(`agent exited ${c}: ${agent.logs()}`)))]);
  await eventually("first apply", async () => ((await readStatus(env, agentNs, "shop"))?.ready === "True" ? true : undefined), 90_000);

  const repoPath = `${prefix}/account`.slice(env.registry.length + 1);
  const ci = async (tag: string) => {
    await pushSampleImage(env.registry, repoPath, tag);
    const outputsFile = path.join(mkdtempSync(path.join(tmpdir(), "slipway-rollout-out-")), "outputs.env");
    const r = await runSlipway(
      ["ci", "--image", `${prefix}/account:${tag}`, "--builder", "none", "--manifest-repo", repoUrl, "--manifest-branch", "main", "--wait-for-rollout", "true", "--rollout-timeout", "2m", "--outputs-file", outputsFile],
      {
        SLIPWAY_GIT_USERNAME: env.gitHttpUser,
        SLIPWAY_GIT_PASSWORD: env.gitHttpPassword,
        SLIPWAY_WEBHOOK_URL: `http://127.0.0.1:${hookPort}/hook/manifests`,
        SLIPWAY_AGENT_TOKEN: apiToken,
        SLIPWAY_SOURCE_REPO: "https://github.com/acme/account.git",
        SLIPWAY_SOURCE_SHA: appSha,
      },
      { timeoutMs: 240_000 },
    );
    const outputs = Object.fromEntries(
      readFileSync(outputsFile, "utf8")
        .trim()
        .split("\n")
        .map((l) => /^(\w+)='(.*)'$/.exec(l))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => [m[1], m[2]]),
    );
    return { r, outputs };
  };
  const head = async (): Promise<string> => (await run("git", ["--git-dir", repo.bareDir, "rev-parse", "main"])).stdout.trim();

  // 1. A good image: healthy, with the seconds, and the agent did apply that commit.
  const good = await ci("good");
  assert.equal(good.r.code, 0, good.r.stderr);
  assert.equal(good.outputs.SLIPWAY_OUTPUT_ROLLOUT, "healthy");
  assert.match(good.outputs.SLIPWAY_OUTPUT_ROLLOUT_SECONDS ?? "", /^\d+(\.\d)?$/);
  const commit1 = good.outputs.SLIPWAY_OUTPUT_COMMIT ?? "";
  assert.match(commit1, /^[0-9a-f]{40}$/);
  const status1 = await readStatus(env, agentNs, "shop");
  assert.equal(status1?.lastAppliedRevision, `main@sha1:${commit1}`);
  assert.equal(status1?.ready, "True");
  assert.match(good.r.stderr, /rolled out: shop applied/);
  // The manifest commit names the app commit and the image it delivers.
  const message = (await run("git", ["--git-dir", repo.bareDir, "log", "-1", "--format=%B", commit1])).stdout;
  assert.match(message, new RegExp(`\n\nSlipway-Source: https://github\\.com/acme/account@${appSha}\nSlipway-Image: ${prefix.replace(/[.]/g, "\\.")}/account:\\d{14}@sha256:[0-9a-f]{64}\n`));
  assert.ok(!good.r.stderr.includes(apiToken), "the token is not logged");

  // 2. Someone makes the Deployment unschedulable; the next image cannot become available.
  const deployment = (await run("git", ["--git-dir", repo.bareDir, "show", "main:clusters/eks/shop/account.yaml"])).stdout;
  const stuck = deployment
    .replace("spec:\n  replicas: 1\n", "spec:\n  replicas: 1\n  progressDeadlineSeconds: 10\n")
    .replace("    spec:\n      containers:\n", "    spec:\n      nodeSelector:\n        slipway.dev/no-such-node: \"true\"\n      containers:\n");
  assert.notEqual(stuck, deployment);
  await pushChanges(repo, "main", { "clusters/eks/shop/account.yaml": stuck }, "account: pin to a node pool that does not exist");
  const bad = await ci("bad");
  assert.notEqual(bad.r.code, 0, "the step fails");
  assert.equal(bad.outputs.SLIPWAY_OUTPUT_ROLLOUT, "failed");
  const commit2 = bad.outputs.SLIPWAY_OUTPUT_COMMIT ?? "";
  assert.match(commit2, /^[0-9a-f]{40}$/);
  const failure = bad.r.stderr.split("\n").filter((l) => l.startsWith("✗"));
  assert.equal(failure.length, 1, bad.r.stderr);
  assert.match(failure[0] ?? "", new RegExp(`rollout of ${commit2.slice(0, 12)}: failed: shop: HealthCheckFailed: .*Deployment/${appNs}/account`));
  assert.equal(await head(), commit2, "the manifest commit stays: nothing is rolled back in git");
  const status2 = await readStatus(env, agentNs, "shop");
  assert.equal(status2?.lastAttemptedRevision, `main@sha1:${commit2}`);
  assert.equal(status2?.lastAppliedRevision, `main@sha1:${commit1}`);
});
