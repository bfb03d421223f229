import { test } from "node:test";
import assert from "node:assert/strict";
import { parseFluxObjects } from "../../../action/manifests/scan-manifest-tree.ts";
import { scanMarkers } from "../../../action/manifests/marker-scan.ts";

test("ImageUpdateAutomation v1alpha1 and v1 fields map to the same settings", () => {
  const v1alpha1 = `apiVersion: image.toolkit.fluxcd.io/v1alpha1
kind: ImageUpdateAutomation
metadata:
  name: old
spec:
  checkout:
    branch: eks
  update:
    path: ./clusters/eks
  commit:
    authorName: fluxbot
    authorEmail: fluxbot@example.com
    messageTemplate: "msg"
  push:
    branch: eks-updates
`;
  const v1 = `---
# a comment
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageUpdateAutomation
metadata:
  name: new
  namespace: apps
spec:
  git:
    checkout:
      ref:
        branch: main
    commit:
      author:
        name: bot
        email: bot@example.com
      messageTemplate: "{{ .Values.env }}"
      messageTemplateValues:
        env: prod
  update:
    strategy: Setters
`;
  const a = parseFluxObjects(v1alpha1, "a.yaml", "flux-system").automations[0];
  assert.deepEqual(a && { ns: a.namespace, path: a.updatePath, checkout: a.checkoutBranch, push: a.pushBranch, author: a.author, msg: a.messageTemplate, source: a.source }, {
    ns: "flux-system",
    path: "./clusters/eks",
    checkout: "eks",
    push: "eks-updates",
    author: { name: "fluxbot", email: "fluxbot@example.com" },
    msg: "msg",
    source: "a.yaml:1",
  });
  const b = parseFluxObjects(v1, "b.yaml", "flux-system").automations[0];
  assert.deepEqual(b && { ns: b.namespace, path: b.updatePath, checkout: b.checkoutBranch, push: b.pushBranch, values: b.messageTemplateValues, source: b.source }, {
    ns: "apps",
    path: ".",
    checkout: "main",
    push: undefined,
    values: { env: "prod" },
    source: "b.yaml:3",
  });
});

test("ImageRepository and ImagePolicy are read with file:line; errors name them; other kinds and bad YAML are skipped", () => {
  const text = `apiVersion: v1
kind: ConfigMap
metadata: {name: x}
---
apiVersion: image.toolkit.fluxcd.io/v1beta2
kind: ImageRepository
metadata:
  name: account
  namespace: flux-system
spec:
  image: 123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/shop/account
---
apiVersion: image.toolkit.fluxcd.io/v1beta2
kind: ImagePolicy
metadata:
  name: account
spec:
  imageRepositoryRef:
    name: account
  policy:
    semver:
      range: ">=1.0.0"
`;
  const found = parseFluxObjects(text, "clusters/eks/images.yaml", "flux-system");
  assert.deepEqual(found.repositories.map((r) => [r.name, r.image, r.source]), [["account", "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/shop/account", "clusters/eks/images.yaml:5"]]);
  assert.deepEqual(found.policies.map((p) => [p.policy.namespace, p.policy.name, p.source]), [["flux-system", "account", "clusters/eks/images.yaml:13"]]);
  assert.throws(() => parseFluxObjects("apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImageRepository\nmetadata:\n  name: r\n", "r.yaml", "ns"), /^SlipwayError: r\.yaml:1: ImageRepository\/ns\/r: spec\.image is required$/);
  assert.throws(() => parseFluxObjects("apiVersion: image.toolkit.fluxcd.io/v9\nkind: ImageUpdateAutomation\nmetadata:\n  name: r\n", "u.yaml", "ns"), /^SlipwayError: u\.yaml:1: ImageUpdateAutomation apiVersion/);
  assert.match(parseFluxObjects("apiVersion: image.toolkit.fluxcd.io/v1\nkind: [\n", "bad.yaml", "ns").warnings[0] ?? "", /^bad\.yaml: not valid YAML/);
});

test("scanMarkers finds well-formed markers with their lines and ignores others", () => {
  const text = `a: 1\nimage: r/x:1 # {"$imagepolicy": "flux-system:x"}\ntag: "1" # {"$imagepolicy": "apps:y:tag"}\n# {"$imagepolicy": "broken\nz: 2 # plain comment\n`;
  assert.deepEqual(scanMarkers(text, "f.yaml"), [
    { policy: "flux-system:x", source: "f.yaml:2" },
    { policy: "apps:y", source: "f.yaml:3" },
  ]);
});
