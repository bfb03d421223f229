import { test } from "node:test";
import assert from "node:assert/strict";
import { clearSecrets, redact, registerSecret } from "../../core/redact.ts";
import { createLogger } from "../../core/log.ts";
import { SlipwayError, errorMessage } from "../../core/errors.ts";
import { base64Leaks, formsOf } from "./secret-forms.ts";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createDirSecretReader } from "../../agent/source/source-credentials.ts";

test("base64(user:password) and base64(x-access-token:token) are redacted whole, at any username", (t) => {
  t.after(clearSecrets);
  clearSecrets();
  const token = "ghp_Tok3nWithEnoughLength42";
  registerSecret(token);
  for (const user of ["x-access-token", "a", "ab", "abc", "deploy-bot", "x"]) {
    const basic = Buffer.from(`${user}:${token}`).toString("base64");
    const line = redact(`fatal: unable to access: server said: Authorization: Basic ${basic} (rejected)`);
    assert.ok(!base64Leaks(line, token), `${user}: ${line}`);
    assert.match(line, /Authorization: Basic \*\*\* \(rejected\)/);
  }
  // Inside a longer base64 run (a docker config.json auths entry, base64 again).
  const nested = Buffer.from(JSON.stringify({ auths: { r: { auth: Buffer.from(`AWS:${token}`).toString("base64") } } })).toString("base64");
  assert.ok(!base64Leaks(redact(nested), token));
  assert.ok(!base64Leaks(redact(`prefix${nested}`), token), "misaligned start");
});

test("URL-encoded, form-encoded and JSON-escaped forms are redacted", (t) => {
  t.after(clearSecrets);
  clearSecrets();
  const pw = 'p@ss "w\\rd/ 9+x';
  registerSecret(pw);
  for (const f of [...formsOf(pw), encodeURIComponent(pw).replace(/%20/g, "+")]) {
    const out = redact(`value=${f};`);
    assert.equal(out, "value=***;", f);
  }
});

test("the JSON logger redacts before encoding: a password with quotes and backslashes never appears escaped", (t) => {
  t.after(clearSecrets);
  clearSecrets();
  const pw = 'He said "hi"\\and left';
  registerSecret(pw);
  const lines: string[] = [];
  const log = createLogger({ format: "json", write: (l) => lines.push(l) });
  log.error(`login failed with ${pw}`, { detail: `body: {"password":${JSON.stringify(pw)}}` });
  const text = lines.join("\n");
  for (const f of formsOf(pw)) assert.ok(!text.includes(f), `${f} in ${text}`);
  const parsed = JSON.parse(lines[0] ?? "{}") as { msg: string; detail: string };
  assert.equal(parsed.msg, "login failed with ***");
});

test("every error message is redacted when it is made, and errorMessage redacts causes", (t) => {
  t.after(clearSecrets);
  clearSecrets();
  const token = "s3cr3t-t0ken-value";
  registerSecret(token);
  const e = new SlipwayError(`https://u:${token}@git.example/x`, `server said ${Buffer.from(`x-access-token:${token}`).toString("base64")}`);
  assert.ok(!e.message.includes(token) && !base64Leaks(e.message, token), e.message);
  assert.ok(!e.subject.includes(token));
  const wrapped = new Error("outer", { cause: new Error(`inner ${encodeURIComponent(token)}`) });
  assert.equal(errorMessage(wrapped), "outer: inner ***");
});

test("each long line of a private key is a secret of its own", (t) => {
  t.after(clearSecrets);
  clearSecrets();
  const key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nQyNTUxOQAAACDk3mJm1yR0u2f1mJjKq9y0E0oM\n-----END OPENSSH PRIVATE KEY-----\n";
  registerSecret(key);
  const out = redact("Load key: invalid format near QyNTUxOQAAACDk3mJm1yR0u2f1mJjKq9y0E0oM");
  assert.ok(!out.includes("QyNTUxOQAAACDk3mJm1yR0u2f1mJjKq9y0E0oM"), out);
});

test("a git Secret's username and known_hosts are not secrets: names that contain them stay readable", async (t) => {
  t.after(clearSecrets);
  clearSecrets();
  const dir = await mkdtemp(path.join(tmpdir(), "slipway-secret-dir-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(path.join(dir, "git-auth"));
  await writeFile(path.join(dir, "git-auth/username"), "slipway");
  await writeFile(path.join(dir, "git-auth/password"), "pa55-w0rd-value");
  await writeFile(path.join(dir, "git-auth/known_hosts"), "git.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPublicHostKey");
  await createDirSecretReader(dir).read({ name: "git-auth", namespace: "slipway-system" });
  assert.equal(redact("Secret/slipway-system/absent: not found; pa55-w0rd-value"), "Secret/slipway-system/absent: not found; ***");
  assert.equal(redact("host key AAAAC3NzaC1lZDI1NTE5AAAAIPublicHostKey"), "host key AAAAC3NzaC1lZDI1NTE5AAAAIPublicHostKey");
});
