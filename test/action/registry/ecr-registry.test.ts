/**
 * The ECR client against the local ECR API (moto). Moto keeps repositories, tags and manifests
 * but no layers, so these tests move manifests only; builds that push layers pair the ECR API with
 * the local registry (test/action/build/publish-image.test.ts).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DescribeRepositoriesCommand, ECRClient, GetAuthorizationTokenCommand } from "@aws-sdk/client-ecr";
import { createLogger } from "../../../core/log.ts";
import { createEcrRegistry } from "../../../action/registry/ecr-registry.ts";
import { retagImage } from "../../../action/build/retag-image.ts";
import { integration, uniqueName } from "../../env/harness.ts";
import type { TestEnv } from "../../env/harness.ts";
import { sampleImage } from "./sample-image.ts";

const HOST = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

function ecr(env: TestEnv, now?: () => Date) {
  return createEcrRegistry({
    registryHost: HOST,
    endpoint: env.ecrEndpoint,
    credentials: { accessKeyId: env.awsAccessKeyId, secretAccessKey: env.awsSecretAccessKey },
    now,
  });
}

function sdk(env: TestEnv): ECRClient {
  return new ECRClient({ region: "us-east-1", endpoint: env.ecrEndpoint, credentials: { accessKeyId: env.awsAccessKeyId, secretAccessKey: env.awsSecretAccessKey } });
}

test("ECR: CreateRepository with scan-on-push and IMMUTABLE, then exists", async (t) => {
  const env = integration(t);
  if (!env) return;
  const repo = `shop/${uniqueName("ecr")}`;
  const registry = ecr(env);
  assert.equal(await registry.ensureRepository(repo, { scanOnPush: true, immutableTags: true }), "created");
  assert.equal(await registry.ensureRepository(repo, { scanOnPush: false, immutableTags: false }), "exists");
  const described = await sdk(env).send(new DescribeRepositoriesCommand({ repositoryNames: [repo] }));
  assert.equal(described.repositories?.[0]?.imageTagMutability, "IMMUTABLE");
  assert.equal(described.repositories?.[0]?.imageScanningConfiguration?.scanOnPush, true);
  assert.equal((await registry.tagImmutability(repo))("latest"), true);

  const mutable = `shop/${uniqueName("ecr")}`;
  assert.equal(await registry.ensureRepository(mutable, { scanOnPush: false, immutableTags: false }), "created");
  assert.equal((await registry.tagImmutability(mutable))("latest"), false);
  await assert.rejects(registry.tagImmutability(`shop/${uniqueName("none")}`), /^SlipwayError: ECR repository 123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/shop\/none-[0-9a-f]+: DescribeRepositories failed: RepositoryNotFoundException/);
});

test("ECR: IMMUTABLE with mutable-tag exclusions: `latest` may move, timestamps may not", async (t) => {
  const env = integration(t);
  if (!env) return;
  const repo = `shop/${uniqueName("excl")}`;
  const registry = ecr(env);
  assert.equal(await registry.ensureRepository(repo, { scanOnPush: false, immutableTags: true, mutableTagPatterns: ["latest"] }), "created");
  const described = await sdk(env).send(new DescribeRepositoriesCommand({ repositoryNames: [repo] }));
  assert.equal(described.repositories?.[0]?.imageTagMutability, "IMMUTABLE_WITH_EXCLUSION");
  assert.deepEqual(described.repositories?.[0]?.imageTagMutabilityExclusionFilters, [{ filterType: "WILDCARD", filter: "latest" }]);
  const rule = await registry.tagImmutability(repo);
  assert.equal(rule("latest"), false);
  assert.equal(rule("20210608052721"), true);
  const a = sampleImage().manifest;
  const b = sampleImage().manifest;
  await registry.putManifest(repo, "latest", a);
  assert.equal(await registry.putManifest(repo, "latest", b), "created", "latest moved to the new image");
  assert.equal((await registry.getManifest(repo, "latest"))?.digest, b.digest);
});

test("ECR: GetAuthorizationToken decodes to AWS + password, registered as a secret, not reused past its expiry", async (t) => {
  const env = integration(t);
  if (!env) return;
  const direct = await sdk(env).send(new GetAuthorizationTokenCommand({}));
  const decoded = Buffer.from(direct.authorizationData?.[0]?.authorizationToken ?? "", "base64").toString();
  let clock = new Date();
  const registry = ecr(env, () => clock);
  const creds = await registry.login();
  assert.ok(creds);
  assert.equal(creds.username, "AWS");
  assert.equal(`AWS:${creds.password}`, decoded);
  assert.ok(creds.expiresAt instanceof Date);
  const lines: string[] = [];
  createLogger({ write: (l) => lines.push(l) }).info(`token is ${creds.password}`, { header: `Basic ${direct.authorizationData?.[0]?.authorizationToken}` });
  assert.ok(!lines[0]?.includes(creds.password), "password redacted in logs");
  assert.match(lines[0] ?? "", /token is \*\*\*/);
  clock = new Date(clock.getTime() + 1000);
  // Moto's tokens expire in 2015 (in the past): no lifetime, so each login fetches a new one.
  assert.notEqual(await registry.login(), creds);
});

// Real ECR returns at most 1,000 images a page with a nextToken; moto answers in one page, so
// this proves the whole list arrives and the call is accepted with maxResults 1000 — the cursor
// loop itself is unit-tested in paginate.test.ts.
test("ECR: DescribeImages lists every tag of more than 1,000 images", async (t) => {
  const env = integration(t);
  if (!env) return;
  const repo = `shop/${uniqueName("many")}`;
  const registry = ecr(env);
  await registry.ensureRepository(repo, { scanOnPush: false, immutableTags: false });
  const want: string[] = [];
  const count = 1050;
  const queue = Array.from({ length: count }, (_, i) => i);
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
        const tag = `20210608${String(i).padStart(6, "0")}`;
        want.push(tag);
        assert.equal(await registry.putManifest(repo, tag, sampleImage().manifest), "created");
      }
    }),
  );
  const tags = await registry.listTags(repo);
  assert.equal(tags.length, count);
  assert.deepEqual(tags.sort(), want.sort());
});

test("ECR: PutImage is idempotent, and an immutable tag naming another image is refused", async (t) => {
  const env = integration(t);
  if (!env) return;
  const repo = `shop/${uniqueName("imm")}`;
  const registry = ecr(env);
  await registry.ensureRepository(repo, { scanOnPush: true, immutableTags: true });
  const a = sampleImage().manifest;
  const b = sampleImage().manifest;
  assert.equal(await registry.putManifest(repo, "20210608052721", a), "created");
  assert.equal(await registry.putManifest(repo, "20210608052721", a), "unchanged");
  assert.equal((await registry.getManifest(repo, "20210608052721"))?.digest, a.digest, "digest recorded as the manifest's sha256");
  assert.equal((await registry.getManifest(repo, "20210608052721"))?.body, a.body);
  await assert.rejects(registry.putManifest(repo, "20210608052721", b), {
    message: `tag 20210608052721: already exists in ${HOST}/${repo}, whose tags are immutable; nothing pushed under it`,
  });
  assert.equal((await registry.getManifest(repo, "20210608052721"))?.digest, a.digest, "the tag still names the first image");
  assert.equal(await registry.getManifest(repo, "missing"), undefined);
});

test("ECR: retag without pulling (BatchGetImage → PutImage), stopping at an immutable tag", async (t) => {
  const env = integration(t);
  if (!env) return;
  const repo = `shop/${uniqueName("retag")}`;
  const registry = ecr(env);
  await registry.ensureRepository(repo, { scanOnPush: false, immutableTags: true });
  const image = sampleImage().manifest;
  const other = sampleImage().manifest;
  await registry.putManifest(repo, "abc1234", image);
  await registry.putManifest(repo, "taken", other);
  const lines: string[] = [];
  const log = createLogger({ write: (l) => lines.push(l) });
  const result = await retagImage({ registry, repository: repo, fromTag: "abc1234", toTags: ["20210608052721", "abc1234"], log });
  assert.deepEqual(result, {
    digest: image.digest,
    tags: [
      { tag: "20210608052721", result: "created" },
      { tag: "abc1234", result: "unchanged" },
    ],
  });
  assert.match(lines[0] ?? "", new RegExp(`image ${HOST}/${repo}:20210608052721 tagged`));
  await assert.rejects(retagImage({ registry, repository: repo, fromDigest: image.digest, toTags: ["taken", "after"] }), /^SlipwayError: tag taken: already exists .* and its tags are immutable/);
  assert.deepEqual((await registry.listTags(repo)).sort(), ["20210608052721", "abc1234", "taken"], "nothing written after the refused tag");
  await assert.rejects(retagImage({ registry, repository: repo, fromTag: "nope", toTags: ["x"] }), /^SlipwayError: image .*:nope: not found in the registry/);
});
