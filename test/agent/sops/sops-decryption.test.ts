/**
 * SOPS decryption end to end: files encrypted by the real `sops` (age keys and a KMS key in moto)
 * are committed; a Kustomization with `decryption: {provider: sops, secretRef}` is run by the
 * agent (`--once`) against the real control plane. A whole YAML document (age), a whole JSON
 * document (KMS), a dotenv file (secretGenerator `envs:`) and a binary file (`files:`) arrive
 * decrypted; no plain value reaches the agent's output or the sync's status. Then a tampered
 * file, and a key Secret with the wrong age key, each fail that sync naming the file, and
 * nothing of that revision is applied.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { run } from "../../../core/exec.ts";
import { createGitRepo, createNamespace, integration, kubectl } from "../../env/harness.ts";
import { ageKeygenTool, openGoTool, sopsTool, ensureGoTool } from "../../env/go-tools.ts";
import { createKmsKey, kmsEnvironment } from "../../env/moto-kms.ts";
import { pushChanges } from "../e2e/git-push.ts";
import { agentArgs, cacheDir, runSlipway, writeConfig } from "../e2e/agent-process.ts";
import { readStatus } from "../e2e/parent-status.ts";

async function ageKeyPair(keygen: string): Promise<{ secret: string; recipient: string }> {
  const out = (await run(keygen, [])).stdout;
  const secret = /^AGE-SECRET-KEY-\S+$/m.exec(out)?.[0];
  const recipient = /public key: (age1\S+)/.exec(out)?.[1];
  assert.ok(secret && recipient, "age-keygen printed a key pair");
  return { secret, recipient };
}

test("SOPS: age and KMS, YAML, JSON, dotenv and binary are decrypted and applied; a tampered file and a wrong key fail naming the file", async (t) => {
  const env = integration(t);
  if (!env) return;
  const sops = await openGoTool(sopsTool);
  if (!sops.bin) return t.skip(sops.skip);
  const keygen = await ensureGoTool(ageKeygenTool);
  const agentNs = await createNamespace(env, t, "slipway-agent");
  const appNs = await createNamespace(env, t, "sops");
  const good = await ageKeyPair(keygen);
  const other = await ageKeyPair(keygen);
  const kmsArn = await createKmsKey(env, "slipway sops test");
  const kmsEnv = kmsEnvironment(env);
  const encrypt = async (plain: string | Buffer, format: string, keyArgs: string[], extra: string[] = []): Promise<string> =>
    (await run(sops.bin, ["encrypt", ...keyArgs, ...extra, "--input-type", format, "--output-type", format, "--filename-override", `in.${format}`], { input: plain, cwd: "/", env: { PATH: process.env.PATH ?? "", HOME: "/nonexistent", ...kmsEnv } })).stdout;
  const age = ["--age", good.recipient];
  const onlyData = ["--encrypted-regex", "^(data|stringData)$"];

  const plainPassword = "s3cr3t-age-password-7f2c";
  const plainToken = "kms-token-91d0e4b5";
  const plainEnv = "DB_USER=shop\nDB_PASSWORD=dotenv-pass-3a8e\n";
  const plainBlob = Buffer.from([0, 1, 2, 250, 251, 252, 10, 13, 0]);
  const ageYaml = await encrypt(`apiVersion: v1\nkind: Secret\nmetadata:\n  name: age-secret\n  namespace: ${appNs}\ntype: Opaque\nstringData:\n  password: ${plainPassword}\n`, "yaml", age, onlyData);
  const kmsJson = await encrypt(JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "kms-secret", namespace: appNs }, stringData: { token: plainToken } }, null, 2), "json", ["--kms", kmsArn], onlyData);
  const dotenv = await encrypt(plainEnv, "dotenv", age);
  const blob = await encrypt(plainBlob, "binary", age);
  assert.doesNotMatch(ageYaml + kmsJson + dotenv, /s3cr3t|kms-token|dotenv-pass/, "the committed files are encrypted");
  const secretsKustomization = `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: ${appNs}\nresources:\n  - age-secret.yaml\n  - kms-secret.json\n  - marker.yaml\ngeneratorOptions:\n  disableNameSuffixHash: true\nsecretGenerator:\n  - name: dotenv-secret\n    envs: [app.env]\n  - name: blob-secret\n    files: [blob.bin]\n`;
  const marker = (v: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: marker\ndata:\n  revision: "${v}"\n`;

  await kubectl(env, ["create", "secret", "generic", "sops-keys", "-n", agentNs, `--from-literal=identity.agekey=${good.secret}`]);
  const repo = await createGitRepo(env, t);
  await pushChanges(repo, "main", {
    "clusters/secrets.yaml": `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: secrets\n  namespace: ${agentNs}\nspec:\n  interval: 10m\n  path: ./secrets\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: repo\n  decryption:\n    provider: sops\n    secretRef:\n      name: sops-keys\n`,
    "secrets/kustomization.yaml": secretsKustomization,
    "secrets/age-secret.yaml": ageYaml,
    "secrets/kms-secret.json": kmsJson,
    "secrets/app.env": dotenv,
    "secrets/blob.bin": blob,
    "secrets/marker.yaml": marker("1"),
  }, "encrypted secrets");
  const config = writeConfig(`namespace: ${agentNs}\nsources:\n  - name: repo\n    url: ${repo.httpUrl}\n    ref: { branch: main }\nsyncs:\n  - name: root\n    sourceRef: repo\n    path: ./clusters\n    timeout: 2m\n`);
  const args = ["agent", ...agentArgs(env, config, cacheDir()), "--once"];
  const agentEnv = { SLIPWAY_SOPS: sops.bin, ...kmsEnv };

  const r1 = await runSlipway(args, { env: agentEnv });
  const s1 = await readStatus(env, agentNs, "secrets");
  assert.equal(s1?.ready, "True", `${s1?.message ?? ""}\n${r1.stderr}`);
  const data = async (name: string): Promise<Record<string, string>> => {
    const d = JSON.parse(await kubectl(env, ["get", "secret", name, "-n", appNs, "-o", "jsonpath={.data}"])) as Record<string, string>;
    return Object.fromEntries(Object.entries(d).map(([k, v]) => [k, Buffer.from(v, "base64").toString("latin1")]));
  };
  assert.deepEqual(await data("age-secret"), { password: plainPassword });
  assert.deepEqual(await data("kms-secret"), { token: plainToken });
  assert.deepEqual(await data("dotenv-secret"), { DB_USER: "shop", DB_PASSWORD: "dotenv-pass-3a8e" });
  assert.deepEqual(await data("blob-secret"), { "blob.bin": plainBlob.toString("latin1") });
  const output = r1.stdout + r1.stderr + JSON.stringify(s1);
  for (const plain of [plainPassword, plainToken, "dotenv-pass-3a8e", good.secret]) assert.ok(!output.includes(plain), "no plain value in the agent's output or the status");

  // A tampered file: a value left in the clear (but covered by the MAC) changed; the MAC check fails it.
  const tampered = ageYaml.replace("type: Opaque", "type: Other");
  assert.notEqual(tampered, ageYaml);
  await pushChanges(repo, "main", { "secrets/age-secret.yaml": tampered, "secrets/marker.yaml": marker("2") }, "tampered");
  await runSlipway(args, { env: agentEnv });
  const s2 = await readStatus(env, agentNs, "secrets");
  assert.equal(s2?.ready, "False");
  assert.equal(s2?.reason, "BuildFailed");
  assert.match(s2?.message ?? "", /secrets\/age-secret\.yaml: Secret\/[a-z0-9-]+\/age-secret: cannot decrypt with SOPS: .*MAC mismatch/);
  assert.equal(await kubectl(env, ["get", "configmap", "marker", "-n", appNs, "-o", "jsonpath={.data.revision}"]), "1", "nothing of the failing revision was applied");

  // The right files, the wrong key.
  await pushChanges(repo, "main", { "secrets/age-secret.yaml": ageYaml, "secrets/marker.yaml": marker("3") }, "untampered");
  await kubectl(env, ["create", "secret", "generic", "sops-keys", "-n", agentNs, `--from-literal=identity.agekey=${other.secret}`, "--dry-run=client", "-o", "yaml"]).then((y) => kubectl(env, ["apply", "-f", "-"], { input: y }));
  const r3 = await runSlipway(args, { env: agentEnv });
  const s3 = await readStatus(env, agentNs, "secrets");
  assert.equal(s3?.ready, "False");
  assert.match(s3?.message ?? "", /secrets\/(age-secret\.yaml|app\.env|blob\.bin): .*cannot decrypt with SOPS/);
  assert.match(s3?.message ?? "", /nothing was applied/);
  assert.equal(await kubectl(env, ["get", "configmap", "marker", "-n", appNs, "-o", "jsonpath={.data.revision}"]), "1");
  assert.ok(!(r3.stdout + r3.stderr).includes(other.secret), "the key never reaches the output");
});
