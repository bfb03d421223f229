/**
 * The namespaced install on the real control plane: its RBAC applied (deploy/namespaced), the
 * agent run as its ServiceAccount with a real token (daemon mode: leader election, member
 * watches). A sync in a listed namespace converges; a build with a cluster-scoped object, or with
 * an object in a namespace not listed, is refused naming the object, with nothing of it applied;
 * a sync impersonates a ServiceAccount of a listed namespace, whose own RBAC then decides.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createGitRepo, createNamespace, kubectl, uniqueName } from "../../env/harness.ts";
import { integration } from "../../env/harness.ts";
import { validateConfig } from "../../../agent/config/load-config.ts";
import { agentArgs, cacheDir, eventually, startAgent, writeConfig } from "./agent-process.ts";
import { readStatus } from "./parent-status.ts";
import { applyNamespacedRbac, buildNamespacedInstall } from "./namespaced-install.ts";

const cm = (name: string, namespace?: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${namespace ? `  namespace: ${namespace}\n` : ""}data:\n  k: v\n`;

test("the namespaced install has no cluster-scoped rights, and its configuration is valid", async () => {
  const objs = await buildNamespacedInstall();
  const kinds = objs.map((o) => `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`);
  assert.ok(!kinds.some((k) => k.startsWith("ClusterRole")), kinds.join("\n"));
  assert.deepEqual(kinds.filter((k) => k.startsWith("Role/")).sort(), ["Role/slipway-system/slipway-agent", "Role/team-a/slipway-agent", "Role/team-b/slipway-agent"]);
  assert.equal(objs.filter((o) => o.kind === "RoleBinding" && o.subjects?.[0]?.name === "slipway-agent" && o.subjects[0].namespace === "slipway-system").length, 3);
  const configs = objs.filter((o) => o.kind === "ConfigMap" && o.metadata.name.startsWith("slipway-config-"));
  assert.equal(configs.length, 1, "the component's configuration replaces the cluster-wide one");
  const result = validateConfig(configs[0]?.data?.["config.yaml"] ?? "");
  assert.deepEqual(result.issues, []);
  assert.deepEqual(result.config?.namespaces, ["team-a", "team-b"]);
  assert.deepEqual(result.config?.syncs.map((s) => s.targetNamespace), ["team-a", "team-b"]);
});

test("namespaced mode: converges in a listed namespace, refuses cluster-scoped and foreign objects before applying, impersonates a tenant's account", async (t) => {
  const env = integration(t);
  if (!env) return;
  const agentNs = await createNamespace(env, t, "slipway-ns-agent");
  const teamA = await createNamespace(env, t, "team-a");
  const teamB = await createNamespace(env, t, "team-b");
  const other = await createNamespace(env, t, "not-listed");
  const { kubeconfig, token } = await applyNamespacedRbac(env, t, agentNs, [teamA, teamB]);
  // A tenant's own account in team-b, allowed ConfigMaps only.
  await kubectl(env, ["create", "serviceaccount", "deployer", "-n", teamB]);
  await kubectl(env, ["create", "role", "configmaps", "-n", teamB, "--verb=get,list,watch,create,update,patch,delete", "--resource=configmaps"]);
  await kubectl(env, ["create", "rolebinding", "deployer", "-n", teamB, "--role=configmaps", `--serviceaccount=${teamB}:deployer`]);
  const clusterRole = uniqueName("slipway-ns-refused");
  t.after(async () => {
    await kubectl(env, ["delete", "clusterrole", clusterRole, "--ignore-not-found"]);
  });
  const repo = await createGitRepo(env, t, {
    files: {
      "a/app.yaml": cm("app"),
      "cluster/cm.yaml": cm("before-the-clusterrole"),
      "cluster/role.yaml": `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: ${clusterRole}\nrules: []\n`,
      "foreign/cm.yaml": cm("mine", teamA),
      "foreign/elsewhere.yaml": cm("elsewhere", other),
      "b/app.yaml": cm("app-b"),
      "b-secret/secret.yaml": `apiVersion: v1\nkind: Secret\nmetadata:\n  name: not-for-deployer\nstringData:\n  k: v\n`,
    },
  });
  const config = writeConfig(`namespace: ${agentNs}
namespaces: [${teamA}, ${teamB}]
listen: "127.0.0.1:0"
sources:
  - { name: m, url: "${repo.httpUrl}", ref: { branch: main }, interval: 1h }
syncs:
  - { name: a, sourceRef: m, path: a, targetNamespace: ${teamA}, interval: 1h, timeout: 1m }
  - { name: cluster, sourceRef: m, path: cluster, targetNamespace: ${teamA}, interval: 1h, timeout: 1m }
  - { name: foreign, sourceRef: m, path: foreign, interval: 1h, timeout: 1m }
  - { name: b, sourceRef: m, path: b, targetNamespace: ${teamB}, serviceAccountName: deployer, serviceAccountNamespace: ${teamB}, interval: 1h, timeout: 1m }
  - { name: b-secret, sourceRef: m, path: b-secret, targetNamespace: ${teamB}, serviceAccountName: deployer, serviceAccountNamespace: ${teamB}, interval: 1h, timeout: 1m }
`);
  // Daemon mode with leader election on: the Lease, the member watches and the status all run
  // under the namespaced Roles.
  const args = agentArgs(env, config, cacheDir()).map((a) => (a === env.kubeconfig ? kubeconfig : a)).filter((a) => a !== "--leader-elect=false");
  const agent = startAgent(t, args);
  const settled = async (sync: string) => eventually(`sync ${sync} reported`, async () => {
    const s = await readStatus(env, agentNs, sync);
    return s?.ready === "True" || s?.ready === "False" ? s : undefined;
  }, 90_000);

  const a = await settled("a");
  assert.equal(a.ready, "True", JSON.stringify(a));
  assert.equal(await kubectl(env, ["get", "configmap", "app", "-n", teamA, "-o", "jsonpath={.data.k}"]), "v");

  const cluster = await settled("cluster");
  assert.equal(cluster.ready, "False");
  assert.match(cluster.message ?? "", new RegExp(`ClusterRole/${clusterRole}: is cluster-scoped, and the agent is installed namespaced \\(namespaces: ${teamA}, ${teamB}\\)`));
  const foreign = await settled("foreign");
  assert.equal(foreign.ready, "False", JSON.stringify(foreign));
  assert.match(foreign.message ?? "", new RegExp(`ConfigMap/${other}/elsewhere: namespace ${other} is not one of the agent's namespaces \\(${teamA}, ${teamB}\\)`));
  // Nothing of a refused build was applied, not even its allowed objects.
  assert.equal(await kubectl(env, ["get", "clusterrole", clusterRole, "--ignore-not-found", "-o", "name"]), "");
  assert.equal(await kubectl(env, ["get", "configmap", "before-the-clusterrole", "-n", teamA, "--ignore-not-found", "-o", "name"]), "");
  assert.equal(await kubectl(env, ["get", "configmap", "mine", "-n", teamA, "--ignore-not-found", "-o", "name"]), "");
  assert.equal(await kubectl(env, ["get", "configmaps", "-n", other, "-l", "slipway.dev/name", "-o", "name"]), "");

  // Impersonation of team-b's deployer: its ConfigMap applies, a Secret is refused by its RBAC.
  const b = await settled("b");
  assert.equal(b.ready, "True", JSON.stringify(b));
  assert.equal(await kubectl(env, ["get", "configmap", "app-b", "-n", teamB, "-o", "jsonpath={.data.k}"]), "v");
  const denied = await settled("b-secret");
  assert.equal(denied.ready, "False", JSON.stringify(denied));
  assert.match(denied.message ?? "", new RegExp(`Secret/${teamB}/not-for-deployer: .*"system:serviceaccount:${teamB}:deployer" cannot`));

  // The leader's Lease lives in the agent's namespace; no request of the agent was forbidden
  // except the deployer's Secret (no cluster-wide list or watch it is not allowed).
  assert.match(await kubectl(env, ["get", "lease", "slipway-agent", "-n", agentNs, "-o", "jsonpath={.spec.holderIdentity}"]), /\S/);
  const forbidden = agent.logs().split("\n").filter((l) => /forbidden|403/i.test(l) && !l.includes(`${teamB}:deployer`));
  assert.deepEqual(forbidden, [], "no request the namespaced Roles do not allow");
  assert.ok(!agent.logs().includes(token), "the token is never logged");
});
