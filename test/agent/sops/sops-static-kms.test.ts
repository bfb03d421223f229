/**
 * Static AWS credentials for KMS from the decryption Secret (`sops.aws-kms`, as Flux reads it),
 * against moto's KMS and the real `sops`: the agent itself has no AWS identity (no keys, instance
 * metadata off), so a Secret without the entry fails naming the file, and with it the KMS-encrypted
 * Secret is decrypted and applied; the credentials never reach the agent's output or the status.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { run } from "../../../core/exec.ts";
import { createGitRepo, createNamespace, integration, kubectl } from "../../env/harness.ts";
import { openGoTool, sopsTool } from "../../env/go-tools.ts";
import { createKmsKey, kmsEnvironment } from "../../env/moto-kms.ts";
import { pushChanges } from "../e2e/git-push.ts";
import { agentArgs, cacheDir, runSlipway, writeConfig } from "../e2e/agent-process.ts";
import { readStatus } from "../e2e/parent-status.ts";

test("SOPS with static KMS credentials from sops.aws-kms: used instead of the agent's identity, never shown", async (t) => {
  const env = integration(t);
  if (!env) return;
  const sops = await openGoTool(sopsTool);
  if (!sops.bin) return t.skip(sops.skip);
  const agentNs = await createNamespace(env, t, "slipway-agent");
  const appNs = await createNamespace(env, t, "sops-kms");
  const kmsArn = await createKmsKey(env, "slipway static credentials test");
  const kmsEnv = kmsEnvironment(env);
  const token = "static-kms-token-5be1";
  const encrypted = (await run(sops.bin, ["encrypt", "--kms", kmsArn, "--encrypted-regex", "^(data|stringData)$", "--input-type", "yaml", "--output-type", "yaml", "--filename-override", "in.yaml"], { input: `apiVersion: v1\nkind: Secret\nmetadata:\n  name: kms-secret\n  namespace: ${appNs}\nstringData:\n  token: ${token}\n`, cwd: "/", env: { PATH: process.env.PATH ?? "", HOME: "/nonexistent", ...kmsEnv } })).stdout;
  const secretKey = `${env.awsSecretAccessKey}-static`;
  const keys = async (withCredentials: boolean): Promise<void> => {
    const literal = withCredentials ? [`--from-literal=sops.aws-kms=aws_access_key_id: ${env.awsAccessKeyId}\naws_secret_access_key: ${secretKey}\n`] : ["--from-literal=unused=x"];
    const yaml = await kubectl(env, ["create", "secret", "generic", "sops-keys", "-n", agentNs, ...literal, "--dry-run=client", "-o", "yaml"]);
    await kubectl(env, ["apply", "-f", "-"], { input: yaml });
  };
  const repo = await createGitRepo(env, t);
  await pushChanges(repo, "main", {
    "clusters/secrets.yaml": `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: secrets\n  namespace: ${agentNs}\nspec:\n  interval: 10m\n  path: ./secrets\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: repo\n  decryption:\n    provider: sops\n    secretRef:\n      name: sops-keys\n`,
    "secrets/kms-secret.yaml": encrypted,
  }, "KMS-encrypted secret");
  const config = writeConfig(`namespace: ${agentNs}\nsources:\n  - name: repo\n    url: ${repo.httpUrl}\n    ref: { branch: main }\nsyncs:\n  - name: root\n    sourceRef: repo\n    path: ./clusters\n    timeout: 2m\n`);
  const args = ["agent", ...agentArgs(env, config, cacheDir()), "--once"];
  // The agent's own AWS identity: none.
  const agentEnv = { SLIPWAY_SOPS: sops.bin, AWS_ENDPOINT_URL_KMS: kmsEnv.AWS_ENDPOINT_URL_KMS, AWS_REGION: env.awsRegion, AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "", AWS_SESSION_TOKEN: "", AWS_PROFILE: "", AWS_EC2_METADATA_DISABLED: "true" };

  await keys(false);
  const r0 = await runSlipway(args, { env: agentEnv });
  const s0 = await readStatus(env, agentNs, "secrets");
  assert.equal(s0?.ready, "False", r0.stderr);
  assert.match(s0?.message ?? "", /secrets\/kms-secret\.yaml: Secret\/[a-z0-9-]+\/kms-secret: cannot decrypt with SOPS/);
  assert.equal(await kubectl(env, ["get", "secret", "kms-secret", "-n", appNs, "--ignore-not-found", "-o", "name"]), "");

  await keys(true);
  const r1 = await runSlipway(args, { env: agentEnv });
  const s1 = await readStatus(env, agentNs, "secrets");
  assert.equal(s1?.ready, "True", `${s1?.message ?? ""}\n${r1.stderr}`);
  assert.equal(Buffer.from(await kubectl(env, ["get", "secret", "kms-secret", "-n", appNs, "-o", "jsonpath={.data.token}"]), "base64").toString("utf8"), token);
  const shown = r0.stdout + r0.stderr + r1.stdout + r1.stderr + JSON.stringify([s0, s1]);
  assert.ok(!shown.includes(secretKey), "the secret access key never reaches the output or the status");
  assert.ok(!shown.includes(token));
});
