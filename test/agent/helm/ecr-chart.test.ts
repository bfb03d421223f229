/**
 * An ECR-hosted chart: a HelmRepository `type: oci` with `provider: aws` gets its credentials
 * from ECR's GetAuthorizationToken with the agent's AWS identity. moto stands in for ECR's token
 * endpoint (reached through `AWS_ENDPOINT_URL_ECR`) and the test environment's OCI registry for
 * ECR's OCI storage. The release is applied; with the token endpoint unreachable the release
 * fails alone, naming the registry and the call, and the token never reaches the output.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createGitRepo, createNamespace, integration, kubectl, uniqueName } from "../../env/harness.ts";
import { helmTool, openGoTool } from "../../env/go-tools.ts";
import { pushChanges } from "../e2e/git-push.ts";
import { agentArgs, cacheDir, runSlipway, writeConfig } from "../e2e/agent-process.ts";
import { readStatus } from "../e2e/parent-status.ts";
import { pushOciChart, writeBulkChart } from "./chart-fixture.ts";
import { helmReleaseKey } from "../../../agent/helm/release-sync.ts";

test("HelmRepository provider aws: the ECR token from GetAuthorizationToken (moto), the chart from the OCI registry", async (t) => {
  const env = integration(t);
  if (!env) return;
  const tool = await openGoTool(helmTool);
  if (!tool.bin) return t.skip(tool.skip);
  const agentNs = await createNamespace(env, t, "slipway-agent");
  const ns = await createNamespace(env, t, "ecr-chart");
  const ociPath = uniqueName("ecr");
  await pushOciChart(tool.bin, writeBulkChart(2), env.registry, ociPath);
  const repo = await createGitRepo(env, t);
  await pushChanges(repo, "main", {
    "apps/release.yaml": `apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: { name: ecr, namespace: ${ns} }\nspec: { interval: 10m, type: oci, provider: aws, insecure: true, url: "oci://${env.registry}/${ociPath}" }\n---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: { name: bulk, namespace: ${ns} }\nspec:\n  interval: 10m\n  chart: { spec: { chart: bulk, version: "1.x", sourceRef: { kind: HelmRepository, name: ecr } } }\n`,
  }, "ECR chart");
  const config = writeConfig(`namespace: ${agentNs}\nsources:\n  - name: repo\n    url: ${repo.httpUrl}\n    ref: { branch: main }\nsyncs:\n  - name: apps\n    sourceRef: repo\n    path: ./apps\n    timeout: 2m\n`);
  const args = ["agent", ...agentArgs(env, config, cacheDir()), "--once"];
  const aws = { AWS_REGION: env.awsRegion, AWS_ACCESS_KEY_ID: env.awsAccessKeyId, AWS_SECRET_ACCESS_KEY: env.awsSecretAccessKey, AWS_EC2_METADATA_DISABLED: "true" };

  // The token endpoint unreachable: the release fails alone, naming the registry.
  const r0 = await runSlipway(args, { env: { SLIPWAY_HELM: tool.bin, ...aws, AWS_ENDPOINT_URL_ECR: "http://127.0.0.1:9", AWS_MAX_ATTEMPTS: "1" } });
  assert.equal((await readStatus(env, agentNs, "apps"))?.ready, "True", r0.stderr);
  const s0 = await readStatus(env, agentNs, helmReleaseKey(ns, "bulk"));
  assert.equal(s0?.ready, "False", r0.stderr);
  assert.match(s0?.message ?? "", new RegExp(`apps/release\\.yaml:\\d+: HelmRelease/${ns}/bulk: registry ${env.registry.replace(/\./g, "\\.")}: ECR GetAuthorizationToken failed`));

  // moto's token endpoint: the chart is pulled and the release applied.
  const r1 = await runSlipway(args, { env: { SLIPWAY_HELM: tool.bin, ...aws, AWS_ENDPOINT_URL_ECR: env.ecrEndpoint } });
  const s1 = await readStatus(env, agentNs, helmReleaseKey(ns, "bulk"));
  assert.equal(s1?.ready, "True", `${s1?.message ?? ""}\n${r1.stderr}`);
  assert.equal(await kubectl(env, ["get", "configmap", "bulk-1", "-n", ns, "-o", "jsonpath={.data.index}"]), "1");
  assert.doesNotMatch(r1.stdout + r1.stderr, /auth-token|QVdTOi/, "the ECR token never reaches the output");
});
