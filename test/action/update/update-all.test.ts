// `slipway update` end to end against the real git server, the local registries (plain, and
// htpasswd through a secretRef) and moto's ECR (provider aws): one commit that moves exactly the
// markers whose policy picks a new value and writes the digests; a re-run changes nothing; a
// registry that answers 401 fails only its policies; `slipway update` and `slipway ci` racing on
// one branch all land.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createGitRepo, integration, uniqueName, type TestEnv } from "../../env/harness.ts";
import { run } from "../../../core/exec.ts";
import { runSlipway } from "../e2e/run-slipway.ts";
import { pushSampleImage } from "../e2e/shop-fixture.ts";
import { fleet, fleetFiles, pushFleet, regcredYaml } from "./update-fixture.ts";

const git = async (bare: string, ...args: string[]): Promise<string> => (await run("git", ["--git-dir", bare, ...args])).stdout;
const show = async (bare: string, ref: string, p: string): Promise<string> => git(bare, "show", `${ref}:${p}`);

async function secretsFile(env: TestEnv, t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "slipway-secrets-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, "regcred.yaml");
  await writeFile(file, regcredYaml(env), { mode: 0o600 });
  return file;
}

function slipwayEnv(env: TestEnv): Record<string, string> {
  return {
    SLIPWAY_GIT_TOKEN: env.gitHttpPassword,
    SLIPWAY_GIT_USERNAME: env.gitHttpUser,
    AWS_ACCESS_KEY_ID: env.awsAccessKeyId,
    AWS_SECRET_ACCESS_KEY: env.awsSecretAccessKey,
    AWS_REGION: "us-east-1",
  };
}

test("slipway update: one commit moves exactly the markers whose policy picks a new value, digests written; a 401 fails only its policy; a re-run changes nothing", async (t) => {
  const env = integration(t);
  if (!env) return;
  const f = fleet(env, uniqueName("fleet"));
  const digests = await pushFleet(env, f);
  const files = fleetFiles(f);
  const repo = await createGitRepo(env, t, { files });
  const url = `${env.gitHttpAuthUrl}/${repo.name}.git`;
  const secrets = await secretsFile(env, t);
  const before = (await git(repo.bareDir, "rev-parse", "main")).trim();

  const r = await runSlipway(["update", "--manifest-repo", url, "--registry-secrets", secrets, "--ecr-endpoint", env.ecrEndpoint, "--git-author-name", "bot", "--git-author-email", "bot@example.com"], slipwayEnv(env));
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`ImagePolicy/flux-system/locked: .*ImageRepository/flux-system/locked \\(${f.locked.replace(/[.]/g, "\\.")}\\): .*the registry requires credentials and none were given`), "the 401 names the policy, its ImageRepository and the image");
  assert.doesNotMatch(r.stderr, /ImagePolicy\/flux-system\/(web|api|worker):/, "no other policy failed");
  assert.ok(!r.stderr.includes(env.registryPassword), "the registry password never shows");

  const head = (await git(repo.bareDir, "rev-parse", "main")).trim();
  assert.equal((await git(repo.bareDir, "rev-list", "--count", `${before}..main`)).trim(), "1", "one commit");
  assert.equal((await git(repo.bareDir, "log", "-1", "--format=%an <%ae>|%s", "main")).trim(), "bot <bot@example.com>|slipway: update images [ci skip]");
  const changed = (await git(repo.bareDir, "diff", "--name-only", before, head)).trim().split("\n").sort();
  assert.deepEqual(changed, ["clusters/prod/apps/api.yaml", "clusters/prod/apps/kustomization.yaml", "clusters/prod/apps/web.yaml"]);

  const webDigest = digests.get(`${f.web}:1.2.0`) ?? "";
  const web = await show(repo.bareDir, "main", "clusters/prod/apps/web.yaml");
  assert.equal(web, (files["clusters/prod/apps/web.yaml"] ?? "").replace(`${f.web}:1.0.0`, `${f.web}:1.2.0@${webDigest}`), "web: semver <2 picks 1.2.0 (not the rc, not 2.0.0, not the .sig), with its digest; the sidecar untouched");
  const kust = await show(repo.bareDir, "main", "clusters/prod/apps/kustomization.yaml");
  assert.match(kust, /newTag: 1\.2\.0 # /);
  assert.match(kust, new RegExp(`digest: ${webDigest} # `));
  const api = await show(repo.bareDir, "main", "clusters/prod/apps/api.yaml");
  assert.match(api, new RegExp(`image: ${f.api}:20250101000000 #`), "api: alphabetical after the exclusionList dropped latest, through the secretRef");
  assert.match(api, new RegExp(`image: ${f.worker}:12 #`), "worker: numerical from ECR");
  assert.match(api, new RegExp(`image: ${f.locked}:0\\.9\\.0 #`), "locked: left alone");
  const out = JSON.parse(r.stdout || "{}") as unknown;
  assert.equal(typeof out, "object");

  // The same run again, without the locked policy: nothing to change, no commit, exit 0.
  const again = await runSlipway(
    ["update", "--manifest-repo", url, "--registry-secrets", secrets, "--ecr-endpoint", env.ecrEndpoint, "--policy", "flux-system/web", "--policy", "flux-system/api", "--policy", "flux-system/worker"],
    slipwayEnv(env),
  );
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /no marker changed; no commit/);
  assert.equal((await git(repo.bareDir, "rev-parse", "main")).trim(), head, "no new commit");

  // A new tag in range moves only web (IfNotPresent: the digest of the new tag is read).
  const d130 = await pushSampleImage(env.registry, f.web.slice(env.registry.length + 1), "1.3.0");
  const third = await runSlipway(["update", "--manifest-repo", url, "--ecr-endpoint", env.ecrEndpoint, "--policy", "flux-system/web", "--dry-run"], slipwayEnv(env));
  assert.equal(third.code, 0, third.stderr);
  assert.ok(third.stderr.includes(`${f.web}:1.2.0@${webDigest} -> ${f.web}:1.3.0@${d130}`), third.stderr);
  assert.equal((await git(repo.bareDir, "rev-parse", "main")).trim(), head, "dry run: no commit");
});

test("bad input: a policy naming a missing ImageRepository and an unknown --policy are named; the other policies still commit", async (t) => {
  const env = integration(t);
  if (!env) return;
  const f = fleet(env, uniqueName("bad"));
  await pushFleet(env, f);
  const ghost = `---\napiVersion: image.toolkit.fluxcd.io/v1\nkind: ImagePolicy\nmetadata:\n  name: ghost\n  namespace: flux-system\nspec:\n  imageRepositoryRef:\n    name: nowhere\n  policy:\n    semver:\n      range: "*"\n`;
  const repo = await createGitRepo(env, t, { files: fleetFiles(f, { objects: ghost, apps: `        - name: ghost\n          image: x/ghost:1 # {"$imagepolicy": "flux-system:ghost"}\n` }) });
  const url = `${env.gitHttpAuthUrl}/${repo.name}.git`;
  const secrets = await secretsFile(env, t);

  const unknown = await runSlipway(["update", "--manifest-repo", url, "--policy", "flux-system/nope"], slipwayEnv(env));
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /input policy: flux-system\/nope: no ImagePolicy/);

  const r = await runSlipway(["update", "--manifest-repo", url, "--registry-secrets", secrets, "--ecr-endpoint", env.ecrEndpoint, "--policy", "flux-system/ghost", "--policy", "flux-system/worker"], slipwayEnv(env));
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /clusters\/prod\/flux-system\/images\.yaml:\d+: ImagePolicy\/flux-system\/ghost: imageRepositoryRef names ImageRepository\/flux-system\/nowhere, which the manifest repository does not define/);
  const api = await show(repo.bareDir, "main", "clusters/prod/apps/api.yaml");
  assert.match(api, new RegExp(`image: ${f.worker}:12 #`), "worker committed");
  assert.match(api, /image: x\/ghost:1 #/, "ghost untouched");
});

test("slipway update and slipway ci racing on one branch: every run lands, nothing lost", async (t) => {
  const env = integration(t);
  if (!env) return;
  const f = fleet(env, uniqueName("race"));
  await pushFleet(env, f);
  const files = fleetFiles(f);
  const repo = await createGitRepo(env, t, { files });
  const url = `${env.gitHttpAuthUrl}/${repo.name}.git`;
  const secrets = await secretsFile(env, t);
  const webPath = f.web.slice(env.registry.length + 1);
  await pushSampleImage(env.registry, webPath, "1.0.1");

  // Two CI runs retag web (1.4.0, 1.5.0) while two update runs move every policy.
  const ci = (tag: string) =>
    runSlipway(["ci", "--image", `${f.web}:1.0.1`, "--builder", "none", "--tag-format", tag, "--manifest-repo", url, "--max-attempts", "30"], slipwayEnv(env));
  const update = () => runSlipway(["update", "--manifest-repo", url, "--registry-secrets", secrets, "--ecr-endpoint", env.ecrEndpoint, "--policy-selector", "!skip", "--policy", "flux-system/web", "--policy", "flux-system/api", "--policy", "flux-system/worker", "--max-attempts", "30"], slipwayEnv(env));
  const runs = await Promise.all([ci("1.4.0"), update(), ci("1.5.0"), update()]);
  for (const r of runs) assert.equal(r.code, 0, r.stderr);

  const head = (await git(repo.bareDir, "rev-parse", "main")).trim();
  for (const r of runs) {
    const commit = (JSON.parse(r.stdout) as { commit?: string }).commit ?? "";
    if (commit) await run("git", ["--git-dir", repo.bareDir, "merge-base", "--is-ancestor", commit, head]);
  }
  const history = (await git(repo.bareDir, "log", "--format=%P", "main")).trim().split("\n");
  assert.ok(history.every((p) => p.split(" ").length <= 1), "linear history, no force-push");
  const web = await show(repo.bareDir, "main", "clusters/prod/apps/web.yaml");
  assert.match(web, new RegExp(`image: ${f.web}:1\\.5\\.0@sha256:[0-9a-f]{64} #`), "web ends at the newest tag in range, with a digest");
  const api = await show(repo.bareDir, "main", "clusters/prod/apps/api.yaml");
  assert.match(api, new RegExp(`image: ${f.api}:20250101000000 #`));
  assert.match(api, new RegExp(`image: ${f.worker}:12 #`));
});

test("slipway ci writes the digest it pushed for a digest-reflecting policy (full value and :digest marker)", async (t) => {
  const env = integration(t);
  if (!env) return;
  const f = fleet(env, uniqueName("cidigest"));
  const digests = await pushFleet(env, f);
  const repo = await createGitRepo(env, t, { files: fleetFiles(f) });
  const url = `${env.gitHttpAuthUrl}/${repo.name}.git`;
  const r = await runSlipway(["ci", "--image", `${f.web}:1.2.0`, "--builder", "none", "--tag-format", "1.6.0", "--manifest-repo", url], slipwayEnv(env));
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { digest: string; commit: string };
  assert.equal(out.digest, digests.get(`${f.web}:1.2.0`), "the retag keeps the manifest, so the digest is the source's");
  const web = await show(repo.bareDir, "main", "clusters/prod/apps/web.yaml");
  assert.match(web, new RegExp(`image: ${f.web}:1\\.6\\.0@${out.digest} #`));
  const kust = await show(repo.bareDir, "main", "clusters/prod/apps/kustomization.yaml");
  assert.match(kust, new RegExp(`digest: ${out.digest} # `));
  assert.match(kust, /newTag: 1\.6\.0 # /);
});
