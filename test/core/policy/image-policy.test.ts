/** Reading ImagePolicy documents of every Flux API version, and what is rejected. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { IMAGE_POLICY_API_VERSIONS, parseImagePolicy } from "../../../core/policy/image-policy.ts";
import { parsePolicyFile } from "../../../core/policy/policy-file.ts";

function doc(spec: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: "image.toolkit.fluxcd.io/v1beta2",
    kind: "ImagePolicy",
    metadata: { name: "account", namespace: "flux-system" },
    spec: { imageRepositoryRef: { name: "account" }, ...spec },
    ...extra,
  };
}

describe("parseImagePolicy", () => {
  for (const apiVersion of IMAGE_POLICY_API_VERSIONS) {
    test(`accepts ${apiVersion}`, () => {
      const p = parseImagePolicy({ ...doc({ policy: { alphabetical: { order: "asc" } } }), apiVersion }, "p.yaml:1");
      assert.deepEqual(p, { namespace: "flux-system", name: "account", imageRepositoryRef: { name: "account" }, choice: { kind: "alphabetical", order: "asc" } });
    });
  }
  test("the seed's policy (v1alpha1, alphabetical asc)", () => {
    const p = parseImagePolicy({ ...doc({ policy: { alphabetical: { order: "asc" } } }), apiVersion: "image.toolkit.fluxcd.io/v1alpha1" }, "s");
    assert.equal(p.choice.kind, "alphabetical");
  });
  test("semver, numerical, filterTags and a repository in another namespace", () => {
    const p = parseImagePolicy(
      doc({ imageRepositoryRef: { name: "r", namespace: "other" }, policy: { semver: { range: ">=1.0.0" } }, filterTags: { pattern: "^v(?P<v>.*)", extract: "$v" } }),
      "p",
    );
    assert.deepEqual(p.choice, { kind: "semver", range: ">=1.0.0" });
    assert.deepEqual(p.imageRepositoryRef, { name: "r", namespace: "other" });
    assert.deepEqual(p.filterTags, { pattern: "^v(?P<v>.*)", extract: "$v" });
    assert.deepEqual(parseImagePolicy(doc({ policy: { numerical: { order: "desc" } } }), "p").choice, { kind: "numerical", order: "desc" });
  });
  test("order defaults to asc", () => {
    assert.deepEqual(parseImagePolicy(doc({ policy: { alphabetical: {} } }), "p").choice, { kind: "alphabetical", order: "asc" });
    assert.deepEqual(parseImagePolicy(doc({ policy: { numerical: {} } }), "p").choice, { kind: "numerical", order: "asc" });
  });
  test("a policy key with a null value (`numerical:` and nothing) counts as unset, as in Go", () => {
    assert.throws(() => parseImagePolicy(doc({ policy: { numerical: null } }), "p"), /exactly one of .* \(got none\)/);
  });
  test("namespace defaults to 'default', or to the caller's default", () => {
    const d = { ...doc({ policy: { alphabetical: {} } }), metadata: { name: "x" } };
    assert.equal(parseImagePolicy(d, "p").namespace, "default");
    assert.equal(parseImagePolicy(d, "p", "flux-system").namespace, "flux-system");
  });

  const bad: [string, unknown, RegExp][] = [
    ["not a mapping", "x", /must be a mapping/],
    ["another kind", { ...doc({}), kind: "ImageRepository" }, /kind must be ImagePolicy, got "ImageRepository"/],
    ["another API group", { ...doc({}), apiVersion: "image.toolkit.fluxcd.io/v2" }, /apiVersion "image\.toolkit\.fluxcd\.io\/v2" is not one of/],
    ["no name", { ...doc({}), metadata: {} }, /metadata\.name is required/],
    ["no repository", { ...doc({}), spec: { policy: { alphabetical: {} } } }, /spec\.imageRepositoryRef is required/],
    ["no policy", doc({}), /spec\.policy is required/],
    ["two policies", doc({ policy: { alphabetical: {}, numerical: {} } }), /exactly one of semver, alphabetical, numerical \(got alphabetical, numerical\)/],
    ["unknown policy", doc({ policy: { calver: {} } }), /spec\.policy\.calver is not a policy/],
    ["bad order", doc({ policy: { numerical: { order: "up" } } }), /order must be "asc" or "desc", got "up"/],
    ["no range", doc({ policy: { semver: {} } }), /spec\.policy\.semver\.range is required/],
    ["bad range", doc({ policy: { semver: { range: ">=x.y" } } }), /spec\.policy\.semver\.range ">=x\.y" is invalid/],
    ["bad pattern", doc({ policy: { alphabetical: {} }, filterTags: { pattern: "(?=a)" } }), /spec\.filterTags\.pattern "\(\?=a\)" is invalid/],
    ["pattern Go rejects, with Go's reason", doc({ policy: { alphabetical: {} }, filterTags: { pattern: "a{1001}" } }), /spec\.filterTags\.pattern "a\{1001\}" is invalid: invalid repeat count: `\{1001\}`$/],
    ["range not a string", doc({ policy: { semver: { range: 1 } } }), /range must be a string, got number/],
  ];
  for (const [why, input, want] of bad) {
    test(`rejects ${why}, naming the source`, () => {
      assert.throws(() => parseImagePolicy(input, "policies.yaml:7"), (err: Error) => err.message.startsWith("policies.yaml:7") && want.test(err.message));
    });
  }
  test("errors about a named policy name it", () => {
    assert.throws(() => parseImagePolicy(doc({}), "f:1"), /^SlipwayError: f:1: ImagePolicy\/flux-system\/account: spec\.policy is required$/);
  });
});

describe("parsePolicyFile", () => {
  const file = [
    "apiVersion: image.toolkit.fluxcd.io/v1beta2",
    "kind: ImageRepository",
    "metadata: {name: account}",
    "---",
    "apiVersion: image.toolkit.fluxcd.io/v1beta2",
    "kind: ImagePolicy",
    "metadata: {name: account}",
    "spec:",
    "  imageRepositoryRef: {name: account}",
    "  policy: {semver: {range: '>=1'}}",
    "",
  ].join("\n");
  test("reads the ImagePolicy documents and skips the others", () => {
    const policies = parsePolicyFile(file, "p.yaml", "flux-system");
    assert.equal(policies.length, 1);
    assert.equal(policies[0]?.namespace, "flux-system");
  });
  test("an invalid policy names file:line of its document", () => {
    assert.throws(() => parsePolicyFile(file.replace(">=1", ">=y"), "p.yaml"), /^SlipwayError: p\.yaml:5: ImagePolicy\/default\/account: spec\.policy\.semver\.range ">=y" is invalid/);
  });
  test("a YAML error names file:line", () => {
    assert.throws(() => parsePolicyFile("a: b\nc: [\n", "p.yaml"), (err: Error) => /^p\.yaml:\d+: not valid YAML/.test(err.message));
  });
});
