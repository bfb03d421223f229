// `slipway get images policy|repository|update`: Flux's image views computed from the manifest
// repository (cloned) and the local registries, as text (-A) and JSON.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createGitRepo, integration, uniqueName } from "../../env/harness.ts";
import { runSlipway } from "../e2e/run-slipway.ts";
import { fleet, fleetFiles, pushFleet, regcredYaml } from "./update-fixture.ts";

const automation = `---\napiVersion: image.toolkit.fluxcd.io/v1beta2\nkind: ImageUpdateAutomation\nmetadata:\n  name: prod\n  namespace: flux-system\nspec:\n  git:\n    commit:\n      author:\n        name: bot\n        email: bot@example.com\n  update:\n    path: ./clusters/prod\n`;

test("get images policy / repository / update: latest images, scans and the automation's last commit; a failing one is READY False", async (t) => {
  const env = integration(t);
  if (!env) return;
  const f = fleet(env, uniqueName("view"));
  const digests = await pushFleet(env, f);
  const repo = await createGitRepo(env, t, { files: fleetFiles(f, { objects: automation }) });
  const dir = await mkdtemp(path.join(tmpdir(), "slipway-view-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const secrets = path.join(dir, "regcred.yaml");
  await writeFile(secrets, regcredYaml(env));
  const childEnv = { SLIPWAY_GIT_TOKEN: env.gitHttpPassword, SLIPWAY_GIT_USERNAME: env.gitHttpUser, AWS_ACCESS_KEY_ID: env.awsAccessKeyId, AWS_SECRET_ACCESS_KEY: env.awsSecretAccessKey, AWS_REGION: "us-east-1" };
  const common = ["--manifest-repo", `${env.gitHttpAuthUrl}/${repo.name}.git`, "--registry-secrets", secrets, "--ecr-endpoint", env.ecrEndpoint];

  const text = await runSlipway(["get", "images", "policy", "-A", ...common], childEnv);
  assert.equal(text.code, 1, "locked is not ready");
  const lines = text.stdout.trim().split("\n");
  assert.match(lines[0] ?? "", /^NAMESPACE\s+NAME\s+LATEST IMAGE\s+READY\s+MESSAGE$/);
  const row = (name: string): string => lines.find((l) => new RegExp(`^flux-system\\s+${name}\\s`).test(l)) ?? "";
  assert.ok(row("web").includes(`${f.web}:1.2.0@${digests.get(`${f.web}:1.2.0`) ?? ""}`), text.stdout);
  assert.match(row("api"), new RegExp(`${f.api}:20250101000000\\s+True\\s+Latest image tag for ${f.api} resolved to 20250101000000`));
  assert.match(row("worker"), new RegExp(`${f.worker}:12\\s+True`));
  assert.match(row("locked"), /\s+False\s+.*requires credentials/);

  const json = await runSlipway(["get", "images", "policy", "-o", "json", ...common], childEnv);
  const parsed = JSON.parse(json.stdout) as { imagePolicies: { name: string; ready: string; latestImage: string; digestReflectionPolicy: string }[] };
  assert.deepEqual(
    parsed.imagePolicies.map((p) => [p.name, p.ready, p.digestReflectionPolicy]),
    [["api", "True", "Never"], ["locked", "False", "Never"], ["web", "True", "IfNotPresent"], ["worker", "True", "Never"]],
  );

  const repos = await runSlipway(["get", "images", "repository", "-o", "json", ...common], childEnv);
  const r = JSON.parse(repos.stdout) as { imageRepositories: { name: string; tags: number; excluded: number; ready: string; lastScanTime: string }[] };
  assert.deepEqual(r.imageRepositories.map((x) => [x.name, x.ready, x.tags, x.excluded]), [["api", "True", 2, 1], ["locked", "False", 0, 0], ["web", "True", 4, 1], ["worker", "True", 3, 0]]);
  assert.ok(r.imageRepositories.every((x) => !Number.isNaN(Date.parse(x.lastScanTime))));

  const none = await runSlipway(["get", "images", "update", ...common], childEnv);
  assert.equal(none.code, 0, none.stderr);
  assert.match(none.stdout, /^NAME\s+LAST RUN\s+SUSPENDED\s+READY\s+MESSAGE\nprod\s+False\s+True\s+no commit by bot@example\.com/m);
  const upd = await runSlipway(["update", "--policy", "flux-system/worker", ...common], childEnv);
  assert.equal(upd.code, 0, upd.stderr);
  const commit = (JSON.parse(upd.stdout) as { commit: string }).commit;
  const after = await runSlipway(["get", "images", "update", "-o", "json", ...common], childEnv);
  const a = JSON.parse(after.stdout) as { imageUpdateAutomations: { name: string; lastPushCommit: string; author: string }[] };
  assert.equal(a.imageUpdateAutomations[0]?.lastPushCommit, commit);
});
