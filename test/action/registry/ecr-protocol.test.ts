/**
 * What the ECR emulator cannot show: throttled calls retried by the SDK's standard retry mode
 * with backoff, a bounded number of times; and authorization tokens reused until 80 % of a real
 * 12-hour lifetime (the emulator's tokens expire in 2015); a role without
 * ecr:DescribeRepositories (the emulator enforces no IAM). The real client runs against a
 * loopback server that speaks ECR's JSON protocol.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { createLogger } from "../../../core/log.ts";
import { publishImage } from "../../../action/build/publish-image.ts";
import { createEcrRegistry } from "../../../action/registry/ecr-registry.ts";
import { sampleImage } from "./sample-image.ts";

const sample = sampleImage().manifest;

async function startEcrServer(t: { after: (fn: () => Promise<void>) => void }, throttles: number) {
  const calls: { target: string; at: number; body: Record<string, unknown> }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      calls.push({ target: String(req.headers["x-amz-target"]), at: Date.now(), body: JSON.parse(Buffer.concat(chunks).toString() || "{}") as Record<string, unknown> });
      if (calls.length <= throttles) {
        res.writeHead(400, { "content-type": "application/x-amz-json-1.1" }).end(JSON.stringify({ __type: "ThrottlingException", message: "Rate exceeded" }));
        return;
      }
      if (String(req.headers["x-amz-target"]).endsWith(".GetAuthorizationToken")) {
        const n = calls.filter((c) => c.target.endsWith(".GetAuthorizationToken")).length;
        const token = Buffer.from(`AWS:password-${n}`).toString("base64");
        const now = Date.now() / 1000;
        res.writeHead(200, { "content-type": "application/x-amz-json-1.1" }).end(
          JSON.stringify({ authorizationData: [{ authorizationToken: token, expiresAt: now + 12 * 3600, proxyEndpoint: "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com" }] }),
        );
        return;
      }
      const target = String(req.headers["x-amz-target"]);
      const json = (status: number, body: unknown): void => {
        res.writeHead(status, { "content-type": "application/x-amz-json-1.1" }).end(JSON.stringify(body));
      };
      const body = calls[calls.length - 1]?.body ?? {};
      if (target.endsWith(".DescribeRepositories")) {
        json(400, { __type: "AccessDeniedException", message: "not authorized to perform: ecr:DescribeRepositories" });
      } else if (target.endsWith(".BatchGetImage")) {
        const id = (body.imageIds as { imageTag?: string }[])[0];
        if (id?.imageTag === "abc1234") {
          json(200, { images: [{ imageId: { imageTag: "abc1234", imageDigest: sample.digest }, imageManifest: sample.body, imageManifestMediaType: sample.mediaType }], failures: [] });
        } else {
          json(200, { images: [], failures: [{ imageId: id, failureCode: "ImageNotFound", failureReason: "Requested image not found" }] });
        }
      } else if (target.endsWith(".PutImage")) {
        json(200, { image: { imageId: { imageTag: body.imageTag, imageDigest: sample.digest } } });
      } else {
        json(200, { imageDetails: [{ imageTags: ["20210608052721"], imageDigest: "sha256:00" }] });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { endpoint: `http://127.0.0.1:${(server.address() as { port: number }).port}`, calls };
}

const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" };

test("throttled DescribeImages calls are retried with backoff and then succeed", async (t) => {
  const srv = await startEcrServer(t, 2);
  const registry = createEcrRegistry({ registryHost: "123456789012.dkr.ecr.eu-west-1.amazonaws.com", endpoint: srv.endpoint, credentials });
  assert.deepEqual(await registry.listTags("shop/account"), ["20210608052721"]);
  assert.equal(srv.calls.length, 3);
  assert.ok(srv.calls.every((c) => c.target === "AmazonEC2ContainerRegistry_V20150921.DescribeImages"));
  assert.deepEqual(srv.calls[0]?.body, { registryId: "123456789012", repositoryName: "shop/account", maxResults: 1000, filter: { tagStatus: "TAGGED" } });
});

test("a call that stays throttled fails after maxAttempts with one error naming the repository", async (t) => {
  const srv = await startEcrServer(t, 100);
  const registry = createEcrRegistry({ registryHost: "123456789012.dkr.ecr.eu-west-1.amazonaws.com", endpoint: srv.endpoint, credentials, maxAttempts: 3 });
  await assert.rejects(registry.listTags("shop/account"), /^SlipwayError: ECR repository 123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/shop\/account: DescribeImages failed: ThrottlingException: Rate exceeded$/);
  assert.equal(srv.calls.length, 3, "exactly maxAttempts calls");
});

test("authorization tokens are reused until 80 % of their lifetime, then fetched again", async (t) => {
  const srv = await startEcrServer(t, 0);
  let clock = new Date();
  const start = clock.getTime();
  const registry = createEcrRegistry({ registryHost: "123456789012.dkr.ecr.eu-west-1.amazonaws.com", endpoint: srv.endpoint, credentials, now: () => clock });
  const first = await registry.login();
  assert.equal(first?.password, "password-1");
  assert.ok(first?.expiresAt && Math.abs(first.expiresAt.getTime() - (start + 12 * 3600_000)) < 5000);
  clock = new Date(start + 9 * 3600_000);
  assert.equal((await registry.login())?.password, "password-1", "reused at 9 h");
  clock = new Date(start + 9.7 * 3600_000);
  assert.equal((await registry.login())?.password, "password-2", "fetched again after 9.6 h");
  assert.equal(srv.calls.filter((c) => c.target.endsWith(".GetAuthorizationToken")).length, 2);
});

test("a push role without ecr:DescribeRepositories still publishes, with a warning", async (t) => {
  const srv = await startEcrServer(t, 0);
  const host = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";
  const registry = createEcrRegistry({ registryHost: host, endpoint: srv.endpoint, credentials });
  const lines: string[] = [];
  const result = await publishImage({
    image: `${host}/shop/account`,
    builder: "none",
    source: "abc1234",
    tag: "20210608052721",
    registry,
    log: createLogger({ write: (l) => lines.push(l) }),
  });
  assert.equal(result.digest, sample.digest);
  assert.ok(lines.some((l) => l.includes(`"level":"warn"`) && l.includes(`cannot read the tag mutability of ${host}/shop/account (access denied)`)));
  const put = srv.calls.filter((c) => c.target.endsWith(".PutImage"));
  assert.equal(put.length, 1);
  assert.deepEqual(put[0]?.body, { registryId: "123456789012", repositoryName: "shop/account", imageTag: "20210608052721", imageManifest: sample.body, imageManifestMediaType: sample.mediaType, imageDigest: sample.digest });
});
