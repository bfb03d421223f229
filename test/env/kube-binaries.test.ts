// The pinned version is read from the wrapper module, and the build stamps it like a release.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { pinnedKubeVersion, versionLdflags } from "./kube-binaries.ts";

test("pinnedKubeVersion reads the k8s.io/kubernetes requirement", () => {
  const goMod = readFileSync(path.join(import.meta.dirname, "kube", "go.mod"), "utf8");
  assert.match(pinnedKubeVersion(goMod), /^v1\.\d+\.\d+$/);
  assert.equal(pinnedKubeVersion("require (\n\tk8s.io/kubernetes v1.33.13\n)\n"), "v1.33.13");
  assert.throws(() => pinnedKubeVersion("module x\n", "kube/go.mod"), /^SlipwayError: kube\/go.mod: no `k8s.io\/kubernetes/);
});

test("versionLdflags sets gitVersion, major and minor", () => {
  const flags = versionLdflags("v1.33.13");
  assert.match(flags, /-X k8s\.io\/component-base\/version\.gitVersion=v1\.33\.13/);
  assert.match(flags, /-X k8s\.io\/component-base\/version\.gitMajor=1 /);
  assert.match(flags, /-X k8s\.io\/component-base\/version\.gitMinor=33 /);
  assert.match(flags, /-X k8s\.io\/client-go\/pkg\/version\.gitVersion=v1\.33\.13/);
});
