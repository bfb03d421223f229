// The seed's layout end to end on the real control plane: clusters/eks/shop (seven services'
// Deployments and Services, a ConfigMap and an Ingress, no kustomization.yaml) is built as the
// agent builds it, applied, rolls out on kwok nodes, and prunes what leaves git.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createNamespace, integration, uniqueName } from "../../env/harness.ts";
import { buildSync } from "../../../agent/build/build-sync.ts";
import { createKustomize } from "../../../agent/build/kustomize-runner.ts";
import { createKubeClient } from "../../../agent/kube/kube-client.ts";
import { applySync } from "../../../agent/sync/apply-sync.ts";
import { createLogger } from "../../../core/log.ts";

const fixture = path.resolve(import.meta.dirname, "../../fixtures/shop");

test("the seed's shop layout applies, becomes healthy, and prunes a file removed from git", async (t) => {
  const env = integration(t);
  if (!env) return;
  const ns = await createNamespace(env, t, "shop");
  const client = await createKubeClient({ kubeconfig: env.kubeconfig });
  t.after(() => client.close());
  const sync = uniqueName("shop");
  const kustomize = await createKustomize();
  let removed = "";
  const build = async (): Promise<unknown[]> => {
    const parent = mkdtempSync(path.join(tmpdir(), "shop-build-"));
    try {
      cpSync(fixture, path.join(parent, "repo"), { recursive: true });
      if (removed) rmSync(path.join(parent, "repo", removed));
      return (await buildSync({ root: path.join(parent, "repo"), path: "clusters/eks/shop", kustomize, targetNamespace: ns })).objects;
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  };
  const apply = async (objects: unknown[]) =>
    applySync({ client, sync, agentNamespace: ns, objects, prune: true, wait: true, force: false, allowEmpty: false, timeoutMs: 120_000, signal: AbortSignal.timeout(180_000), log: createLogger({ write: () => {} }) });

  const first = await apply(await build());
  assert.deepEqual(first.errors, []);
  const created = first.changeSet.filter((e) => e.action === "created").map((e) => e.id);
  assert.equal(created.length, 16);
  assert.ok(created.includes(`Deployment/${ns}/account`));
  assert.ok(created.includes(`Ingress/${ns}/shop`));
  assert.ok(created.includes(`ConfigMap/${ns}/shop-config`));
  assert.equal(first.health?.healthy, true);
  assert.equal(first.health?.objects.filter((o) => o.id.startsWith("Deployment/") && o.status === "Current").length, 7);

  removed = "clusters/eks/shop/shop-ingress.yaml";
  const second = await apply(await build());
  assert.deepEqual(second.errors, []);
  assert.deepEqual(second.pruned, [`Ingress/${ns}/shop`]);
  assert.equal(second.changeSet.filter((e) => e.action === "unchanged").length, 15);
});
