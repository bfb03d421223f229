// Pull-request mode end to end. Git is real (the test git server); the GitHub REST API is a small
// local HTTP server that fakes ONLY that API's contract (GET/POST /repos/{o}/{r}/pulls, bearer
// token), since no GitHub runs here. Two builds: the first pushes slipway/<image> and opens a
// pull request, the second adds a commit to that branch (never to the base) and reuses the open one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createGitRepo, integration, uniqueName } from "../../env/harness.ts";
import { run } from "../../../core/exec.ts";
import { createGithubPullRequests, parseGithubRepo } from "../../../action/pull-request/github.ts";
import { pushSampleImage, shopFiles } from "../e2e/shop-fixture.ts";
import { runSlipway } from "../e2e/run-slipway.ts";

interface Pull {
  number: number;
  html_url: string;
  head: string;
  base: string;
  title: string;
  body: string;
  state: "open" | "closed";
}

/** A fake of GitHub's pulls API: enough of its contract for listing and creating. */
async function fakeGithub(t: { after: (fn: () => Promise<void>) => void }, token: string): Promise<{ url: string; pulls: Pull[]; requests: string[] }> {
  const pulls: Pull[] = [];
  const requests: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const u = new URL(req.url ?? "/", "http://x");
      requests.push(`${req.method} ${u.pathname}${u.search}`);
      const json = (status: number, value: unknown): void => {
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
      };
      if (req.headers.authorization !== `Bearer ${token}`) return json(401, { message: "Bad credentials" });
      const m = /^\/repos\/([^/]+)\/([^/]+)\/pulls$/.exec(u.pathname);
      if (!m) return json(404, { message: "Not Found" });
      if (req.method === "GET") {
        const head = u.searchParams.get("head")?.split(":")[1];
        return json(200, pulls.filter((p) => p.state === (u.searchParams.get("state") ?? "open") && (!head || p.head === head) && (!u.searchParams.get("base") || p.base === u.searchParams.get("base"))));
      }
      if (req.method === "POST") {
        const b = JSON.parse(body) as { title: string; head: string; base: string; body: string };
        if (pulls.some((p) => p.state === "open" && p.head === b.head && p.base === b.base)) return json(422, { message: "Validation Failed", errors: [{ message: `A pull request already exists for ${m[1]}:${b.head}.` }] });
        const pr: Pull = { number: pulls.length + 1, html_url: `https://github.example/${m[1]}/${m[2]}/pull/${pulls.length + 1}`, state: "open", ...b };
        pulls.push(pr);
        return json(201, pr);
      }
      return json(405, { message: "Method Not Allowed" });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, pulls, requests };
}

test("parseGithubRepo reads owner and repository from HTTPS, scp-like and ssh:// URLs", () => {
  assert.deepEqual(parseGithubRepo("https://github.com/acme/shop-manifests.git"), { host: "github.com", owner: "acme", repo: "shop-manifests" });
  assert.deepEqual(parseGithubRepo("git@github.com:acme/shop-manifests.git"), { host: "github.com", owner: "acme", repo: "shop-manifests" });
  assert.deepEqual(parseGithubRepo("ssh://git@github.example:2222/acme/m"), { host: "github.example", owner: "acme", repo: "m" });
  assert.equal(parseGithubRepo("https://github.com/only-owner"), undefined);
});

test("the GitHub provider reuses an open pull request and names the token input on 401", async (t) => {
  const gh = await fakeGithub(t, "good-token-1234");
  const provider = createGithubPullRequests({ owner: "acme", repo: "m", token: "good-token-1234", apiUrl: gh.url });
  const req = { head: "slipway/account", base: "main", title: "t", body: "b" };
  const first = await provider.open(req);
  const second = await provider.open({ ...req, title: "t2" });
  assert.deepEqual([first.created, second.created], [true, false]);
  assert.equal(first.url, second.url);
  assert.equal(gh.pulls.length, 1);
  const denied = createGithubPullRequests({ owner: "acme", repo: "m", token: "wrong-token-99", apiUrl: gh.url });
  await assert.rejects(denied.open(req), /^SlipwayError: input github-token: GitHub refused listing pull requests \(401\): Bad credentials$/);
});

test("slipway ci --pull-request: pushes slipway/<name>, opens one pull request, adds to it on the next build; the base branch is untouched", async (t) => {
  const env = integration(t);
  if (!env) return;
  const token = "ghs_fake_token_abcdef";
  const gh = await fakeGithub(t, token);
  const prefix = `${env.registry}/${uniqueName("pr")}`;
  const repo = await createGitRepo(env, t, { files: shopFiles({ imagePrefix: prefix, services: ["account"] }) });
  const repoPath = `${prefix}/account`.slice(env.registry.length + 1);
  await pushSampleImage(env.registry, repoPath, "build");
  const base = (await run("git", ["--git-dir", repo.bareDir, "rev-parse", "main"])).stdout.trim();
  const childEnv = { SLIPWAY_GIT_USERNAME: env.gitHttpUser, SLIPWAY_GIT_PASSWORD: env.gitHttpPassword, SLIPWAY_GITHUB_TOKEN: token };
  const args = (tag: string): string[] => ["ci", "--image", `${prefix}/account:build`, "--builder", "none", "--tag-format", tag, "--manifest-repo", `${env.gitHttpAuthUrl}/${repo.name}.git`, "--pull-request", "true", "--github-api-url", gh.url];

  const one = await runSlipway(args("20250101000000"), childEnv);
  assert.equal(one.code, 0, one.stderr);
  const out1 = JSON.parse(one.stdout.trim()) as { commit: string; pullRequestUrl: string };
  assert.equal(out1.pullRequestUrl, `https://github.example/auth/${repo.name}/pull/1`);
  assert.equal((await run("git", ["--git-dir", repo.bareDir, "rev-parse", "slipway/account"])).stdout.trim(), out1.commit);
  assert.equal((await run("git", ["--git-dir", repo.bareDir, "rev-parse", "main"])).stdout.trim(), base, "base branch untouched");
  assert.deepEqual({ head: gh.pulls[0]?.head, base: gh.pulls[0]?.base, title: gh.pulls[0]?.title }, { head: "slipway/account", base: "main", title: `slipway: update ${prefix}/account to 20250101000000 [ci skip]` });
  assert.match(gh.pulls[0]?.body ?? "", /clusters\/eks\/shop\/account\.yaml:18/);

  const two = await runSlipway(args("20250202000000"), childEnv);
  assert.equal(two.code, 0, two.stderr);
  const out2 = JSON.parse(two.stdout.trim()) as { commit: string; pullRequestUrl: string };
  assert.equal(out2.pullRequestUrl, out1.pullRequestUrl, "the open pull request is reused");
  assert.equal(gh.pulls.length, 1);
  assert.equal((await run("git", ["--git-dir", repo.bareDir, "rev-parse", "slipway/account"])).stdout.trim(), out2.commit);
  assert.equal((await run("git", ["--git-dir", repo.bareDir, "rev-parse", `${out2.commit}^`])).stdout.trim(), out1.commit, "the open PR's branch grows by one commit (it still contains the base)");
  assert.equal((await run("git", ["--git-dir", repo.bareDir, "rev-parse", "main"])).stdout.trim(), base);
  assert.ok(!`${one.stderr}${two.stderr}`.includes(token));
});
