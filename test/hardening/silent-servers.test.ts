// Every network call of the CI step has a timeout: against a server that accepts connections and
// never answers, git, the OCI and ECR registry clients, the GitHub API and the webhook each fail
// with a message within their limit; against a server that answers 500 with the credentials in
// its body, no form of them reaches the error.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createGitClient } from "../../core/git/git-client.ts";
import { clearSecrets, registerSecret } from "../../core/redact.ts";
import { createOciRegistry } from "../../action/registry/oci-registry.ts";
import { createEcrRegistry } from "../../action/registry/ecr-registry.ts";
import { createGithubPullRequests } from "../../action/pull-request/github.ts";
import { pokeWebhook } from "../../action/webhook.ts";
import { startServer, startSilentServer } from "./misbehaving-servers.ts";
import { leaks } from "./secret-forms.ts";

/** Runs `call`, expecting a rejection; returns its message and how long it took. */
async function timed(call: () => Promise<unknown>): Promise<{ message: string; ms: number }> {
  const t0 = Date.now();
  const err = await call().then(
    () => assert.fail("the call succeeded"),
    (e: unknown) => e as Error,
  );
  return { message: `${err.message} ${String((err.cause as Error | undefined)?.message ?? "")}`, ms: Date.now() - t0 };
}

test("silent servers: every client gives up within its timeout, with a message", async (t) => {
  const silent = await startSilentServer();
  t.after(() => silent.close());
  const req = { head: "slipway/app", base: "main", title: "t", body: "b" };

  const git = await createGitClient({ timeoutMs: 500 });
  t.after(() => git.close());
  const g = await timed(() => git.lsRemote(`${silent.url}/repo.git`, ["main"]));
  assert.match(g.message, /timed out after 0.5s/);

  const oci = createOciRegistry({ host: `127.0.0.1:${silent.port}`, insecure: true, timeoutMs: 300, attempts: 1 });
  const o = await timed(() => oci.listTags("shop/account"));
  const gh = await timed(() => createGithubPullRequests({ owner: "o", repo: "r", token: "ghp_silentToken123", apiUrl: silent.url, timeoutMs: 300 }).open(req));
  assert.match(gh.message, /^input github-api-url: http:\/\/127\.0\.0\.1:\d+ did not answer within 0\.3s/);
  const w = await timed(() => pokeWebhook({ url: `${silent.url}/hook/x`, branch: "main", commit: "abc", timeoutMs: 300 }));
  assert.match(w.message, /^input webhook-url: cannot reach/);
  const ecr = createEcrRegistry({
    registryHost: "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
    endpoint: silent.url,
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secretExampleKey1234" },
    maxAttempts: 1,
    requestTimeoutMs: 300,
  });
  const e = await timed(() => ecr.listTags("shop/account"));
  for (const [name, r] of Object.entries({ git: g, oci: o, github: gh, webhook: w, ecr: e })) assert.ok(r.ms < 5000, `${name} gave up after ${r.ms} ms: ${r.message}`);
});

test("a server answering 500 with the token in its body: the error holds no form of it", async (t) => {
  t.after(clearSecrets);
  const token = "ghp_echoedInBody0123456789";
  registerSecret(token);
  const echo = await startServer((r, res) => {
    res.writeHead(500, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ message: `bad credentials: ${r.authorization ?? ""} / ${Buffer.from(`x-access-token:${token}`).toString("base64")}` }));
  });
  t.after(() => echo.close());
  const gh = await timed(() => createGithubPullRequests({ owner: "o", repo: "r", token, apiUrl: echo.url }).open({ head: "h", base: "main", title: "t", body: "b" }));
  assert.ok(echo.seen.length > 0);
  assert.deepEqual(leaks(gh.message, token), [], gh.message);
});

test("the webhook does not follow a redirect: the token never reaches the other origin", async (t) => {
  const other = await startServer((_r, res) => {
    res.writeHead(202);
    res.end();
  });
  t.after(() => other.close());
  const first = await startServer((r, res) => {
    res.writeHead(307, { Location: `${other.url}${r.url}` });
    res.end();
  });
  t.after(() => first.close());
  const w = await timed(() => pokeWebhook({ url: `${first.url}/hook/manifests`, secret: "hookTok3n-redirected", branch: "main", commit: "abc" }));
  assert.match(w.message, /^input webhook-url: http:\/\/127\.0\.0\.1:\d+\/hook\/manifests answered 307 \(a redirect, not followed/);
  assert.match(String(first.seen[0]?.headers["x-slipway-signature"]), /^sha256=[0-9a-f]{64}$/, "the call is signed; the secret itself is never sent");
  assert.ok(!JSON.stringify(first.seen).includes("hookTok3n-redirected"));
  assert.deepEqual(other.seen, [], "nothing reached the other origin");
});
