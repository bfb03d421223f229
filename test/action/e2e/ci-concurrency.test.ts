// The CONCURRENCY test: ten `slipway ci` processes at once, each for a different image (builder
// none: an image already in the local registry gets its timestamp tag), one manifest repository
// on the real git HTTP server. Every run must land its own commit; none may be lost or forced.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createGitRepo, integration, uniqueName } from "../../env/harness.ts";
import { run } from "../../../core/exec.ts";
import { pushSampleImage, shopFiles } from "./shop-fixture.ts";
import { runSlipway } from "./run-slipway.ts";

test("10 concurrent slipway ci runs → 10 commits, all 10 markers bumped, none lost; an old build re-run changes nothing", async (t) => {
  const env = integration(t);
  if (!env) return;
  const n = 10;
  const services = Array.from({ length: n }, (_, i) => `svc-${i}`);
  const prefix = `${env.registry}/${uniqueName("conc")}`;
  const repoPath = (s: string): string => `${prefix}/${s}`.slice(env.registry.length + 1);
  const repo = await createGitRepo(env, t, { files: shopFiles({ imagePrefix: prefix, services }) });
  await Promise.all(services.map((s) => pushSampleImage(env.registry, repoPath(s), "build")));
  const gitEnv = { SLIPWAY_GIT_USERNAME: env.gitHttpUser, SLIPWAY_GIT_PASSWORD: env.gitHttpPassword };
  const url = `${env.gitHttpAuthUrl}/${repo.name}.git`;
  const common = ["--builder", "none", "--manifest-repo", url, "--update-path", "clusters/eks", "--max-attempts", "20"];

  const runs = await Promise.all(services.map((s) => runSlipway(["ci", "--image", `${prefix}/${s}:build`, ...common], gitEnv)));
  runs.forEach((r, i) => assert.equal(r.code, 0, `run ${i}: ${r.stderr}`));
  const outputs = runs.map((r) => JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as { tag: string; commit: string; changedFiles: string[] });
  const log = (await run("git", ["--git-dir", repo.bareDir, "log", "--format=%H %s", "main"])).stdout.trim().split("\n");
  assert.equal(log.length, n + 1, log.join("\n"));
  const commits = new Set(log.map((l) => l.split(" ")[0]));
  for (const [i, o] of outputs.entries()) {
    assert.ok(commits.has(o.commit), `run ${i}'s commit ${o.commit} is on main`);
    assert.deepEqual(o.changedFiles, [`clusters/eks/shop/${services[i]}.yaml`]);
  }
  for (const [i, s] of services.entries()) {
    const text = (await run("git", ["--git-dir", repo.bareDir, "show", `main:clusters/eks/shop/${s}.yaml`])).stdout;
    assert.ok(text.includes(`image: ${prefix}/${s}:${outputs[i]?.tag} # {"$imagepolicy": "flux-system:${s}"}`), `${s} bumped:\n${text}`);
  }
  const retried = runs.filter((r) => /lost a race/.test(r.stderr)).length;
  t.diagnostic(`runs that lost a push race and retried: ${retried}/${n}; slowest run ${Math.round(Math.max(...runs.map((r) => r.ms)))} ms`);

  // An old build re-run: an older timestamp tag is pushed, the marker keeps the newer one.
  const head = log[0]?.split(" ")[0];
  const old = await runSlipway(["ci", "--image", `${prefix}/svc-3:build`, "--tag-format", "20200102030405", ...common], gitEnv);
  assert.equal(old.code, 0, old.stderr);
  assert.match(old.stderr, /no marker changed; no commit/);
  assert.equal((JSON.parse(old.stdout.trim()) as { commit: string }).commit, "");
  assert.equal((await run("git", ["--git-dir", repo.bareDir, "rev-parse", "main"])).stdout.trim(), head);
});
