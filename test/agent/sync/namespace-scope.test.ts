// The namespaced mode's rules: the planned objects (namespace-scope.ts) and the configuration's
// `namespaces:` with the fields that must stay within it (load-config.ts), reported at file:line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkNamespaceScope } from "../../../agent/sync/namespace-scope.ts";
import { validateConfig } from "../../../agent/config/load-config.ts";
import type { KubeObject } from "../../../agent/kube/kube-object.ts";

const obj = (kind: string, name: string, namespace?: string): KubeObject => ({ apiVersion: "v1", kind, metadata: { name, ...(namespace ? { namespace } : {}) } });

test("namespace scope: cluster-scoped objects and foreign namespaces are named; cluster-wide mode allows all", () => {
  const objects = [obj("ConfigMap", "ok", "team-a"), obj("Namespace", "team-c"), obj("Secret", "s", "kube-system"), obj("ConfigMap", "ok2", "team-b")];
  assert.deepEqual(checkNamespaceScope(objects, undefined), []);
  assert.deepEqual(checkNamespaceScope(objects, ["team-a", "team-b"]), [
    { phase: "validate", id: "Namespace/team-c", message: "Namespace/team-c: is cluster-scoped, and the agent is installed namespaced (namespaces: team-a, team-b): it applies no cluster-scoped objects" },
    { phase: "validate", id: "Secret/kube-system/s", message: "Secret/kube-system/s: namespace kube-system is not one of the agent's namespaces (team-a, team-b)" },
  ]);
});

test("config: namespaces is a non-empty list of unique namespaces, and syncs and sources stay within it", () => {
  const ok = validateConfig(`namespace: agent
namespaces: [team-a, team-b]
sources:
  - { name: m, url: "https://git.example/m.git", ref: { branch: main }, secretRef: { name: creds, namespace: team-a } }
syncs:
  - { name: a, sourceRef: m, targetNamespace: team-a, serviceAccountName: deployer, serviceAccountNamespace: team-a }
  - { name: b, sourceRef: m, targetNamespace: team-b, serviceAccountName: deployer }
`);
  assert.deepEqual(ok.issues, []);
  assert.deepEqual(ok.config?.namespaces, ["team-a", "team-b"]);
  assert.equal(ok.config?.syncs[0]?.serviceAccountNamespace, "team-a");
  assert.equal(ok.config?.syncs[1]?.serviceAccountNamespace, undefined, "default: the agent's namespace");
  assert.equal(validateConfig("sources: []\n").config?.namespaces, undefined, "absent: cluster-wide");

  const bad = validateConfig(`namespace: agent
namespaces: [team-a, team-a, Team_B]
sources:
  - { name: m, url: "https://git.example/m.git", ref: { branch: main }, secretRef: { name: creds, namespace: kube-system } }
syncs:
  - { name: a, sourceRef: m, targetNamespace: elsewhere }
  - { name: b, sourceRef: m, serviceAccountName: deployer, serviceAccountNamespace: kube-system }
`);
  assert.deepEqual(bad.issues.map((i) => `${i.line}: ${i.path}: ${i.message}`), [
    '2: namespaces[2]: "Team_B" is not a valid namespace',
    '2: namespaces[1]: "team-a" is listed twice',
    '4: sources[0].secretRef.namespace: "kube-system" is neither the agent\'s namespace (agent) nor one of namespaces (team-a, team-a, Team_B)',
    '6: syncs[0].targetNamespace: "elsewhere" is not one of namespaces (team-a, team-a, Team_B)',
    '7: syncs[1].serviceAccountNamespace: "kube-system" is neither the agent\'s namespace (agent) nor one of namespaces (team-a, team-a, Team_B)',
  ]);
  assert.match(validateConfig("namespaces: []\n").issues[0]?.message ?? "", /must list at least one namespace/);
});
