// Bad input and faults through `slipway ci`: each stops with ONE clear line naming the input or
// object, a non-zero exit, and nothing half done (no manifest commit; when the fault is found in
// preflight, no image tag either). Real git server, real registry.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createGitRepo, integration, uniqueName, type TestEnv } from "../../env/harness.ts";
import { run } from "../../../core/exec.ts";
import { pushSampleImage, shopFiles } from "./shop-fixture.ts";
import { runSlipway, type SlipwayRun } from "./run-slipway.ts";

async function tags(env: TestEnv, repository: string): Promise<string[]> {
  const res = await fetch(`http://${env.registry}/v2/${repository}/tags/list`);
  const body = (await res.json()) as { tags?: string[] | null };
  return (body.tags ?? []).sort();
}

function oneFailureLine(r: SlipwayRun, re: RegExp): void {
  assert.notEqual(r.code, 0, "non-zero exit");
  const failures = r.stderr.split("\n").filter((l) => l.startsWith("✗"));
  assert.equal(failures.length, 1, r.stderr);
  assert.match(failures[0] ?? "", re);
}

test("bad input and faults: one line naming the input or object, non-zero exit, nothing pushed", async (t) => {
  const env = integration(t);
  if (!env) return;
  const prefix = `${env.registry}/${uniqueName("fault")}`;
  const repoPath = `${prefix}/account`.slice(env.registry.length + 1);
  const files = shopFiles({ imagePrefix: prefix, services: ["account"] });
  const repo = await createGitRepo(env, t, { files });
  await pushSampleImage(env.registry, repoPath, "build");
  const url = `${env.gitHttpAuthUrl}/${repo.name}.git`;
  const gitEnv = { SLIPWAY_GIT_USERNAME: env.gitHttpUser, SLIPWAY_GIT_PASSWORD: env.gitHttpPassword };
  const head = async (): Promise<string> => (await run("git", ["--git-dir", repo.bareDir, "rev-parse", "main"])).stdout.trim();
  const before = await head();
  const base = ["ci", "--image", `${prefix}/account:build`, "--builder", "none", "--manifest-repo", url];

  oneFailureLine(await runSlipway([...base.slice(0, 3), "--builder", "kaniko"], gitEnv), /^✗ input builder: "kaniko" is not one of docker, buildah, none$/);
  oneFailureLine(await runSlipway([...base, "--manifest-branch", "eks"], gitEnv), /^✗ input manifest-branch: branch eks does not exist in /);
  oneFailureLine(await runSlipway([...base.slice(0, 5), "--manifest-repo", "http://127.0.0.1:9/nothing.git"], gitEnv), /^✗ input manifest-repo: http:\/\/127\.0\.0\.1:9\/nothing\.git: cannot reach the git server$/);
  const wrong = "wrong-password-8d1f";
  const bad = await runSlipway(base, { SLIPWAY_GIT_USERNAME: env.gitHttpUser, SLIPWAY_GIT_PASSWORD: wrong });
  oneFailureLine(bad, /^✗ input git-password: .*authentication failed/);
  assert.ok(!`${bad.stdout}${bad.stderr}`.includes(wrong), "the password is not printed");
  const dir = await mkdtemp(path.join(tmpdir(), "slipway-nodockerfile-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  oneFailureLine(await runSlipway(["ci", "--image", `${prefix}/account`, "--context", dir, "--manifest-repo", url], gitEnv), /^✗ (input )?(dockerfile|context)\b.*Dockerfile/);
  oneFailureLine(await runSlipway(["ci", "--image", "127.0.0.1:9/shop/account:build", "--builder", "none", "--manifest-repo", url], gitEnv), /127\.0\.0\.1:9/);
  assert.deepEqual(await tags(env, repoPath), ["build"], "no image tag was pushed by a run that failed its preflight");
  assert.equal(await head(), before, "no manifest commit");

  // A marker naming an unknown policy, in a repository that defines policies.
  const fluxFiles = shopFiles({ imagePrefix: prefix, services: ["account"], flux: true, automationBranch: "main" });
  fluxFiles["clusters/eks/shop/ghost.yaml"] = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ghost\nspec:\n  containers:\n  - name: g\n    image: x/ghost:1 # {"$imagepolicy": "flux-system:ghost"}\n`;
  const fluxRepo = await createGitRepo(env, t, { files: fluxFiles });
  const fluxBefore = (await run("git", ["--git-dir", fluxRepo.bareDir, "rev-parse", "main"])).stdout.trim();
  const ghost = await runSlipway(["ci", "--image", `${prefix}/account:build`, "--builder", "none", "--manifest-repo", `${env.gitHttpAuthUrl}/${fluxRepo.name}.git`], gitEnv);
  oneFailureLine(ghost, /^✗ clusters\/eks\/shop\/ghost\.yaml:8: marker names ImagePolicy\/flux-system\/ghost, which no ImagePolicy in the manifest repository defines$/);
  assert.equal((await run("git", ["--git-dir", fluxRepo.bareDir, "rev-parse", "main"])).stdout.trim(), fluxBefore);
});
