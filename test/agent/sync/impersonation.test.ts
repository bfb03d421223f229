// Applying as a sync's service account.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createNamespace, kubectl } from "../../env/harness.ts";
import { cm, deployment, lines, setup } from "./sync-fixture.ts";

test("applied as a service account (impersonation): its RBAC decides, the parent is written by the agent's own client", async (t) => {
  const c = await setup(t);
  if (!c) return;
  const appNs = await createNamespace(c.env, t, "rbac");
  await kubectl(c.env, ["create", "serviceaccount", "deployer", "-n", appNs]);
  await kubectl(c.env, ["create", "role", "configmaps", "-n", appNs, "--verb=get,list,watch,create,update,patch,delete", "--resource=configmaps"]);
  await kubectl(c.env, ["create", "rolebinding", "deployer", "-n", appNs, "--role=configmaps", `--serviceaccount=${appNs}:deployer`]);
  const asDeployer = c.client.impersonate(`system:serviceaccount:${appNs}:deployer`);
  const ok = await c.apply([cm(appNs, "allowed", { k: "1" })], { client: asDeployer, inventoryClient: c.client });
  assert.deepEqual(ok.errors, []);
  assert.deepEqual(lines(ok), [`ConfigMap/${appNs}/allowed created`]);
  const denied = await c.apply([cm(appNs, "allowed", { k: "1" }), deployment(appNs, "web")], { client: asDeployer, inventoryClient: c.client });
  assert.equal(denied.ok, false);
  assert.equal(denied.errors[0]?.id, `Deployment/${appNs}/web`);
  assert.match(denied.errors[0]?.message ?? "", new RegExp(`^Deployment/${appNs}/web: 403 Forbidden: .*"system:serviceaccount:${appNs}:deployer" cannot`));
  // Pruning deletes as the service account too.
  const emptied = await c.apply([], { client: asDeployer, inventoryClient: c.client, allowEmpty: true });
  assert.deepEqual(emptied.errors, []);
  assert.deepEqual(emptied.pruned, [`ConfigMap/${appNs}/allowed`]);
});
