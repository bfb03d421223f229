import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync, symlinkSync, readFileSync, existsSync } from "node:fs";
import path from "node:path";
import { buildSync } from "../../../agent/build/build-sync.ts";
import { createKustomize } from "../../../agent/build/kustomize-runner.ts";
import { createWorkspace, copyIntoWorkspace, type Workspace } from "../../../agent/build/workspace.ts";
import { objectId } from "../../../agent/kube/kube-object.ts";

const shop = path.resolve(import.meta.dirname, "../../fixtures/shop");

async function workspaceWith(files: Record<string, string>): Promise<Workspace> {
  const ws = await createWorkspace();
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(ws.root, rel)), { recursive: true });
    writeFileSync(path.join(ws.root, rel), text);
  }
  return ws;
}

const cm = (name: string, ns = "apps") => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${ns}\ndata:\n  k: v\n`;

test("the seed's plain directory builds through a generated kustomization, in a copy", async (t) => {
  const ws = await createWorkspace();
  t.after(() => ws.dispose());
  await copyIntoWorkspace(shop, ws);
  const kustomize = await createKustomize();
  const res = await buildSync({ root: ws.root, path: "./clusters/eks/shop", kustomize, owner: { sync: "shop", namespace: "slipway-system" }, targetNamespace: "shop-x" });
  assert.deepEqual(res.generated, ["shop-configmap.yaml", "shop-deployment.yml", "shop-ingress.yaml", "shop-service.yml"]);
  const ids = res.objects.map(objectId).sort();
  assert.equal(ids.length, 16);
  assert.ok(ids.includes("Deployment/shop-x/account"));
  assert.ok(ids.includes("Ingress/shop-x/shop"));
  assert.ok(ids.includes("ConfigMap/shop-x/shop-config"));
  assert.equal(res.objects[0]?.metadata.labels?.["slipway.dev/name"], "shop");
  assert.equal(res.objects[0]?.metadata.labels?.["slipway.dev/namespace"], "slipway-system");
  assert.ok(!existsSync(path.join(shop, "clusters/eks/shop/kustomization.yaml")), "the fixture is never written to");
});

test("generated kustomization: lexical order, recursion, a subdirectory with its own kustomization is one resource", async (t) => {
  const ws = await workspaceWith({
    "apps/b.yaml": cm("b"),
    "apps/a.yml": cm("a"),
    "apps/notes.txt": "not yaml at all: [",
    "apps/nested/deep/c.yaml": cm("c"),
    "apps/kust/kustomization.yaml": "resources: [d.yaml]\nnamePrefix: k-\n",
    "apps/kust/d.yaml": cm("d"),
    "apps/kust/ignored-by-walk.yaml": cm("never"),
  });
  t.after(() => ws.dispose());
  const res = await buildSync({ root: ws.root, path: "apps", kustomize: await createKustomize() });
  assert.deepEqual(res.generated, ["a.yml", "b.yaml", "kust", "nested/deep/c.yaml"]);
  assert.deepEqual(res.objects.map((o) => o.metadata.name).sort(), ["a", "b", "c", "k-d"]);
  assert.match(readFileSync(path.join(ws.root, "apps/kustomization.yaml"), "utf8"), /resources:\n {2}- "a.yml"\n {2}- "b.yaml"\n {2}- "kust"\n {2}- "nested\/deep\/c.yaml"\n/);
});

test("a file that is not Kubernetes objects fails the build naming file:line", async (t) => {
  const ws = await workspaceWith({ "apps/a.yaml": cm("a"), "apps/broken.yaml": `${cm("x")}---\nfoo: bar\n` });
  t.after(() => ws.dispose());
  await assert.rejects(buildSync({ root: ws.root, path: "apps", kustomize: await createKustomize() }), /^SlipwayError: apps\/broken\.yaml:9: is not a Kubernetes object: apiVersion is missing/);
  const ws2 = await workspaceWith({ "apps/bad.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [oops\n" });
  t.after(() => ws2.dispose());
  await assert.rejects(buildSync({ root: ws2.root, path: "apps", kustomize: await createKustomize() }), /^SlipwayError: apps\/bad\.yaml:\d+: invalid YAML/);
});

test("an invalid kustomization fails with kustomize's message, repository-relative", async (t) => {
  const ws = await workspaceWith({ "apps/kustomization.yaml": "resources:\n  - missing.yaml\n" });
  t.after(() => ws.dispose());
  await assert.rejects(buildSync({ root: ws.root, path: "apps", kustomize: await createKustomize() }), (err: Error) => {
    assert.match(err.message, /^path apps: kustomize build: .*missing\.yaml/s);
    assert.ok(!err.message.includes(ws.root), err.message);
    return true;
  });
});

test("a document without a name fails naming the document", async (t) => {
  const ws = await workspaceWith({ "apps/kustomization.yaml": "resources: [a.yaml]\n", "apps/a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {a: b}\n" });
  t.after(() => ws.dispose());
  await assert.rejects(buildSync({ root: ws.root, path: "apps", kustomize: await createKustomize() }), /^SlipwayError: path apps: kustomize build: accumulating resources: .*'a\.yaml': missing metadata\.name/s);
});

test("paths that leave the repository are refused: ../, absolute, symlinks", async (t) => {
  const ws = await workspaceWith({ "apps/a.yaml": cm("a") });
  t.after(() => ws.dispose());
  const kustomize = await createKustomize();
  await assert.rejects(buildSync({ root: ws.root, path: "../", kustomize }), /^SlipwayError: path \.\.\/: leaves the repository/);
  await assert.rejects(buildSync({ root: ws.root, path: "/etc", kustomize }), /^SlipwayError: path \/etc: must be relative/);
  await assert.rejects(buildSync({ root: ws.root, path: "nope", kustomize }), /^SlipwayError: path nope: does not exist/);
  symlinkSync("/etc", path.join(ws.root, "link"));
  await assert.rejects(buildSync({ root: ws.root, path: "link", kustomize }), /^SlipwayError: path link: is a symlink that leaves the repository \(to \/etc\)/);
  // A link elsewhere in the repository does not concern this build…
  assert.equal((await buildSync({ root: ws.root, path: "apps", kustomize })).objects.length, 1);
  // …one inside the build's directory does.
  symlinkSync("/etc/passwd", path.join(ws.root, "apps", "passwd.yaml"));
  await assert.rejects(buildSync({ root: ws.root, path: "apps", kustomize }), /^SlipwayError: apps\/passwd\.yaml: is a symlink that leaves the repository \(to \/etc\/passwd\)/);
});

test("a symlink leaving the repository inside a referenced base is refused", async (t) => {
  const ws = await workspaceWith({ "apps/kustomization.yaml": "resources:\n  - ../base\n", "base/kustomization.yaml": "resources: [a.yaml]\n", "base/a.yaml": cm("a") });
  t.after(() => ws.dispose());
  symlinkSync("/etc", path.join(ws.root, "base", "etc"));
  await assert.rejects(buildSync({ root: ws.root, path: "apps", kustomize: await createKustomize() }), /^SlipwayError: base\/etc: is a symlink that leaves the repository/);
});

test("remote bases are refused, naming the kustomization and the entry", async (t) => {
  const ws = await workspaceWith({
    "apps/kustomization.yaml": "resources:\n  - ../base\n",
    "base/kustomization.yaml": "resources:\n  - https://github.com/acme/x//deploy?ref=v1\n",
  });
  t.after(() => ws.dispose());
  await assert.rejects(
    buildSync({ root: ws.root, path: "apps", kustomize: await createKustomize() }),
    /^SlipwayError: base\/kustomization\.yaml: resources entry "https:\/\/github\.com\/acme\/x\/\/deploy\?ref=v1" is remote/,
  );
});

test("an empty directory builds to no objects", async (t) => {
  const ws = await workspaceWith({ "apps/README.md": "nothing\n" });
  t.after(() => ws.dispose());
  const res = await buildSync({ root: ws.root, path: "apps", kustomize: await createKustomize() });
  assert.deepEqual(res.objects, []);
  assert.deepEqual(res.generated, []);
});

test("Flux image automation objects beside the workloads are left out of what is applied (the CI step reads them)", async (t) => {
  const examples = path.resolve(import.meta.dirname, "../../../examples/shop");
  const ws = await createWorkspace();
  t.after(() => ws.dispose());
  await copyIntoWorkspace(examples, ws);
  const res = await buildSync({ root: ws.root, path: "./clusters/eks/shop", kustomize: await createKustomize() });
  assert.deepEqual(res.generated, [
    "ecr-job.yml",
    "shop-configmap.yml",
    "shop-deployment.yml",
    "shop-ingress.yml",
    "shop-namespace.yml",
    "shop-policy.yml",
    "shop-registry.yml",
    "shop-service.yml",
    "update-policy.yml",
  ]);
  const skipped = res.skipped.map((s) => s.id);
  assert.equal(skipped.filter((id) => id.startsWith("ImageRepository/flux-system/")).length, 7);
  assert.equal(skipped.filter((id) => id.startsWith("ImagePolicy/flux-system/")).length, 7);
  assert.ok(skipped.includes("ImageUpdateAutomation/flux-system/flux-system"));
  assert.equal(skipped.length, 15);
  assert.ok(res.skipped.every((s) => s.reason === "read from git by the CI step (Flux image automation)"));
  assert.ok(res.objects.every((o) => !o.apiVersion.startsWith("image.toolkit.fluxcd.io/")));
  // Namespace, ConfigMap, Ingress, 7 Deployments, 7 Services, the ECR credentials CronJob.
  assert.equal(res.objects.length, 18);
});

test("the seed's clusters/eks: Flux's install (gotk-components.yaml) is never applied, its GitRepository and Kustomization objects are set aside", async (t) => {
  const examples = path.resolve(import.meta.dirname, "../../../examples/shop");
  const ws = await createWorkspace();
  t.after(() => ws.dispose());
  await copyIntoWorkspace(examples, ws);
  const res = await buildSync({ root: ws.root, path: "./clusters/eks", kustomize: await createKustomize() });
  assert.ok(res.generated?.includes("flux-system"), "flux-system/ has its own kustomization.yaml");
  const ids = res.objects.map(objectId);
  // Nothing of Flux's install and none of its sync objects are sent to the API server.
  assert.ok(ids.every((id) => !id.includes("toolkit.fluxcd.io") && !id.endsWith("-controller") && id !== "Namespace/flux-system"), ids.join("\n"));
  assert.equal(res.objects.length, 18, "only the shop's objects remain");
  const reasons = new Map(res.skipped.map((s) => [s.id, s.reason]));
  assert.equal(reasons.get("Namespace/flux-system"), "part of Flux's install (app.kubernetes.io/instance: flux-system, version v0.14.2)");
  assert.equal(reasons.get("CustomResourceDefinition/gitrepositories.source.toolkit.fluxcd.io"), "a CRD of Flux's source.toolkit.fluxcd.io group");
  assert.equal(reasons.get("CustomResourceDefinition/kustomizations.kustomize.toolkit.fluxcd.io"), "a CRD of Flux's kustomize.toolkit.fluxcd.io group");
  for (const c of ["source", "kustomize", "helm", "notification", "image-reflector", "image-automation"]) {
    assert.match(reasons.get(`Deployment/flux-system/${c}-controller`) ?? "", /^part of Flux's install/);
  }
  assert.deepEqual(res.fluxObjects.map(objectId).sort(), [
    "GitRepository/flux-system/flux-system",
    "GitRepository/flux-system/monitoring",
    "Kustomization/flux-system/flux-system",
    "Kustomization/flux-system/monitoring-stack",
  ]);
});

test("a Kustomization's overlay (namePrefix, nameSuffix, commonMetadata, patches, images, components) is laid over its path as Flux does", async (t) => {
  const ws = await workspaceWith({
    "apps/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: { app: web }\n  template:\n    metadata:\n      labels: { app: web }\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.0\n",
    "components/comp/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [extra.yaml]\n",
    "components/comp/extra.yaml": cm("extra"),
  });
  t.after(() => ws.dispose());
  const res = await buildSync({
    root: ws.root,
    path: "apps",
    kustomize: await createKustomize(),
    targetNamespace: "shop",
    overlay: {
      namePrefix: "p-",
      nameSuffix: "-s",
      commonMetadata: { labels: { team: "shop" }, annotations: { owner: "platform" } },
      patches: [{ patch: "- op: add\n  path: /spec/replicas\n  value: 3\n", target: { kind: "Deployment" } }],
      images: [{ name: "nginx", newTag: "1.27" }],
      components: ["../components/comp"],
    },
  });
  const byKind = new Map(res.objects.map((o) => [o.kind, o]));
  const d = byKind.get("Deployment") as unknown as { metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec: { replicas: number; selector: { matchLabels: Record<string, string> }; template: { spec: { containers: { image: string }[] } } } };
  assert.equal(d.metadata.name, "p-web-s");
  assert.equal(d.metadata.namespace, "shop");
  assert.equal(d.metadata.labels?.team, "shop");
  assert.equal(d.metadata.annotations?.owner, "platform");
  assert.deepEqual(d.spec.selector.matchLabels, { app: "web" }, "commonMetadata labels never touch selectors");
  assert.equal(d.spec.replicas, 3);
  assert.equal(d.spec.template.spec.containers[0]?.image, "nginx:1.27");
  assert.equal(byKind.get("ConfigMap")?.metadata.name, "p-extra-s", "the component, relative to the path");
});

test("a Kustomization's components are checked like the path's kustomizations: a remote entry is refused, one outside the repository too, a chart marks the build", async (t) => {
  const ws = await workspaceWith({
    "apps/a.yaml": cm("a"),
    "components/remote/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [https://example.invalid/x.yaml]\n",
    "components/charted/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nhelmGlobals:\n  chartHome: charts\n",
  });
  t.after(() => ws.dispose());
  const kustomize = await createKustomize();
  const build = (components: string[]) => buildSync({ root: ws.root, path: "apps", kustomize, overlay: { components } });
  await assert.rejects(build(["../components/remote"]), /^SlipwayError: components\/remote\/kustomization\.yaml: resources entry "https:\/\/example\.invalid\/x\.yaml" is remote/);
  await assert.rejects(build(["../../outside"]), /^SlipwayError: spec\.components entry "\.\.\/\.\.\/outside": .*leaves the repository/);
  const charted = await build(["../components/charted"]);
  assert.deepEqual(charted.objects.map((o) => o.metadata.name), ["a"]);
  assert.equal(charted.fromTreeAlone, false, "kept builds leave out a component that may fetch charts");
  assert.equal((await build([])).fromTreeAlone, true);
});
