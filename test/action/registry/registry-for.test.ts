import { test } from "node:test";
import assert from "node:assert/strict";
import { registryFor, splitImageRepository } from "../../../action/registry/registry-for.ts";

test("image repositories split into host and path", () => {
  assert.deepEqual(splitImageRepository("123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/shop/account"), {
    host: "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com",
    repository: "shop/account",
  });
  assert.deepEqual(splitImageRepository("127.0.0.1:5000/app"), { host: "127.0.0.1:5000", repository: "app" });
  assert.deepEqual(splitImageRepository("localhost/app"), { host: "localhost", repository: "app" });
  assert.deepEqual(splitImageRepository("nginx"), { host: "docker.io", repository: "library/nginx" });
  assert.deepEqual(splitImageRepository("bitnami/redis"), { host: "docker.io", repository: "bitnami/redis" });
});

test("tags, digests and bad paths are refused, naming the input", () => {
  assert.throws(() => splitImageRepository("127.0.0.1:5000/app:v1"), /^SlipwayError: input image: "127.0.0.1:5000\/app:v1" must be a repository without tag or digest/);
  assert.throws(() => splitImageRepository("nginx:1.27"), /without tag or digest/);
  assert.throws(() => splitImageRepository("ghcr.io/a/b@sha256:00"), /without tag or digest/);
  assert.throws(() => splitImageRepository("ghcr.io/Upper/b"), /input image: "ghcr.io\/Upper\/b": repository path "Upper\/b" must be lowercase/);
  assert.throws(() => splitImageRepository("ghcr.io/"), /repository path "" must be/);
});

test("ECR hosts get the ECR client with the host's region, others the OCI client", async () => {
  const ecr = registryFor("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/shop/account");
  assert.equal(ecr.registry.kind, "ecr");
  assert.equal(ecr.registry.host, "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn");
  assert.equal(ecr.repository, "shop/account");
  const oci = registryFor("ghcr.io/org/app");
  assert.equal(oci.registry.kind, "oci");
  assert.equal(oci.registry.host, "ghcr.io");
  assert.equal(oci.repository, "org/app");
});

test("a non-ECR host can be used as ECR (a local registry paired with an ECR emulator) only with a region", () => {
  const paired = registryFor("127.0.0.1:5000/shop/account", { kind: "ecr", ecrRegion: "us-east-1", ecrEndpoint: "http://127.0.0.1:5001" });
  assert.equal(paired.registry.kind, "ecr");
  assert.equal(paired.registry.host, "127.0.0.1:5000");
  assert.throws(() => registryFor("127.0.0.1:5000/shop/account", { kind: "ecr" }), /^SlipwayError: input image: "127.0.0.1:5000\/shop\/account": 127.0.0.1:5000 is not an ECR host; give the ECR region/);
  assert.equal(registryFor("123456789012.dkr.ecr.us-east-1.amazonaws.com/a", { kind: "oci" }).registry.kind, "oci");
});
