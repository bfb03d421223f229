// Which image each policy gets after a push (pure: the registry's tags are handed in).
import { test } from "node:test";
import assert from "node:assert/strict";
import { resolveImages } from "../../../action/update/resolve-images.ts";
import { parseImageRepository } from "../../../action/manifests/image-repository.ts";
import { parseImagePolicy } from "../../../core/policy/image-policy.ts";

const image = "170247361816.dkr.ecr.ap-northeast-2.amazonaws.com/shop/account";
const repo = (spec: Record<string, unknown> = {}) =>
  parseImageRepository({ apiVersion: "image.toolkit.fluxcd.io/v1beta2", kind: "ImageRepository", metadata: { name: "account", namespace: "flux-system" }, spec: { image, ...spec } }, "shop-registry.yml:1", "flux-system");
const policy = parseImagePolicy(
  { apiVersion: "image.toolkit.fluxcd.io/v1beta2", kind: "ImagePolicy", metadata: { name: "account", namespace: "flux-system" }, spec: { imageRepositoryRef: { name: "account" }, policy: { alphabetical: { order: "asc" } } } },
  "shop-policy.yml:1",
);
const tags = ["20210608052721", "20210601000000", "sha256-3b5c0f1e.sig"];

async function resolve(repository: ReturnType<typeof repo>, pushedTag: string, all: string[]) {
  return resolveImages({
    pushed: { image, tag: pushedTag },
    objects: { repositories: [repository], policies: [{ policy, source: "shop-policy.yml:1" }], automations: [], warnings: [] },
    markers: [{ policy: "flux-system:account", source: "shop-deployment.yml:20" }],
    listTags: async () => all,
    timestampTags: true,
  });
}

test("cosign signature tags are excluded by default, as Flux's ImageRepository exclusionList does ('s' > '2')", async () => {
  assert.deepEqual(repo().exclusionList, ["^.*\\.sig$"]);
  const r = await resolve(repo(), "20210608052721", tags);
  assert.deepEqual(r.images.get("flux-system:account"), { name: image, tag: "20210608052721" });
  assert.equal(r.decisions[0]?.by, "ImagePolicy/flux-system/account");
});

test("a custom exclusionList replaces the default", async () => {
  const r = await resolve(repo({ exclusionList: ["^latest$"] }), "20210608052721", [...tags, "latest"]);
  // The .sig tag is no longer excluded and wins the alphabetical policy; latest is excluded.
  assert.equal(r.images.get("flux-system:account")?.tag, "sha256-3b5c0f1e.sig");
});

test("an old pipeline re-run never rolls back: the policy still picks the newest tag", async () => {
  const r = await resolve(repo(), "20210601000000", tags);
  assert.equal(r.images.get("flux-system:account")?.tag, "20210608052721");
});

test("a malformed exclusionList is an error naming the object", () => {
  assert.throws(() => repo({ exclusionList: "^.*\\.sig$" }), /^SlipwayError: shop-registry\.yml:1: ImageRepository\/flux-system\/account: spec\.exclusionList must be a list of strings/);
});
