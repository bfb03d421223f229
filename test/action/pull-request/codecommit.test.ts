// CodeCommit pull requests through the real AWS SDK client. No CodeCommit runs here and the ECR
// emulator has no pull-request API, so a small local HTTP server stands in for ONLY that part of
// CodeCommit's JSON 1.1 contract: ListPullRequests, GetPullRequest and CreatePullRequest (with
// its clientRequestToken idempotency), and one error shape.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createCodeCommitPullRequests } from "../../../action/pull-request/codecommit.ts";

interface PullRequest {
  pullRequestId: string;
  title: string;
  description: string;
  pullRequestStatus: "OPEN" | "CLOSED";
  pullRequestTargets: { repositoryName: string; sourceReference: string; destinationReference: string }[];
}

/** The stand-in: its state, and the operations it was asked for. */
async function codeCommitStandIn(t: TestContext, repositories: string[]): Promise<{ endpoint: string; pulls: PullRequest[]; calls: string[]; tokens: Map<string, string> }> {
  const pulls: PullRequest[] = [];
  const calls: string[] = [];
  const tokens = new Map<string, string>();
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const op = String(req.headers["x-amz-target"] ?? "").replace(/^CodeCommit_20150413\./, "");
      calls.push(op);
      const input = JSON.parse(body || "{}") as Record<string, unknown>;
      const reply = (status: number, value: unknown): void => {
        res.writeHead(status, { "content-type": "application/x-amz-json-1.1" }).end(JSON.stringify(value));
      };
      if (!String(req.headers.authorization ?? "").startsWith("AWS4-HMAC-SHA256 ")) {
        return reply(403, { __type: "MissingAuthenticationTokenException", message: "missing signature" });
      }
      const missingRepo = (name: unknown): boolean => typeof name === "string" && !repositories.includes(name);
      if (op === "ListPullRequests") {
        if (missingRepo(input.repositoryName)) return reply(400, { __type: "RepositoryDoesNotExistException", message: `${String(input.repositoryName)} does not exist` });
        const ids = pulls.filter((p) => p.pullRequestStatus === input.pullRequestStatus).map((p) => p.pullRequestId);
        return reply(200, { pullRequestIds: ids });
      }
      if (op === "GetPullRequest") {
        const pr = pulls.find((p) => p.pullRequestId === input.pullRequestId);
        return pr ? reply(200, { pullRequest: pr }) : reply(400, { __type: "PullRequestDoesNotExistException", message: "no such pull request" });
      }
      if (op === "CreatePullRequest") {
        const token = String(input.clientRequestToken ?? "");
        const again = tokens.get(token);
        if (again) return reply(200, { pullRequest: pulls.find((p) => p.pullRequestId === again) });
        const targets = input.targets as PullRequest["pullRequestTargets"];
        if (missingRepo(targets[0]?.repositoryName)) return reply(400, { __type: "RepositoryDoesNotExistException", message: "no such repository" });
        const pr: PullRequest = {
          pullRequestId: String(pulls.length + 1),
          title: String(input.title),
          description: String(input.description ?? ""),
          pullRequestStatus: "OPEN",
          // CodeCommit answers with full ref names.
          pullRequestTargets: targets.map((x) => ({ ...x, sourceReference: `refs/heads/${x.sourceReference}`, destinationReference: `refs/heads/${x.destinationReference}` })),
        };
        pulls.push(pr);
        tokens.set(token, pr.pullRequestId);
        return reply(200, { pullRequest: pr });
      }
      return reply(400, { __type: "InvalidAction", message: op });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, pulls, calls, tokens };
}

const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "not-a-real-secret" };
const request = { head: "slipway/account", base: "eks", title: "slipway: update account to 20210608052721 [ci skip]", body: "Deployment/shop/account" };

test("opens a pull request with an idempotency token, then reuses the open one for the same branches", async (t) => {
  const cc = await codeCommitStandIn(t, ["shop"]);
  const provider = (commit: string) => createCodeCommitPullRequests({ repositoryName: "shop", region: "ap-northeast-2", endpoint: cc.endpoint, credentials, commit });

  const first = await provider("1111111").open(request);
  assert.equal(first.created, true);
  assert.equal(first.id, "1");
  assert.equal(first.url, "https://ap-northeast-2.console.aws.amazon.com/codesuite/codecommit/repositories/shop/pull-requests/1/details?region=ap-northeast-2");
  assert.deepEqual(cc.calls, ["ListPullRequests", "CreatePullRequest"]);
  assert.deepEqual(cc.pulls[0]?.pullRequestTargets, [{ repositoryName: "shop", sourceReference: "refs/heads/slipway/account", destinationReference: "refs/heads/eks" }]);
  assert.equal(cc.tokens.size, 1);
  assert.match([...cc.tokens.keys()][0] ?? "", /^[0-9a-f]{64}$/);

  // The next build of the same image: the open pull request (answered with full ref names) is reused.
  cc.calls.length = 0;
  const second = await provider("2222222").open(request);
  assert.deepEqual({ created: second.created, id: second.id }, { created: false, id: "1" });
  assert.deepEqual(cc.calls, ["ListPullRequests", "GetPullRequest"]);
  assert.equal(cc.pulls.length, 1);
});

test("an open pull request of another branch is not reused; a long title is cut to CodeCommit's 150 characters", async (t) => {
  const cc = await codeCommitStandIn(t, ["shop"]);
  const provider = createCodeCommitPullRequests({ repositoryName: "shop", region: "us-west-2", endpoint: cc.endpoint, credentials, commit: "abc" });
  await createCodeCommitPullRequests({ repositoryName: "shop", region: "us-west-2", endpoint: cc.endpoint, credentials, commit: "abc" }).open({ ...request, head: "slipway/cart" });
  const r = await provider.open({ ...request, title: "x".repeat(300) });
  assert.equal(r.created, true);
  assert.equal(r.id, "2");
  assert.equal(cc.pulls[1]?.title.length, 150);
});

test("a retried CreatePullRequest with the same token does not open a second pull request", async (t) => {
  const cc = await codeCommitStandIn(t, ["shop"]);
  // Two providers for the same commit (a retried pipeline step) race past ListPullRequests.
  const make = () => createCodeCommitPullRequests({ repositoryName: "shop", region: "us-west-2", endpoint: cc.endpoint, credentials, commit: "same-commit" });
  const [a, b] = await Promise.all([make().open(request), make().open(request)]);
  assert.equal(a.id, b.id);
  assert.equal(cc.pulls.length, 1);
});

test("an API error names the repository and carries CodeCommit's reason", async (t) => {
  const cc = await codeCommitStandIn(t, ["shop"]);
  const provider = createCodeCommitPullRequests({ repositoryName: "ghost", region: "us-west-2", endpoint: cc.endpoint, credentials, commit: "abc" });
  await assert.rejects(provider.open(request), (err: Error) => {
    assert.match(err.message, /^CodeCommit repository ghost: pull request failed: ghost does not exist/);
    assert.ok(!err.message.includes(credentials.secretAccessKey));
    return true;
  });
});
