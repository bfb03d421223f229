/**
 * The agent's AWS identity path (provider aws) through the real AWS SDK credential chain:
 * EKS Pod Identity's container-credentials endpoint (a local stand-in HTTP server: no real Pod
 * Identity agent can run here) and IRSA's web-identity token file exchanged at moto's STS
 * (AssumeRoleWithWebIdentity). Credentials are fetched once and reused until five minutes
 * before they expire.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createAwsCredentials } from "../../../agent/source/source-credentials.ts";
import { integration } from "../../env/harness.ts";

const awsVars = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ENDPOINT_URL_STS"];

/** Sets the AWS variables of this test alone (the others removed), restoring them afterwards. */
function awsEnv(t: TestContext, vars: Record<string, string>): void {
  const saved = Object.fromEntries(awsVars.map((k) => [k, process.env[k]]));
  for (const k of awsVars) delete process.env[k];
  // No shared config or credentials files of this machine.
  const home = mkdtempSync(path.join(tmpdir(), "slipway-aws-home-"));
  Object.assign(process.env, { AWS_CONFIG_FILE: path.join(home, "config"), AWS_SHARED_CREDENTIALS_FILE: path.join(home, "credentials"), ...vars });
  t.after(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
}

async function listen(t: TestContext, handler: http.RequestListener): Promise<number> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => server.close());
  return (server.address() as { port: number }).port;
}

test("EKS Pod Identity: the container-credentials endpoint is asked once, again only near expiry", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "slipway-pod-identity-"));
  writeFileSync(path.join(dir, "token"), "pod-identity-token-123");
  let expiresInMs = 3_600_000;
  const seen: (string | undefined)[] = [];
  const port = await listen(t, (req, res) => {
    seen.push(req.headers.authorization);
    if (req.headers.authorization !== "pod-identity-token-123") return void res.writeHead(403).end();
    res.writeHead(200, { "content-type": "application/json" }).end(
      JSON.stringify({ AccessKeyId: `ASIAPODIDENTITY${seen.length}`, SecretAccessKey: "pod-secret", Token: "pod-session", AccountId: "123456789012", Expiration: new Date(Date.now() + expiresInMs).toISOString() }),
    );
  });
  awsEnv(t, { AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://127.0.0.1:${port}/v1/credentials`, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: path.join(dir, "token"), AWS_REGION: "us-east-1" });
  const creds = await createAwsCredentials();
  const first = await creds();
  assert.equal(first.accessKeyId, "ASIAPODIDENTITY1");
  assert.equal(first.sessionToken, "pod-session");
  for (let i = 0; i < 5; i++) assert.equal((await creds()).accessKeyId, "ASIAPODIDENTITY1");
  assert.deepEqual(seen, ["pod-identity-token-123"], "one request for six uses");

  // Credentials that expire within five minutes are fetched again when next used.
  expiresInMs = 60_000;
  const short = await createAwsCredentials();
  assert.equal((await short()).accessKeyId, "ASIAPODIDENTITY2");
  assert.equal((await short()).accessKeyId, "ASIAPODIDENTITY3");
});

test("IRSA: the web-identity token is exchanged at STS (moto) once, and the credentials reused", async (t) => {
  const env = integration(t);
  if (!env) return;
  const moto = new URL(env.ecrEndpoint);
  // A counting pass-through in front of moto's STS.
  const stsCalls: string[] = [];
  const port = await listen(t, (req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      stsCalls.push(/Action=([A-Za-z]+)/.exec(body)?.[1] ?? req.headers["x-amz-target"]?.toString() ?? "?");
      const up = http.request({ host: moto.hostname, port: moto.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on("error", () => res.writeHead(502).end());
      up.end(body);
    });
  });
  const dir = mkdtempSync(path.join(tmpdir(), "slipway-irsa-"));
  // The shape of a projected service-account token (moto does not verify its signature).
  const jwt = [{ alg: "RS256", typ: "JWT" }, { iss: "https://oidc.eks.example", sub: "system:serviceaccount:slipway-system:slipway-agent", aud: ["sts.amazonaws.com"], exp: Math.floor(Date.now() / 1000) + 3600 }]
    .map((p) => Buffer.from(JSON.stringify(p)).toString("base64url"))
    .concat("c2lnbmF0dXJl")
    .join(".");
  writeFileSync(path.join(dir, "token"), jwt);
  awsEnv(t, { AWS_WEB_IDENTITY_TOKEN_FILE: path.join(dir, "token"), AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/slipway-agent", AWS_ROLE_SESSION_NAME: "slipway", AWS_REGION: env.awsRegion, AWS_ENDPOINT_URL_STS: `http://127.0.0.1:${port}` });
  const creds = await createAwsCredentials();
  const first = await creds();
  assert.match(first.accessKeyId, /^ASIA/);
  assert.ok(first.sessionToken, "temporary credentials carry a session token");
  assert.ok(first.expiration && first.expiration.getTime() > Date.now() + 5 * 60_000);
  for (let i = 0; i < 3; i++) assert.equal((await creds()).accessKeyId, first.accessKeyId);
  assert.deepEqual(stsCalls, ["AssumeRoleWithWebIdentity"], "one STS call for four uses");
});
