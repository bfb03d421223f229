import { test } from "node:test";
import assert from "node:assert/strict";
import { registryFor } from "../../../action/registry/registry-for.ts";

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
