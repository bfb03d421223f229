// Real openssl: the CA signs serving and client certificates that openssl verifies, with the
// names Kubernetes reads (CN = user, O = group, SANs); existing files are reused.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { run } from "../../core/exec.ts";
import { createPki } from "./pki.ts";

test("CA, serving and client certificates verify; files are reused", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "slipway-pki-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pki = createPki(dir);
  const ca = await pki.ca();
  const serving = await pki.leaf("srv", { cn: "kube-apiserver", usage: "serverAuth", sans: ["IP:127.0.0.1", "DNS:localhost"] });
  const client = await pki.leaf("admin", { cn: "slipway-admin", org: "system:masters", usage: "clientAuth" });
  for (const [cert, purpose] of [
    [serving.cert, "sslserver"],
    [client.cert, "sslclient"],
  ] as const) {
    const { stdout } = await run("openssl", ["verify", "-CAfile", ca.cert, "-purpose", purpose, cert]);
    assert.match(stdout, /: OK$/m);
  }
  const text = (await run("openssl", ["x509", "-in", serving.cert, "-noout", "-text"])).stdout;
  assert.match(text, /IP Address:127\.0\.0\.1/);
  assert.match(text, /DNS:localhost/);
  const subject = (await run("openssl", ["x509", "-in", client.cert, "-noout", "-subject", "-nameopt", "RFC2253"])).stdout;
  assert.match(subject, /CN=slipway-admin,O=system:masters/);

  const before = readFileSync(client.cert, "utf8");
  await pki.leaf("admin", { cn: "other", usage: "clientAuth" });
  assert.equal(readFileSync(client.cert, "utf8"), before, "an existing certificate is kept");

  const sa = await pki.serviceAccountKeys();
  assert.match(readFileSync(sa.pub, "utf8"), /BEGIN PUBLIC KEY/);
});
