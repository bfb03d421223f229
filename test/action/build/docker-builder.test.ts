import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { run } from "../../../core/exec.ts";
import { createLogger } from "../../../core/log.ts";
import { createDockerBuilder } from "../../../action/build/docker-builder.ts";
import { publishImage } from "../../../action/build/publish-image.ts";
import { createOciRegistry } from "../../../action/registry/oci-registry.ts";
import { integration, uniqueName } from "../../env/harness.ts";
import type { TestEnv } from "../../env/harness.ts";
import { imageContext } from "./image-context.ts";

function dockerEnv(env: TestEnv): NodeJS.ProcessEnv {
  return { ...process.env, DOCKER_HOST: env.dockerHost };
}

/** Removes the images a test built from the engine. */
function removeImages(t: { after: (fn: () => Promise<void>) => void }, env: TestEnv, refs: () => string[]): void {
  t.after(async () => {
    const list = refs();
    if (list.length > 0) await run("docker", ["rmi", "--force", ...list], { env: dockerEnv(env), okCodes: [0, 1] });
  });
}

test("docker: build with args and target, push every tag, digest matches the registry", async (t) => {
  const env = integration(t);
  if (!env) return;
  const context = imageContext(t);
  const image = `${env.registry}/slipway/${uniqueName("docker")}`;
  const refs: string[] = [];
  removeImages(t, env, () => refs);
  const lines: string[] = [];
  const log = createLogger({ write: (l) => lines.push(l) });
  const registry = createOciRegistry({ host: env.registry });
  const result = await publishImage({
    image,
    builder: "docker",
    context,
    buildArgs: { GREETING: "hej" },
    tag: "20210608052721",
    extraTags: ["latest", "20210608052721"],
    registry,
    log,
    docker: { dockerHost: env.dockerHost },
  });
  refs.push(`${image}:20210608052721`, `${image}:latest`);
  assert.deepEqual(result.tags, ["20210608052721", "latest"], "main tag first, duplicates dropped");
  assert.match(result.digest, /^sha256:[0-9a-f]{64}$/);
  assert.equal(result.ref, `${image}:20210608052721@${result.digest}`);
  const repository = image.slice(env.registry.length + 1);
  assert.deepEqual((await registry.listTags(repository)).sort(), ["20210608052721", "latest"]);
  assert.equal((await registry.getManifest(repository, "latest"))?.digest, result.digest);
  assert.equal((await registry.getManifest(repository, "20210608052721"))?.digest, result.digest);
  const labels = await run("docker", ["image", "inspect", "--format", "{{json .Config.Labels}}", refs[0] ?? ""], { env: dockerEnv(env) });
  assert.deepEqual(JSON.parse(labels.stdout), { "org.slipway.greeting": "hej", "org.slipway.stage": "final" });
  assert.ok(lines.some((l) => l.includes(`image ${image}:latest pushed`)), "push logged");

  // --target stops at the first stage: no stage label.
  const base = await publishImage({ image, builder: "docker", context, target: "base", tag: "base", registry, log, docker: { dockerHost: env.dockerHost } });
  refs.push(`${image}:base`);
  assert.notEqual(base.digest, result.digest);
  const baseLabels = await run("docker", ["image", "inspect", "--format", "{{json .Config.Labels}}", `${image}:base`], { env: dockerEnv(env) });
  assert.deepEqual(JSON.parse(baseLabels.stdout), { "org.slipway.greeting": "hello" });
});

test("docker login: password through stdin into a throw-away config; the user's config untouched; wrong password named without it", async (t) => {
  const env = integration(t);
  if (!env) return;
  // The user's docker config, with a credential store that must not receive our login.
  const userConfig = mkdtempSync(path.join(os.tmpdir(), "slipway-user-docker-"));
  t.after(() => rmSync(userConfig, { recursive: true, force: true }));
  const original = JSON.stringify({ auths: { "other.example": { auth: Buffer.from("u:p").toString("base64") } }, credsStore: "desktop" });
  writeFileSync(path.join(userConfig, "config.json"), original);
  const lines: string[] = [];
  const log = createLogger({ write: (l) => lines.push(l), level: "debug" });
  const context = imageContext(t);
  const ref = `${env.registryAuth}/slipway/${uniqueName("login")}:v1`;
  removeImages(t, env, () => [ref]);

  const wrongPassword = `wrong-${uniqueName("pw")}`;
  const bad = createDockerBuilder({ dockerHost: env.dockerHost, log, configSource: userConfig });
  const err = await bad.login(env.registryAuth, { username: env.registryUser, password: wrongPassword }).then(
    () => assert.fail("docker login with a wrong password succeeded"),
    (e: unknown) => e as Error,
  );
  await bad.close();
  log.error(err.message);
  assert.match(err.message, new RegExp(`^registry ${env.registryAuth}: docker login as "${env.registryUser}" failed: .*(unauthorized|401)`, "s"));
  assert.ok(!err.message.includes(wrongPassword), "no password in the error");

  const good = createDockerBuilder({ dockerHost: env.dockerHost, log, configSource: userConfig });
  try {
    await good.build({ context, dockerfile: path.join(context, "Dockerfile"), buildArgs: {}, tags: [ref] });
    await assert.rejects(good.push(ref), new RegExp(`^SlipwayError: image ${ref.replace(/[.]/g, "\\.")}: push refused by the registry \\(login missing`), "no login yet: push refused");
    await good.login(env.registryAuth, { username: env.registryUser, password: env.registryPassword });
    const { digest } = await good.push(ref);
    const registry = createOciRegistry({ host: env.registryAuth, username: env.registryUser, password: env.registryPassword });
    assert.equal((await registry.getManifest(ref.slice(env.registryAuth.length + 1, ref.lastIndexOf(":")), "v1"))?.digest, digest);
  } finally {
    await good.close();
  }
  assert.equal(readFileSync(path.join(userConfig, "config.json"), "utf8"), original, "the user's docker config is unchanged");
  const all = lines.join("\n");
  assert.ok(!all.includes(wrongPassword) && !all.includes(env.registryPassword), "no password in the logs");
  assert.ok(!all.includes(Buffer.from(`${env.registryUser}:${env.registryPassword}`).toString("base64")), "no auth blob in the logs");
});

test("docker: a missing Dockerfile is refused before any registry call or build", async (t) => {
  const env = integration(t);
  if (!env) return;
  const context = imageContext(t);
  const dockerfile = path.join(context, "nope", "Dockerfile");
  // A registry that cannot be reached: if login came first, the error would be about it.
  const registry = createOciRegistry({ host: "127.0.0.1:9", attempts: 1 });
  await assert.rejects(
    publishImage({ image: "127.0.0.1:9/app", builder: "docker", context, dockerfile, tag: "v1", registry, log: createLogger({ write: () => {} }) }),
    { message: `input dockerfile: ${dockerfile} does not exist` },
  );
});

test("docker without buildx: several platforms, or a foreign one, is an error naming the platforms input", async (t) => {
  const env = integration(t);
  if (!env) return;
  const hasBuildx = await run("docker", ["buildx", "version"], { env: dockerEnv(env) }).then(
    () => true,
    () => false,
  );
  if (hasBuildx) {
    t.skip("docker buildx is installed here");
    return;
  }
  const context = imageContext(t);
  const builder = createDockerBuilder({ dockerHost: env.dockerHost, log: createLogger({ write: () => {} }) });
  t.after(() => builder.close());
  await assert.rejects(
    builder.build({ context, dockerfile: path.join(context, "Dockerfile"), buildArgs: {}, platforms: ["linux/amd64", "linux/arm64"], tags: [`${env.registry}/x:y`] }),
    /^SlipwayError: input platforms: linux\/amd64,linux\/arm64 needs docker buildx to build for several platforms/,
  );
  const own = (await run("docker", ["version", "--format", "{{.Server.Os}}/{{.Server.Arch}}"], { env: dockerEnv(env) })).stdout.trim();
  const foreign = own === "linux/arm64" ? "linux/amd64" : "linux/arm64";
  await assert.rejects(
    builder.build({ context, dockerfile: path.join(context, "Dockerfile"), buildArgs: {}, platforms: [foreign], tags: [`${env.registry}/x:y`] }),
    { message: `input platforms: ${foreign} differs from the docker engine's ${own}, which needs docker buildx, and \`docker buildx version\` failed: install the buildx plugin (or docker/setup-buildx-action), or use builder buildah` },
  );
  // The engine's own platform works without buildx.
  const ref = `${env.registry}/slipway/${uniqueName("plat")}:v1`;
  removeImages(t, env, () => [ref]);
  await builder.build({ context, dockerfile: path.join(context, "Dockerfile"), buildArgs: {}, platforms: [own], tags: [ref] });
  const arch = await run("docker", ["image", "inspect", "--format", "{{.Os}}/{{.Architecture}}", ref], { env: dockerEnv(env) });
  assert.equal(arch.stdout.trim(), own);
});
