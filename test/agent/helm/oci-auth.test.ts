/**
 * A chart in an OCI registry that needs credentials: the HelmRepository's `secretRef` gives them
 * (the registry's Basic challenge answered without any login written to disk), the release is
 * applied, and the password never reaches the agent's output; a wrong password fails the
 * release's own sync (its holder stays Ready) naming the HelmRepository and the registry's answer.
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

test("OCI HelmRepository with secretRef: pulled with the Secret's credentials; a wrong password fails naming the repository", async (t) => {
  const env = integration(t);
  if (!env) return;
  const tool = await openGoTool(helmTool);
  if (!tool.bin) return t.skip(tool.skip);
  const agentNs = await createNamespace(env, t, "slipway-agent");
  const ns = await createNamespace(env, t, "oci-auth");
  const ociPath = uniqueName("private");
  await pushOciChart(tool.bin, writeBulkChart(2), env.registryAuth, ociPath, { username: env.registryUser, password: env.registryPassword });
  const secret = (password: string): Promise<string> => kubectl(env, ["create", "secret", "generic", "registry", "-n", ns, `--from-literal=username=${env.registryUser}`, `--from-literal=password=${password}`, "--dry-run=client", "-o", "yaml"]).then((y) => kubectl(env, ["apply", "-f", "-"], { input: y }));
  await secret(env.registryPassword);
  const repo = await createGitRepo(env, t);
  await pushChanges(repo, "main", {
    "apps/release.yaml": `apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: { name: private, namespace: ${ns} }\nspec: { interval: 10m, type: oci, insecure: true, url: "oci://${env.registryAuth}/${ociPath}", secretRef: { name: registry } }\n---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: { name: bulk, namespace: ${ns} }\nspec:\n  interval: 10m\n  chart: { spec: { chart: bulk, version: "1.x", sourceRef: { kind: HelmRepository, name: private } } }\n`,
  }, "private chart");
  const config = writeConfig(`namespace: ${agentNs}\nsources:\n  - name: repo\n    url: ${repo.httpUrl}\n    ref: { branch: main }\nsyncs:\n  - name: apps\n    sourceRef: repo\n    path: ./apps\n    timeout: 2m\n`);
  const args = ["agent", ...agentArgs(env, config, cacheDir()), "--once"];
  const r1 = await runSlipway(args, { env: { SLIPWAY_HELM: tool.bin } });
  const s1 = await readStatus(env, agentNs, helmReleaseKey(ns, "bulk"));
  assert.equal(s1?.ready, "True", `${s1?.message ?? ""}\n${r1.stderr}`);
  assert.equal(await kubectl(env, ["get", "configmap", "bulk-1", "-n", ns, "-o", "jsonpath={.data.index}"]), "1");
  assert.ok(!(r1.stdout + r1.stderr).includes(env.registryPassword), "the password never reaches the output");

  await secret("wrong-password");
  const r2 = await runSlipway(args, { env: { SLIPWAY_HELM: tool.bin } });
  assert.equal((await readStatus(env, agentNs, "apps"))?.ready, "True", "the holder stays Ready");
  const s2 = await readStatus(env, agentNs, helmReleaseKey(ns, "bulk"));
  assert.equal(s2?.ready, "False", r2.stderr);
  assert.match(s2?.message ?? "", /apps\/release\.yaml:\d+: HelmRelease\/[a-z0-9-]+\/bulk: HelmRepository\/[a-z0-9-]+\/private: http:\/\/127\.0\.0\.1:\d+\/v2\/.*answered 401/);
  assert.ok(!(s2?.message ?? "").includes("wrong-password"));
});
