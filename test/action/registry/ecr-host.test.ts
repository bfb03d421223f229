import { test } from "node:test";
import assert from "node:assert/strict";
import { parseEcrHost } from "../../../action/registry/ecr-host.ts";

test("region and account come from commercial, FIPS, China, dual-stack and isolated hosts", () => {
  const cases: [string, string, string, boolean, boolean][] = [
    ["123456789012.dkr.ecr.ap-northeast-2.amazonaws.com", "123456789012", "ap-northeast-2", false, false],
    ["123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com", "123456789012", "us-gov-west-1", true, false],
    ["123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn", "123456789012", "cn-north-1", false, false],
    ["123456789012.dkr.ecr.cn-northwest-1.amazonaws.com.cn:443", "123456789012", "cn-northwest-1", false, false],
    ["123456789012.dkr-ecr.eu-west-1.on.aws", "123456789012", "eu-west-1", false, true],
    ["123456789012.dkr-ecr-fips.us-east-1.on.aws", "123456789012", "us-east-1", true, true],
    ["123456789012.dkr.ecr.eusc-de-east-1.amazonaws.eu", "123456789012", "eusc-de-east-1", false, false],
    ["123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov", "123456789012", "us-iso-east-1", false, false],
    ["123456789012.DKR.ECR.EU-CENTRAL-1.AMAZONAWS.COM", "123456789012", "eu-central-1", false, false],
  ];
  for (const [host, accountId, region, fips, dualStack] of cases) {
    assert.deepEqual(parseEcrHost(host), { accountId, region, fips, dualStack }, host);
  }
});

test("other hosts are not ECR", () => {
  for (const host of [
    "127.0.0.1:5000",
    "ghcr.io",
    "docker.io",
    "public.ecr.aws",
    "12345.dkr.ecr.us-east-1.amazonaws.com", // account is 12 digits
    "123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.example",
    "123456789012.dkr.ecr.us-east-1.example.com",
    "x123456789012.dkr.ecr.us-east-1.amazonaws.com",
  ]) {
    assert.equal(parseEcrHost(host), undefined, host);
  }
});
