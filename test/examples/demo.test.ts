// The README's first quick-start command: the demo runs the whole flow on the local
// infrastructure with the seed's repository (seven CI steps at once, the monitoring stack, a
// prune) and says how long the push → rollout took.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { exclusive, integration } from "../env/harness.ts";

const root = path.resolve(import.meta.dirname, "../..");

test("npm run demo: CI builds, pushes and bumps git; the agent rolls the new image out", async (t) => {
  const env = integration(t);
  if (!env) return;
  // The demo checks that no toolkit CRD reaches the cluster, which tests that install Flux's CRDs would break.
  await exclusive(env, t, "flux-system");
  const r = spawnSync(process.execPath, ["examples/demo.ts"], { cwd: root, encoding: "utf8", timeout: 300_000 });
  const out = `${r.stdout}${r.stderr}`;
  assert.equal(r.status, 0, out);
  assert.match(r.stdout, /✔ account runs 127\.0\.0\.1:\d+\/shop\/account:\d{14}\n/);
  assert.match(r.stdout, /✔ Applied revision: eks@sha1:[0-9a-f]{40}\n/);
  assert.match(r.stdout, /commit → rolled out in the cluster \d+\.\ds/);
  // All seven pipelines at once land; the monitoring stack comes from its own source; removed from git means pruned.
  assert.match(r.stdout, /✔ 7\/7 commits landed on eks/);
  for (const svc of ["account", "apigateway", "bff", "cart", "order", "payment", "product"]) assert.match(r.stdout, new RegExp(`✔ ${svc} runs 127\\.0\\.0\\.1:\\d+/shop/${svc}:\\d{14}\n`));
  assert.match(r.stdout, /✔ monitoring-stack: Applied revision: main@sha1:[0-9a-f]{40} /);
  assert.match(r.stdout, /✔ deployment\/payment, service\/payment and cronjob\/ecr-credentials-sync pruned/);
  // The kubeconfig's credentials and the git password never reach the output.
  assert.ok(!out.includes(env.gitHttpPassword), "git password printed");
});
