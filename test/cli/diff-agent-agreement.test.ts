/**
 * `slipway diff --sync` and the agent agree: after the agent applied one version of a directory,
 * diff on the next version names exactly the objects the agent then creates, configures or
 * prunes — for the `reconcile: disabled`, `ssa: Ignore` and `ssa: IfNotPresent` markers, for
 * pruning (and `prune: disabled`), for a hand edit the agent takes over — and masks Secret values. Real control plane, real CLI process.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createNamespace, integration, kubectl, uniqueName, type TestEnv } from "../env/harness.ts";
import { createKubeClient } from "../../agent/kube/kube-client.ts";
import { applySync } from "../../agent/sync/apply-sync.ts";
import type { SyncOutcome } from "../../agent/sync/sync-outcome.ts";
import { buildLocal } from "../../cli/commands/build.ts";
import { runCli } from "./run-cli.ts";
import { syncDefaults } from "../agent/sync/sync-fixture.ts";

const cm = (name: string, value: string, markers: Record<string, string> = {}): string => {
  const anns = Object.entries(markers).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}\n`).join("");
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${anns ? `  annotations:\n${anns}` : ""}data:\n  k: ${JSON.stringify(value)}\n`;
};

interface Agreement {
  /** Ids `slipway diff` printed a diff for. */
  diffIds: string[];
  /** Ids the agent then created, configured or deleted. */
  agentIds: string[];
  /** The agent's change set, `id action` lines. */
  agentLines: string[];
  diff: { code: number | null; stdout: string; stderr: string };
}

/**
 * Lets the agent apply `first` (file name → YAML), runs `between` (a hand edit), runs
 * `slipway diff --sync` on `second`, then lets the agent apply `second`; returns what each said.
 */
async function agree(t: TestContext, first: Record<string, string>, second: Record<string, string>, between?: (env: TestEnv, ns: string) => Promise<void>): Promise<Agreement | undefined> {
  const env = integration(t);
  if (!env) return undefined;
  const agentNs = await createNamespace(env, t, "slipway-agent");
  const ns = await createNamespace(env, t, "agree");
  const sync = uniqueName("s");
  const client = await createKubeClient({ kubeconfig: env.kubeconfig });
  t.after(() => client.close());
  const dir = mkdtempSync(path.join(tmpdir(), "slipway-agree-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (files: Record<string, string>): void => {
    for (const f of Object.keys(first).concat(Object.keys(second))) rmSync(path.join(dir, f), { force: true });
    for (const [f, text] of Object.entries(files)) writeFileSync(path.join(dir, f), text);
  };
  const agentApply = async (): Promise<SyncOutcome> => {
    const objects = await buildLocal(dir, { targetNamespace: ns, owner: { sync, namespace: agentNs } });
    const out = await applySync({
      client,
      sync,
      agentNamespace: agentNs,
      objects,
      ...syncDefaults(),
      targetNamespace: ns,
    });
    assert.deepEqual(out.errors, []);
    return out;
  };
  write(first);
  await agentApply();
  await between?.(env, ns);
  write(second);
  const diff = await runCli(["diff", "--kubeconfig", env.kubeconfig, "--target-namespace", ns, "--path", dir, "--sync", sync, "-n", agentNs]);
  const applied = await agentApply();
  const changed = applied.changeSet.filter((e) => e.action === "created" || e.action === "configured" || e.action === "deleted");
  return {
    diffIds: [...diff.stdout.matchAll(/^--- a\/(.+)$/gm)].map((m) => m[1] as string).sort(),
    agentIds: changed.map((e) => e.id).sort(),
    agentLines: applied.changeSet.map((e) => `${e.id} ${e.action}`),
    diff,
  };
}

test("diff and the agent agree on reconcile: disabled (skipped, never shown)", async (t) => {
  const r = await agree(
    t,
    { "a.yaml": cm("plain", "1"), "b.yaml": cm("frozen", "1") },
    { "a.yaml": cm("plain", "2"), "b.yaml": cm("frozen", "2", { "kustomize.toolkit.fluxcd.io/reconcile": "disabled" }) },
  );
  if (!r) return;
  assert.deepEqual(r.diffIds, r.agentIds);
  assert.equal(r.agentIds.length, 1);
  assert.match(r.agentIds[0] ?? "", /^ConfigMap\/.+\/plain$/);
  assert.ok(r.agentLines.some((l) => /ConfigMap\/.+\/frozen skipped$/.test(l)), r.agentLines.join("\n"));
  assert.match(r.diff.stderr, /1 of 2 objects differ, 1 skipped, 0 would be pruned/);
  assert.equal(r.diff.code, 1);
});

test("diff and the agent agree on ssa: Ignore (skipped, never shown, never created)", async (t) => {
  const r = await agree(t, { "a.yaml": cm("plain", "1") }, { "a.yaml": cm("plain", "1"), "b.yaml": cm("ignored", "1", { "slipway.dev/ssa": "Ignore" }) });
  if (!r) return;
  assert.deepEqual(r.diffIds, r.agentIds);
  assert.deepEqual(r.agentIds, []);
  assert.ok(r.agentLines.some((l) => /ConfigMap\/.+\/ignored skipped$/.test(l)), r.agentLines.join("\n"));
  assert.equal(r.diff.code, 0, r.diff.stdout + r.diff.stderr);
  assert.match(r.diff.stderr, /✔ no differences \(2 objects, 1 skipped\)/);
});

test("diff and the agent agree on ssa: IfNotPresent (an existing object is left alone)", async (t) => {
  const once = (v: string): string => cm("once", v, { "kustomize.toolkit.fluxcd.io/ssa": "IfNotPresent" });
  const r = await agree(t, { "a.yaml": once("1") }, { "a.yaml": once("2"), "b.yaml": cm("fresh", "1") });
  if (!r) return;
  assert.deepEqual(r.diffIds, r.agentIds);
  assert.equal(r.agentIds.length, 1);
  assert.match(r.agentIds[0] ?? "", /^ConfigMap\/.+\/fresh$/);
  assert.ok(r.agentLines.some((l) => /ConfigMap\/.+\/once skipped$/.test(l)), r.agentLines.join("\n"));
  assert.match(r.diff.stdout, /^\+ {2}k: "1"$/m);
});

test("diff and the agent agree on pruning: what left the build is deleted, prune: disabled is kept", async (t) => {
  const r = await agree(
    t,
    { "a.yaml": cm("plain", "1"), "b.yaml": cm("gone", "1"), "c.yaml": cm("kept", "1", { "kustomize.toolkit.fluxcd.io/prune": "disabled" }) },
    { "a.yaml": cm("plain", "1") },
  );
  if (!r) return;
  assert.deepEqual(r.diffIds, r.agentIds);
  assert.equal(r.agentIds.length, 1);
  assert.match(r.agentIds[0] ?? "", /^ConfigMap\/.+\/gone$/);
  assert.ok(r.agentLines.some((l) => /ConfigMap\/.+\/gone deleted$/.test(l)), r.agentLines.join("\n"));
  assert.match(r.diff.stderr, /0 of 1 objects differ, 1 would be pruned/);
});

test("diff masks Secret values: a changed key shows as changed, no value is printed", async (t) => {
  const secret = (password: string): string =>
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\ntype: Opaque\nstringData:\n  username: admin-user-name\n  password: ${password}\n`;
  const r = await agree(t, { "s.yaml": secret("first-secret-value") }, { "s.yaml": secret("second-secret-value") });
  if (!r) return;
  assert.deepEqual(r.diffIds, r.agentIds);
  assert.equal(r.agentIds.length, 1);
  assert.match(r.diff.stdout, /^- {2}password: "\*\*\* \(before\)"$/m);
  assert.match(r.diff.stdout, /^\+ {2}password: "\*\*\* \(after\)"$/m);
  assert.match(r.diff.stdout, /^ {3}username: "\*\*\*"$/m);
  for (const value of ["first-secret-value", "second-secret-value", "admin-user-name"]) {
    for (const encoded of [value, Buffer.from(value).toString("base64")]) assert.ok(!r.diff.stdout.includes(encoded) && !r.diff.stderr.includes(encoded), `${encoded} printed`);
  }
});

test("diff and the agent agree on a hand edit: a key added with kubectl patch is taken over and removed", async (t) => {
  const r = await agree(t, { "a.yaml": cm("conf", "git") }, { "a.yaml": cm("conf", "git") }, async (env, ns) => {
    await kubectl(env, ["patch", "configmap/conf", "-n", ns, "--type=merge", "-p", '{"data":{"extra":"by-hand"}}']);
  });
  if (!r) return;
  assert.deepEqual(r.diffIds, r.agentIds);
  assert.equal(r.agentIds.length, 1);
  assert.ok(r.agentLines.some((l) => /ConfigMap\/.+\/conf configured$/.test(l)), r.agentLines.join("\n"));
  assert.match(r.diff.stdout, /^- {2}extra: by-hand$/m);
});
