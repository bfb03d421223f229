// CodeCommit-style signed git over HTTPS, end to end with real git: a local front server checks
// each request's basic-auth password as CodeCommit does (a SigV4 signature of `GIT <path>` for
// the host, from the caller's secret key) and forwards good requests to the real test git
// server. The front is a fake of CodeCommit's auth check only; clone, fetch and push are real.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, request } from "node:http";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createGitRepo, integration } from "../../env/harness.ts";
import { createGitClient } from "../../../core/git/git-client.ts";
import { GitError } from "../../../core/git/git-error.ts";
import { signCodeCommit } from "../../../core/git/codecommit-sign.ts";
import { run } from "../../../core/exec.ts";

const REGION = "eu-west-1";
const creds = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sessionToken: "session-token-xyz" };

test("CodeCommit auth: every git call is signed afresh from the credential chain; the server verifies each signature", async (t) => {
  const env = integration(t);
  if (!env) return;
  const repo = await createGitRepo(env, t, { files: { "a.yaml": "a: 1\n" } });
  const upstream = new URL(env.gitHttpUrl);
  const seen: { user: string; stamp: string }[] = [];
  let rejected = 0;
  const server = createServer((req, res) => {
    const m = /^\/v1\/repos\/([^/?]+)(\/.*)$/.exec(req.url ?? "");
    const auth = req.headers.authorization ?? "";
    const [user = "", password = ""] = Buffer.from(auth.replace(/^Basic /, ""), "base64").toString().split(/:(.*)/s);
    const stamp = password.slice(0, 15);
    const at = new Date(`${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}Z`);
    const [key, token] = user.split("%");
    const expected =
      m && key === creds.accessKeyId && !Number.isNaN(at.getTime())
        ? signCodeCommit({ host: req.headers.host ?? "", path: `/v1/repos/${m[1]}`, region: REGION, accessKeyId: key, secretAccessKey: creds.secretAccessKey, sessionToken: token, now: at }).password
        : undefined;
    if (!m || !expected || expected !== password || token !== creds.sessionToken) {
      rejected++;
      req.resume();
      res.writeHead(401, { "www-authenticate": 'Basic realm="codecommit"' }).end();
      return;
    }
    seen.push({ user, stamp });
    const fwd = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: `${upstream.pathname}/${m[1]}.git${m[2]}`, headers: { ...req.headers, host: upstream.host, authorization: "" } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    fwd.on("error", () => res.writeHead(502).end());
    req.pipe(fwd);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/v1/repos/${repo.name}`;

  let clock = Date.UTC(2026, 0, 2, 3, 4, 5);
  let providerCalls = 0;
  const git = await createGitClient({
    auth: {
      kind: "codecommit",
      region: REGION,
      credentials: async () => {
        providerCalls++;
        return creds;
      },
      now: () => new Date((clock += 1000)),
    },
  });
  t.after(() => git.close());
  const dir = await mkdtemp(path.join(tmpdir(), "slipway-cc-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const co = await git.clone({ url, branch: "main", dir: path.join(dir, "wt") });
  await writeFile(path.join(co.dir, "a.yaml"), "a: 2\n");
  const sha = await co.commit({ files: ["a.yaml"], message: "signed push", author: { name: "ci", email: "ci@x.invalid" } });
  assert.equal((await co.push({ branch: "main" })).status, "pushed");
  assert.equal((await run("git", ["--git-dir", repo.bareDir, "rev-parse", "main"])).stdout.trim(), sha);

  assert.ok(seen.length >= 3, `authenticated requests: ${seen.length}`);
  assert.ok(seen.every((s) => s.user === `${creds.accessKeyId}%${creds.sessionToken}`));
  const stamps = new Set(seen.map((s) => s.stamp));
  assert.ok(stamps.size >= 2, `clone and push carried different signatures (${[...stamps].join(", ")})`);
  assert.ok(providerCalls >= 3, `credentials asked per git call (${providerCalls})`);
  assert.ok(rejected >= 1, "git first asked without credentials, as with CodeCommit");

  const wrong = await createGitClient({ auth: { kind: "codecommit", region: REGION, credentials: async () => ({ ...creds, secretAccessKey: "not-the-secret" }) } });
  t.after(() => wrong.close());
  await assert.rejects(wrong.lsRemote(url, ["main"]), (err: unknown) => err instanceof GitError && err.reason === "auth");
});
