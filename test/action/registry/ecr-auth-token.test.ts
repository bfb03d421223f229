import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeAuthorizationToken, tokenStillFresh } from "../../../action/registry/ecr-auth-token.ts";

test("a token decodes to AWS and the password, colons in the password kept", () => {
  const token = Buffer.from("AWS:eyJwYXlsb2FkIjoi:more").toString("base64");
  assert.deepEqual(decodeAuthorizationToken(token, "ECR registry x"), { username: "AWS", password: "eyJwYXlsb2FkIjoi:more" });
});

test("a malformed token is an error naming the registry, without the token", () => {
  const token = Buffer.from("no-colon-here").toString("base64");
  assert.throws(
    () => decodeAuthorizationToken(token, "ECR registry 1.dkr"),
    (err: Error) => err.message.startsWith("ECR registry 1.dkr: GetAuthorizationToken returned a token") && !err.message.includes("no-colon-here"),
  );
  assert.throws(() => decodeAuthorizationToken(Buffer.from("AWS:").toString("base64"), "s"), /not base64/);
});

test("tokens are reused until 80 % of their lifetime", () => {
  const issued = new Date("2026-01-01T00:00:00Z");
  const expires = new Date("2026-01-01T12:00:00Z");
  const at = (h: number): Date => new Date(issued.getTime() + h * 3600_000);
  assert.equal(tokenStillFresh(issued, expires, at(0)), true);
  assert.equal(tokenStillFresh(issued, expires, at(9.59)), true);
  assert.equal(tokenStillFresh(issued, expires, at(9.6)), false);
  assert.equal(tokenStillFresh(issued, expires, at(13)), false);
  assert.equal(tokenStillFresh(issued, undefined, at(0)), false);
  // An expiry in the past (a clock skew, or an emulator's fixed date) means no reuse.
  assert.equal(tokenStillFresh(issued, new Date("2015-01-01T00:00:00Z"), at(0)), false);
});
