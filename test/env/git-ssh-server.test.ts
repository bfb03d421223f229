// The sshd configuration listens on loopback only, allows only keys, and is accepted by sshd -t.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { run } from "../../core/exec.ts";
import { findProgram } from "./apt.ts";
import { sshdConfig } from "./git-ssh-server.ts";

test("sshd_config: loopback, key auth only, one user; sshd -t accepts it", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "slipway-sshd-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const text = sshdConfig({ port: 2222, dir, user: "alice" });
  assert.match(text, /^ListenAddress 127\.0\.0\.1$/m);
  assert.match(text, /^PasswordAuthentication no$/m);
  assert.match(text, /^AllowUsers alice$/m);
  assert.match(text, /^Port 2222$/m);
  const sshd = findProgram("sshd");
  if (!sshd) {
    t.skip("sshd is not installed (npm run testenv -- up installs it)");
    return;
  }
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(dir, "host_ed25519_key")]);
  writeFileSync(path.join(dir, "sshd_config"), text);
  await run(sshd, ["-t", "-f", path.join(dir, "sshd_config")]);
});
