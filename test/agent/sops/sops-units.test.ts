/** The pure parts of agent/sops: formats by name, detection, dotenv, and the child's environment. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { encryptedFileMac, formatForPath, hasEncrypted, parseDotenv, sopsMac } from "../../../agent/sops/decrypt-objects.ts";
import { sopsEnvironment, sopsReason } from "../../../agent/sops/sops-program.ts";
import { parseAwsKms } from "../../../agent/sops/decryption-keys.ts";

test("formats by file name, as SOPS decides them", () => {
  assert.deepEqual(["a.yaml", "b.YML", "c.json", "d.env", "e.bin", "f"].map(formatForPath), ["yaml", "yaml", "json", "dotenv", "binary", "binary"]);
});

test("detection: a sops block with a MAC, an encrypted file value, a plain Secret", () => {
  assert.equal(sopsMac({ sops: { mac: "ENC[x]" } }), "ENC[x]");
  assert.equal(sopsMac({ sops: { version: "3" } }), undefined);
  assert.equal(sopsMac({ data: {} }), undefined);
  assert.equal(encryptedFileMac("A=1\nsops_mac=ENC[m]\n"), "ENC[m]");
  assert.equal(encryptedFileMac(JSON.stringify({ data: "ENC[d]", sops: { mac: "ENC[j]" } })), "ENC[j]");
  assert.equal(encryptedFileMac("just: yaml\n"), undefined);
  const plain = { apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, data: { a: Buffer.from("x").toString("base64") } };
  assert.equal(hasEncrypted([plain]), false);
  assert.equal(hasEncrypted([{ ...plain, data: { "f.env": Buffer.from("sops_mac=ENC[m]\n").toString("base64") } }]), true);
});

test("dotenv: pairs, escaped newlines, comments and blank lines skipped", () => {
  assert.deepEqual(parseDotenv("# c\nA=1\n\nB=x=y\nC=line1\\nline2\n"), { A: "1", B: "x=y", C: "line1\nline2" });
});

test("the sops child's environment: AWS variables and age keys only, no home or key file", () => {
  const env = sopsEnvironment({ PATH: "/bin", HOME: "/root", AWS_ROLE_ARN: "arn:aws:iam::1:role/r", GITHUB_TOKEN: "t", SOPS_AGE_KEY_FILE: "/root/keys.txt" }, ["AGE-SECRET-KEY-1ABC\n"]);
  assert.deepEqual(env, { PATH: "/bin", HOME: "/nonexistent", XDG_CONFIG_HOME: "/nonexistent", GNUPGHOME: "/nonexistent", SOPS_AGE_KEY_FILE: "/nonexistent", AWS_ROLE_ARN: "arn:aws:iam::1:role/r", SOPS_AGE_KEY: "AGE-SECRET-KEY-1ABC" });
  assert.equal(sopsReason("\nError getting data key: 0 successful groups required, got 0\n"), "Error getting data key: 0 successful groups required, got 0");
});

test("static AWS credentials (sops.aws-kms): parsed as Flux reads them; only they, the region and endpoints reach sops", () => {
  const creds = parseAwsKms("aws_access_key_id: AKIDEXAMPLE\naws_secret_access_key: wJalrEXAMPLEKEY\naws_session_token: tok\n", "Secret/ns/keys");
  assert.deepEqual(creds, { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrEXAMPLEKEY", sessionToken: "tok" });
  assert.throws(() => parseAwsKms("aws_access_key_id: AKIDEXAMPLE\n", "Secret/ns/keys"), (err: Error) => /^Secret\/ns\/keys: sops\.aws-kms: needs aws_access_key_id and aws_secret_access_key/.test(err.message) && !err.message.includes("AKIDEXAMPLE"));
  assert.throws(() => parseAwsKms("aws_access_key_id: [unclosed", "Secret/ns/keys"), /sops\.aws-kms: does not parse as YAML/);
  const env = sopsEnvironment({ PATH: "/bin", AWS_ROLE_ARN: "arn:aws:iam::1:role/r", AWS_WEB_IDENTITY_TOKEN_FILE: "/var/run/token", AWS_SESSION_TOKEN: "pod", AWS_REGION: "eu-west-1", AWS_ENDPOINT_URL_KMS: "http://kms" }, [], { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrEXAMPLEKEY" });
  assert.deepEqual(env, { PATH: "/bin", HOME: "/nonexistent", XDG_CONFIG_HOME: "/nonexistent", GNUPGHOME: "/nonexistent", SOPS_AGE_KEY_FILE: "/nonexistent", AWS_REGION: "eu-west-1", AWS_ENDPOINT_URL_KMS: "http://kms", AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "wJalrEXAMPLEKEY" });
});
