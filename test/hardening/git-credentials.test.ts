// Git credentials against misbehaving servers: a server that echoes them back, one that
// redirects to another origin, and the askpass helper asked about another host.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createGitClient } from "../../core/git/git-client.ts";
import { createGitSource } from "../../agent/source/git-source.ts";
import { gitOrigin, prepareGitAuth } from "../../core/git/git-auth.ts";
import { run } from "../../core/exec.ts";
import { createLogger } from "../../core/log.ts";
import { clearSecrets } from "../../core/redact.ts";
import { echoCredentials, redirectTo, startServer } from "./misbehaving-servers.ts";
import { leaks } from "./secret-forms.ts";

const token = "tok-Hardening-5ecret-value-0123";

for (const username of ["x-access-token", "ci-bot"]) {
test(`a server that echoes the Authorization header (user ${username}): git's error and the log hold no form of the token`, async (t) => {
  t.after(clearSecrets);
  const server = await startServer(echoCredentials);
  t.after(() => server.close());
  const lines: string[] = [];
  const git = await createGitClient({ auth: { kind: "basic", username, password: token }, log: createLogger({ level: "debug", write: (l) => lines.push(l) }) });
  t.after(() => git.close());
  const err = await git.lsRemote(`${server.url}/repo.git`, ["main"], AbortSignal.timeout(30_000)).then(
    () => assert.fail("ls-remote succeeded"),
    (e: unknown) => e as Error,
  );
  assert.ok(server.seen.some((r) => r.authorization?.startsWith("Basic ")), "the server was sent the credentials (it is their origin)");
  assert.ok(server.seen[0]?.authorization?.startsWith("Basic "), "with the first request: no 401 round trip, no askpass");
  const text = `${err.message}\n${String((err.cause as Error | undefined)?.message)}\n${lines.join("\n")}`;
  assert.match(text, /you sent Authorization: Basic \*\*\*/, "git showed the server's body, redacted whole");
  assert.deepEqual(leaks(text, token), [], text);
});
}

test("a redirect to another origin: git does not follow it and the other origin never sees the token", async (t) => {
  t.after(clearSecrets);
  const other = await startServer(echoCredentials);
  t.after(() => other.close());
  const first = await startServer(redirectTo(other.url));
  t.after(() => first.close());
  const git = await createGitClient({ auth: { kind: "basic", username: "x-access-token", password: token } });
  t.after(() => git.close());
  await assert.rejects(git.lsRemote(`${first.url}/repo.git`, ["main"], AbortSignal.timeout(30_000)));
  assert.ok(first.seen.length > 0, "git asked the configured origin");
  assert.deepEqual(other.seen.filter((r) => r.authorization !== undefined), [], "no credentials went to the other origin");
  assert.deepEqual(leaks(JSON.stringify(other.seen), token), []);
});

test("the askpass helper answers only for the origin of the remote the call is for", async (t) => {
  t.after(clearSecrets);
  const dir = await mkdtemp(path.join(tmpdir(), "slipway-askpass-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const auth = await prepareGitAuth({ kind: "basic", username: "bot", password: token }, dir);
  t.after(() => auth.dispose());
  const call = await auth.forCall("https://git.example.com:8443/shop/manifests.git");
  const askpass = call.env.GIT_ASKPASS ?? "";
  const env = { ...process.env, ...call.env };
  const ask = (prompt: string) => run(askpass, [prompt], { env, okCodes: [0, 1] });
  assert.equal((await ask("Username for 'https://git.example.com:8443': ")).stdout, "bot\n");
  assert.equal((await ask("Password for 'https://bot@git.example.com:8443': ")).stdout, `${token}\n`);
  for (const prompt of [
    "Password for 'https://bot@evil.example.com': ",
    "Password for 'https://bot@git.example.com': ",
    "Password for 'http://bot@git.example.com:8443': ",
    "Password for 'https://git.example.com:8443@evil.example.com': ",
    "Username for 'https://evil.example.com/git.example.com:8443': ",
  ]) {
    const r = await ask(prompt);
    assert.equal(r.code, 1, prompt);
    assert.equal(r.stdout, "", prompt);
    assert.deepEqual(leaks(r.stderr, token), []);
  }
  assert.equal(gitOrigin("https://user@Host.example:443/x.git"), "https://Host.example:443");
  assert.equal(gitOrigin("git@github.com:o/r.git"), "");
});

for (const auth of [
  { kind: "bearer" as const, token },
  { kind: "basic" as const, username: "ci-bot", password: token },
]) {
  test(`the agent's git source (${auth.kind}): a redirect to another origin is not followed, the other origin sees no credentials`, async (t) => {
    t.after(clearSecrets);
    const other = await startServer(echoCredentials);
    t.after(() => other.close());
    const first = await startServer(redirectTo(other.url));
    t.after(() => first.close());
    const cacheDir = await mkdtemp(path.join(tmpdir(), "slipway-agent-redirect-"));
    t.after(() => rm(cacheDir, { recursive: true, force: true }));
    const source = createGitSource({
      source: { name: "manifests", url: `${first.url}/repo.git`, ref: { branch: "main" }, intervalMs: 60_000, timeoutMs: 30_000, provider: "generic" },
      cacheDir,
    });
    const err = await source.fetch(auth).then(
      () => assert.fail("fetch succeeded"),
      (e: unknown) => e as Error,
    );
    assert.ok(first.seen.length > 0);
    assert.deepEqual(other.seen.filter((r) => r.authorization !== undefined), [], "no credentials went to the other origin");
    assert.deepEqual(leaks(`${err.message} ${String((err.cause as Error | undefined)?.message)}`, token), []);
  });
}
