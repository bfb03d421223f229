/** `slipway diff` against the real control plane, run as a real child process. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { integration, createNamespace, kubectl } from "../env/harness.ts";
import { runCli } from "./run-cli.ts";

test("no differences → exit 0; a change → a unified diff per object and exit 1", async (t) => {
  const env = integration(t);
  if (!env) return;
  const ns = await createNamespace(env, t, "diff");
  const dir = mkdtempSync(path.join(tmpdir(), "slipway-cli-diff-"));
  mkdirSync(path.join(dir, "apps"));
  const cm = (v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  level: ${v}\n`;
  writeFileSync(path.join(dir, "apps", "cm.yaml"), cm("info"));
  const kube = ["--kubeconfig", env.kubeconfig, "--target-namespace", ns, "--path", path.join(dir, "apps")];

  const created = await runCli(["diff", ...kube]);
  assert.equal(created.code, 1, created.stderr);
  assert.match(created.stdout, new RegExp(`^--- a/ConfigMap/${ns}/settings\n\\+\\+\\+ b/ConfigMap/${ns}/settings\n`, "m"));
  assert.match(created.stdout, /^\+ {2}level: info$/m);

  const built = await runCli(["build", "--target-namespace", ns, "--path", path.join(dir, "apps")]);
  await kubectl(env, ["apply", "--server-side", "--field-manager", "slipway", "-f", "-"], { input: built.stdout });
  const same = await runCli(["diff", ...kube]);
  assert.equal(same.code, 0, same.stdout + same.stderr);
  assert.equal(same.stdout, "");
  assert.match(same.stderr, /✔ no differences \(1 objects\)/);

  writeFileSync(path.join(dir, "apps", "cm.yaml"), cm("debug"));
  const changed = await runCli(["diff", ...kube]);
  assert.equal(changed.code, 1);
  assert.match(changed.stdout, /^- {2}level: info$/m);
  assert.match(changed.stdout, /^\+ {2}level: debug$/m);
  assert.match(changed.stderr, /1 of 1 objects differ/);
  assert.equal(await kubectl(env, ["get", "configmap", "settings", "-n", ns, "-o", "jsonpath={.data.level}"]), "info", "diff changes nothing");
});
