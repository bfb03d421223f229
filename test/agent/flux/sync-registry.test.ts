import { test } from "node:test";
import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import { validateConfig } from "../../../agent/config/load-config.ts";
import type { AgentConfig } from "../../../agent/config/agent-config.ts";
import type { KubeObject } from "../../../agent/kube/kube-object.ts";
import { objectId } from "../../../agent/kube/kube-object.ts";
import { SyncRegistry, type FluxDefinitions } from "../../../agent/flux/sync-registry.ts";
import type { ObjectOrigin } from "../../../agent/flux/flux-origins.ts";

const config = (): AgentConfig => {
  const r = validateConfig(`namespace: slipway-system
sources:
  - name: flux-system
    url: https://git.example/shop.git
    ref: { branch: eks }
syncs:
  - name: flux-system
    sourceRef: flux-system
    path: ./clusters/eks
`);
  assert.ok(r.config, JSON.stringify(r.issues));
  return r.config;
};

/** Definitions from YAML text, each object's origin `file:<document number>`. */
const defs = (file: string, text: string): FluxDefinitions => {
  const objects = parseAllDocuments(text).map((d) => d.toJS() as KubeObject);
  const origins = new Map<string, ObjectOrigin>(objects.map((o, i) => [objectId(o), { file, line: i + 1, lineOf: () => i + 1 }]));
  return { objects, origins };
};
const repo = (name: string, url: string, ns = "flux-system") => `apiVersion: source.toolkit.fluxcd.io/v1beta1\nkind: GitRepository\nmetadata: { name: ${name}, namespace: ${ns} }\nspec: { interval: 1m, url: ${url}, ref: { branch: eks }, secretRef: { name: flux-system } }\n`;
const kust = (name: string, source: string, p: string, extra = "") => `apiVersion: kustomize.toolkit.fluxcd.io/v1beta1\nkind: Kustomization\nmetadata: { name: ${name}, namespace: flux-system }\nspec: { interval: 3m, path: ${p}, prune: true, sourceRef: { kind: GitRepository, name: ${source} }${extra} }\n`;

test("gotk-sync.yaml's objects are the root: git's settings win, their namespace/name refers to the root", () => {
  const reg = new SyncRegistry(config());
  const taken = reg.define("flux-system", defs("gotk-sync.yaml", `${repo("flux-system", "https://git.example/shop")}---\n${kust("flux-system", "flux-system", "clusters/eks/")}---\n${kust("apps", "flux-system", "./apps", ", dependsOn: [{ name: flux-system }]")}`));
  assert.equal(taken.error, undefined);
  assert.deepEqual(reg.syncs().map((s) => s.name), ["flux-system", "flux-system/apps"]);
  const root = reg.sync("flux-system");
  assert.equal(root?.intervalMs, 180_000, "git's interval wins");
  assert.equal(root?.wait, false, "Flux's default for wait");
  assert.equal(root?.origin, "gotk-sync.yaml:2");
  const source = reg.sources().find((s) => s.name === "flux-system");
  assert.deepEqual(source?.secretRef, { name: "flux-system", namespace: "flux-system" }, "git's secretRef wins");
  const apps = reg.sync("flux-system/apps");
  assert.equal(apps?.sourceRef, "flux-system", "flux-system/flux-system is the root's source");
  assert.deepEqual(apps?.dependsOn, ["flux-system"], "and the root sync");
  assert.equal(apps?.definedBy, "flux-system");
});

test("a definition that defines itself, an object defined twice: the defining build is refused, the registry unchanged", () => {
  const reg = new SyncRegistry(config());
  assert.equal(reg.define("flux-system", defs("a.yaml", kust("apps", "flux-system", "./apps"))).error, undefined);
  const self = reg.define("flux-system/apps", defs("apps/self.yaml", kust("apps", "flux-system", "./apps")));
  assert.equal(self.error, "apps/self.yaml:1: Kustomization/flux-system/apps is defined by its own build (cycle: flux-system/apps → flux-system/apps)");
  const loop = reg.define("flux-system/apps", defs("apps/b.yaml", kust("b", "flux-system", "./b")));
  assert.equal(loop.error, undefined);
  const back = reg.define("flux-system/b", defs("b/apps.yaml", kust("apps", "flux-system", "./apps")));
  assert.match(back.error ?? "", /^b\/apps\.yaml:1: Kustomization\/flux-system\/apps is defined by its own build \(cycle: flux-system\/apps → flux-system\/b → flux-system\/apps\)$/);
  const twice = reg.define("flux-system/b", defs("b/x.yaml", `${kust("x", "flux-system", "./x")}---\n${kust("x", "flux-system", "./y")}`));
  assert.match(twice.error ?? "", /Kustomization\/flux-system\/x is defined twice in this build/);
  const other = reg.define("flux-system/b", defs("b/a.yaml", kust("b", "flux-system", "./x").replace("name: b,", "name: c,") + "---\n" + kust("apps", "flux-system", "./apps").replace("name: apps,", "name: c2,")));
  assert.equal(other.error, undefined);
  assert.deepEqual(reg.syncs().map((s) => s.name), ["flux-system", "flux-system/apps", "flux-system/b", "flux-system/c", "flux-system/c2"]);
});

test("a missing GitRepository, an invalid spec, a dependsOn cycle: that sync alone cannot run, naming object, field and file:line", () => {
  const reg = new SyncRegistry(config());
  const taken = reg.define("flux-system", defs("clusters/eks/x.yaml", [
    kust("ghost", "nowhere", "./g"),
    repo("flux-system", "https://git.example/apps"),
    kust("bad", "flux-system", "./b").replace("interval: 3m", "interval: soon"),
    kust("a", "flux-system", "./a", ", dependsOn: [{ name: b }]"),
    kust("b", "flux-system", "./b", ", dependsOn: [{ name: a }]"),
    kust("fine", "flux-system", "./f"),
  ].join("---\n")));
  assert.equal(taken.error, undefined);
  const byName = new Map(reg.syncs().map((s) => [s.name, s]));
  assert.deepEqual(byName.get("flux-system/ghost")?.invalid, { reason: "ArtifactFailed", message: "clusters/eks/x.yaml:1: Kustomization/flux-system/ghost: spec.sourceRef: GitRepository/flux-system/nowhere not found" });
  assert.deepEqual(byName.get("flux-system/bad")?.invalid, { reason: "BuildFailed", message: 'clusters/eks/x.yaml:3: Kustomization/flux-system/bad: spec.interval: "soon" is not a positive duration such as 30s, 1m0s or 1h' });
  assert.match(byName.get("flux-system/a")?.invalid?.message ?? "", /spec\.dependsOn: dependency cycle: flux-system\/a → flux-system\/b → flux-system\/a/);
  assert.equal(byName.get("flux-system/fine")?.invalid, undefined);
});

test("what a build no longer defines is gone, with everything it defined in turn", () => {
  const reg = new SyncRegistry(config());
  reg.define("flux-system", defs("m.yaml", `${repo("monitoring", "https://git.example/mon", "flux-system")}---\n${kust("monitoring-stack", "monitoring", "./manifests/monitoring")}`));
  reg.define("flux-system/monitoring-stack", defs("n.yaml", kust("nested", "monitoring", "./n")));
  assert.deepEqual(reg.syncs().map((s) => s.name), ["flux-system", "flux-system/monitoring-stack", "flux-system/nested"]);
  assert.deepEqual(reg.sources().map((s) => s.name), ["flux-system", "flux-system/monitoring"]);
  reg.define("flux-system", { objects: [], origins: new Map() });
  assert.deepEqual(reg.syncs().map((s) => s.name), ["flux-system"]);
  assert.deepEqual(reg.sources().map((s) => s.name), ["flux-system"]);
});

test("a configured sync named otherwise (bootstrap's cluster) still recognises gotk-sync.yaml in its own build as itself", () => {
  const r = validateConfig(`sources:\n  - { name: manifests, url: "https://git.example/shop", ref: { branch: eks } }\nsyncs:\n  - { name: cluster, sourceRef: manifests, path: ./clusters/eks }\n`);
  assert.ok(r.config);
  const reg = new SyncRegistry(r.config);
  const taken = reg.define("cluster", defs("gotk-sync.yaml", `${repo("flux-system", "https://git.example/shop.git")}---\n${kust("flux-system", "flux-system", "./clusters/eks")}---\n${kust("apps", "flux-system", "./apps")}`));
  assert.equal(taken.error, undefined);
  assert.deepEqual(reg.syncs().map((s) => s.name), ["cluster", "flux-system/apps"]);
  assert.equal(reg.sync("flux-system/apps")?.sourceRef, "manifests");
  // A different repository at the same path is not the root: it is a sync of its own.
  const other = new SyncRegistry(r.config);
  other.define("cluster", defs("x.yaml", `${repo("flux-system", "https://git.example/other")}---\n${kust("flux-system", "flux-system", "./clusters/eks")}`));
  assert.deepEqual(other.syncs().map((s) => s.name), ["cluster", "flux-system/flux-system"]);
});
