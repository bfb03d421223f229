import { test } from "node:test";
import assert from "node:assert/strict";
import { run } from "../../../core/exec.ts";
import { createLogger } from "../../../core/log.ts";
import { publishImage } from "../../../action/build/publish-image.ts";
import type { BuilderName } from "../../../action/build/publish-image.ts";
import { createEcrRegistry } from "../../../action/registry/ecr-registry.ts";
import { createOciRegistry } from "../../../action/registry/oci-registry.ts";
import { integration, uniqueName } from "../../env/harness.ts";
import type { TestEnv } from "../../env/harness.ts";
import { sampleImage, uploadBlobs } from "../registry/sample-image.ts";
import { imageContext } from "./image-context.ts";

function removeDockerImages(t: { after: (fn: () => Promise<void>) => void }, env: TestEnv, refs: string[]): void {
  t.after(async () => {
    await run("docker", ["rmi", "--force", ...refs], { env: { ...process.env, DOCKER_HOST: env.dockerHost }, okCodes: [0, 1] });
  });
}

/**
 * The ECR code path end to end: the ECR API is the local ECR emulator (moto) and the registry
 * host is the local registry, which receives the layers. After the push the test records the
 * pushed manifest in the emulator with PutImage — what ECR's registry does itself on a push.
 */
test("publishImage through ECR: token login, CreateRepository IMMUTABLE, build, push; a re-run with the same tag is refused", async (t) => {
  const env = integration(t);
  if (!env) return;
  const lines: string[] = [];
  const log = createLogger({ write: (l) => lines.push(l), level: "debug" });
  const credentials = { accessKeyId: env.awsAccessKeyId, secretAccessKey: env.awsSecretAccessKey };
  const ecr = createEcrRegistry({ registryHost: env.registry, region: env.awsRegion, endpoint: env.ecrEndpoint, credentials });
  const repository = `shop/${uniqueName("ecr-push")}`;
  const image = `${env.registry}/${repository}`;
  const tags = ["20210608052721", "abc1234"];
  removeDockerImages(t, env, tags.map((tag) => `${image}:${tag}`));
  const context = imageContext(t);
  const options = {
    image,
    builder: "docker" as const,
    context,
    tag: "20210608052721",
    extraTags: ["abc1234"],
    createRepository: { scanOnPush: true, immutableTags: true },
    registry: ecr,
    log,
    docker: { dockerHost: env.dockerHost },
  };
  const masked: string[] = [];
  const result = await publishImage({ ...options, onSecret: (s) => masked.push(s) });
  assert.deepEqual(result.tags, tags);
  assert.ok(lines.some((l) => l.includes(`repository ${image} created`)), "repository creation logged");
  assert.equal((await ecr.tagImmutability(repository))("20210608052721"), true);

  const oci = createOciRegistry({ host: env.registry });
  const pushed = await oci.getManifest(repository, "20210608052721");
  assert.equal(pushed?.digest, result.digest);
  assert.ok(pushed);
  for (const tag of tags) assert.equal(await ecr.putManifest(repository, tag, pushed), "created");
  assert.deepEqual((await ecr.listTags(repository)).sort(), tags);

  // The same tag again: refused before building, naming the tag; nothing else pushed.
  const again = await publishImage({ ...options, extraTags: ["later"], createRepository: undefined }).then(
    () => assert.fail("an existing immutable tag was pushed again"),
    (e: unknown) => e as Error,
  );
  assert.match(again.message, new RegExp(`^tag 20210608052721: already exists in ${env.registry}/${repository} as ${result.digest}, and its tags are immutable; nothing built or pushed$`));
  assert.deepEqual((await oci.listTags(repository)).sort(), tags, "no tag pushed by the refused run");

  const token = await ecr.login();
  assert.ok(token);
  assert.ok(!lines.join("\n").includes(token.password), "the ECR password never reaches the log");
  assert.deepEqual(masked, [token.password], "the password was handed to onSecret for masking");
});

test("publishImage on an OCI registry with immutableTags: an existing tag stops the run before the build", async (t) => {
  const env = integration(t);
  if (!env) return;
  const registry = createOciRegistry({ host: env.registry });
  const repository = `slipway/${uniqueName("imm")}`;
  const existing = sampleImage();
  await uploadBlobs(env.registry, repository, existing);
  await registry.putManifest(repository, "v1", existing.manifest);
  const lines: string[] = [];
  await assert.rejects(
    publishImage({
      image: `${env.registry}/${repository}`,
      builder: "docker",
      context: imageContext(t),
      tag: "v2",
      extraTags: ["v1"],
      createRepository: { scanOnPush: false, immutableTags: true },
      registry,
      log: createLogger({ write: (l) => lines.push(l) }),
      docker: { dockerHost: env.dockerHost },
    }),
    { message: `tag v1: already exists in ${env.registry}/${repository} as ${existing.manifest.digest}, and its tags are immutable; nothing built or pushed` },
  );
  assert.deepEqual(await registry.listTags(repository), ["v1"], "v2 was not pushed either");
  assert.ok(!lines.some((l) => l.includes("building")), "no build started");
});

test("builder none: tags an image already pushed, by tag or by digest, without a build", async (t) => {
  const env = integration(t);
  if (!env) return;
  const registry = createOciRegistry({ host: env.registry });
  const repository = `slipway/${uniqueName("none")}`;
  const image = `${env.registry}/${repository}`;
  const sample = sampleImage();
  await uploadBlobs(env.registry, repository, sample);
  await registry.putManifest(repository, "abc1234", sample.manifest);
  const log = createLogger({ write: () => {} });
  const byTag = await publishImage({ image, builder: "none", source: "abc1234", tag: "20210608052721", extraTags: ["latest"], registry, log });
  assert.equal(byTag.digest, sample.manifest.digest);
  assert.equal(byTag.ref, `${image}:20210608052721@${sample.manifest.digest}`);
  const byDigest = await publishImage({ image, builder: "none", source: sample.manifest.digest, tag: "stable", registry, log });
  assert.equal(byDigest.digest, sample.manifest.digest);
  assert.deepEqual((await registry.listTags(repository)).sort(), ["20210608052721", "abc1234", "latest", "stable"]);
  for (const tag of ["latest", "stable"]) assert.equal((await registry.getManifest(repository, tag))?.digest, sample.manifest.digest);
  await assert.rejects(publishImage({ image, builder: "none", tag: "x", registry, log }), /^SlipwayError: input builder: none retags an image already pushed/);
  await assert.rejects(publishImage({ image, builder: "none", source: "gone", tag: "x", registry, log }), new RegExp(`^SlipwayError: image ${image}:gone: not found in the registry`));
});

test("publishImage refuses bad input before any work: builder, tags, image host, aborted signal", async (t) => {
  const env = integration(t);
  if (!env) return;
  const registry = createOciRegistry({ host: env.registry });
  const log = createLogger({ write: () => {} });
  const image = `${env.registry}/slipway/${uniqueName("bad")}`;
  const context = imageContext(t);
  await assert.rejects(publishImage({ image, builder: "kaniko" as BuilderName, context, tag: "v1", registry, log }), {
    message: 'input builder: "kaniko" is not one of docker, buildah, none',
  });
  await assert.rejects(publishImage({ image, builder: "docker", context, tag: "v1", extraTags: ["no/slash"], registry, log }), /^SlipwayError: input extra-tags: "no\/slash" is not a valid image tag/);
  await assert.rejects(publishImage({ image: "ghcr.io/org/app", builder: "docker", context, tag: "v1", registry, log }), {
    message: `input image: "ghcr.io/org/app" is on ghcr.io, but the registry client is for ${env.registry}`,
  });
  const ac = new AbortController();
  ac.abort(new Error("cancelled by the runner"));
  await assert.rejects(publishImage({ image, builder: "docker", context, tag: "v1", registry, log, signal: ac.signal }), /cancelled by the runner/);
  await assert.rejects(registry.listTags(image.slice(env.registry.length + 1)), /no such repository/, "nothing was pushed");
});
