// Smoke test: the ECR API of the test environment (moto) answers the AWS SDK with an endpoint
// override: CreateRepository, PutImage and DescribeImages, with repository errors as ECR words them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { CreateRepositoryCommand, DeleteRepositoryCommand, DescribeImagesCommand, ECRClient, ImageAlreadyExistsException, ImageTagAlreadyExistsException, PutImageCommand, RepositoryAlreadyExistsException } from "@aws-sdk/client-ecr";
import type { TestEnv } from "../env/harness.ts";
import { integration, uniqueName } from "../env/harness.ts";

function ecrClient(env: TestEnv): ECRClient {
  return new ECRClient({
    endpoint: env.ecrEndpoint,
    region: env.awsRegion,
    credentials: { accessKeyId: env.awsAccessKeyId, secretAccessKey: env.awsSecretAccessKey },
  });
}

test("ECR (moto): CreateRepository, PutImage, DescribeImages", async (t) => {
  const env = integration(t);
  if (!env) return;
  const ecr = ecrClient(env);
  t.after(() => ecr.destroy());
  const repositoryName = `smoke/${uniqueName("ecr")}`;
  const created = await ecr.send(new CreateRepositoryCommand({ repositoryName, imageTagMutability: "IMMUTABLE" }));
  t.after(() => ecr.send(new DeleteRepositoryCommand({ repositoryName, force: true })));
  assert.equal(created.repository?.repositoryName, repositoryName);
  assert.match(created.repository?.repositoryUri ?? "", new RegExp(`^\\d{12}\\.dkr\\.ecr\\.${env.awsRegion}\\.amazonaws\\.com/${repositoryName}$`));
  await assert.rejects(ecr.send(new CreateRepositoryCommand({ repositoryName })), RepositoryAlreadyExistsException);

  const empty = await ecr.send(new DescribeImagesCommand({ repositoryName }));
  assert.deepEqual(empty.imageDetails, []);

  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: `sha256:${"a".repeat(64)}`, size: 2 },
    layers: [],
  });
  // Real ECR derives the digest from the manifest bytes; moto does not (it hashes the layer
  // digests) unless PutImage names the digest, so the test names it, as a client may.
  const digest = `sha256:${createHash("sha256").update(manifest).digest("hex")}`;
  const put = await ecr.send(new PutImageCommand({ repositoryName, imageManifest: manifest, imageTag: "1.2.3", imageDigest: digest }));
  assert.equal(put.image?.imageId?.imageTag, "1.2.3");

  const described = await ecr.send(new DescribeImagesCommand({ repositoryName }));
  assert.equal(described.imageDetails?.length, 1);
  assert.deepEqual(described.imageDetails?.[0]?.imageTags, ["1.2.3"]);
  assert.equal(described.imageDetails?.[0]?.imageDigest, digest);

  // The repository is IMMUTABLE: the same tag on another manifest is refused. Real ECR names the
  // error ImageTagAlreadyExistsException; moto 5.2 names it ImageAlreadyExistsException.
  const other = manifest.replace("a".repeat(64), "b".repeat(64));
  await assert.rejects(
    ecr.send(new PutImageCommand({ repositoryName, imageManifest: other, imageTag: "1.2.3" })),
    (err: unknown) => err instanceof ImageTagAlreadyExistsException || err instanceof ImageAlreadyExistsException,
  );
  const after = await ecr.send(new DescribeImagesCommand({ repositoryName, imageIds: [{ imageTag: "1.2.3" }] }));
  assert.equal(after.imageDetails?.[0]?.imageDigest, digest);
});
