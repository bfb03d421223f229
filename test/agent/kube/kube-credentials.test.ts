import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadKubeCredentials } from "../../../agent/kube/kube-credentials.ts";
import { redact } from "../../../core/redact.ts";

function kubeconfig(dir: string, user: Record<string, unknown>, cluster: Record<string, unknown> = {}): string {
  const file = path.join(dir, "config");
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      "current-context": "main",
      contexts: [{ name: "main", context: { cluster: "c", user: "u" } }, { name: "other", context: { cluster: "c", user: "nobody" } }],
      clusters: [{ name: "c", cluster: { server: "https://127.0.0.1:6443/", "certificate-authority": "ca.crt", ...cluster } }],
      users: [{ name: "u", user }],
    }),
  );
  return file;
}

test("loadKubeCredentials reads server, CA file (relative to the kubeconfig) and client cert data", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "kubeconfig-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, "ca.crt"), "CA PEM");
  const file = kubeconfig(dir, {
    "client-certificate-data": Buffer.from("CERT PEM").toString("base64"),
    "client-key-data": Buffer.from("KEY PEM").toString("base64"),
  });
  const c = await loadKubeCredentials({ kubeconfig: file });
  assert.equal(c.server, "https://127.0.0.1:6443");
  assert.equal(c.tls.ca?.toString(), "CA PEM");
  assert.equal(c.tls.cert?.toString(), "CERT PEM");
  assert.equal(c.tls.key?.toString(), "KEY PEM");
  assert.equal(c.tls.rejectUnauthorized, true);
  assert.deepEqual(await c.headers(), {});
  assert.match(c.source, /context main/);
});

test("loadKubeCredentials turns a token into a redacted bearer header and honours `as`", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "kubeconfig-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, "ca.crt"), "CA");
  const file = kubeconfig(dir, { token: "s3cr3t-token-value", as: "jane" }, { "insecure-skip-tls-verify": true });
  const c = await loadKubeCredentials({ kubeconfig: file });
  assert.deepEqual(await c.headers(), { Authorization: "Bearer s3cr3t-token-value", "Impersonate-User": "jane" });
  assert.equal(c.tls.rejectUnauthorized, false);
  assert.equal(redact("token s3cr3t-token-value"), "token ***");
});

test("loadKubeCredentials names the file and the context when they are wrong", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "kubeconfig-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = kubeconfig(dir, {});
  await assert.rejects(loadKubeCredentials({ kubeconfig: file, context: "missing" }), { message: `${file}: context "missing" not found` });
  await assert.rejects(loadKubeCredentials({ kubeconfig: file }), (err: Error) => err.message.startsWith(path.join(dir, "ca.crt")));
  await assert.rejects(loadKubeCredentials({ kubeconfig: path.join(dir, "nope") }), (err: Error) => err.message.startsWith(path.join(dir, "nope") + ": cannot read the kubeconfig"));
});

test("loadKubeCredentials runs an exec plugin (as `aws eks get-token` is run) for the bearer token", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "kubeconfig-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, "ca.crt"), "CA");
  const credential = JSON.stringify({ apiVersion: "client.authentication.k8s.io/v1", kind: "ExecCredential", status: { token: "exec-issued-token-42" } });
  const file = kubeconfig(dir, { exec: { apiVersion: "client.authentication.k8s.io/v1", command: "sh", args: ["-c", `echo '${credential}'`], interactiveMode: "Never" } });
  const c = await loadKubeCredentials({ kubeconfig: file });
  assert.equal((await c.headers()).Authorization, "Bearer exec-issued-token-42");
  assert.equal(redact("exec-issued-token-42"), "***");
});
