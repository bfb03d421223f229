import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { run } from "../../../core/exec.ts";
import { createLogger } from "../../../core/log.ts";
import { createBuildahBuilder } from "../../../action/build/buildah-builder.ts";
import { publishImage } from "../../../action/build/publish-image.ts";
import { createOciRegistry } from "../../../action/registry/oci-registry.ts";
import { integration, uniqueName } from "../../env/harness.ts";
import type { TestEnv } from "../../env/harness.ts";
import { buildahGlobalFlags, buildahOptions } from "./buildah-env.ts";
import { imageContext } from "./image-context.ts";

/** Removes what a test built from buildah's storage. */
function removeImages(t: { after: (fn: () => Promise<void>) => void }, env: TestEnv, refs: string[]): void {
  t.after(async () => {
    for (const ref of refs) await run("buildah", [...buildahGlobalFlags(env), "rmi", "--force", ref], { okCodes: [0, 1, 125] });
  });
}

test("buildah: build, push every tag with --digestfile, digest matches the registry", async (t) => {
  const env = integration(t);
  if (!env) return;
  const context = imageContext(t);
  const image = `${env.registry}/slipway/${uniqueName("buildah")}`;
  removeImages(t, env, [`${image}:20210608052721`, `${image}:abc1234`]);
  const registry = createOciRegistry({ host: env.registry });
  const result = await publishImage({
    image,
    builder: "buildah",
    context,
    buildArgs: { GREETING: "salut" },
    tag: "20210608052721",
    extraTags: ["abc1234"],
    registry,
    log: createLogger({ write: () => {} }),
    buildah: buildahOptions(env),
  });
  const repository = image.slice(env.registry.length + 1);
  assert.deepEqual((await registry.listTags(repository)).sort(), ["20210608052721", "abc1234"]);
  const stored = await registry.getManifest(repository, "abc1234");
  assert.equal(stored?.digest, result.digest);
  const inspected = JSON.parse((await run("buildah", [...buildahGlobalFlags(env), "inspect", "--type", "image", `${image}:20210608052721`])).stdout) as {
    OCIv1: { config: { Labels: Record<string, string> } };
  };
  const { "io.buildah.version": _version, ...labels } = inspected.OCIv1.config.Labels;
  assert.deepEqual(labels, { "org.slipway.greeting": "salut", "org.slipway.stage": "final" });
});

test("buildah login: wrong password is refused without showing it; the right one lets push through", async (t) => {
  const env = integration(t);
  if (!env) return;
  const lines: string[] = [];
  const log = createLogger({ write: (l) => lines.push(l), level: "debug" });
  const context = imageContext(t);
  const ref = `${env.registryAuth}/slipway/${uniqueName("blogin")}:v1`;
  removeImages(t, env, [ref]);
  const builder = createBuildahBuilder({ ...buildahOptions(env), log });
  t.after(() => builder.close());
  const wrongPassword = `wrong-${uniqueName("pw")}`;
  const err = await builder.login(env.registryAuth, { username: env.registryUser, password: wrongPassword }).then(
    () => assert.fail("buildah login with a wrong password succeeded"),
    (e: unknown) => e as Error,
  );
  log.error(err.message);
  assert.match(err.message, new RegExp(`^registry ${env.registryAuth}: buildah login as "${env.registryUser}" failed: .*(unauthorized|401|invalid username/password)`, "is"));
  assert.ok(!err.message.includes(wrongPassword));

  await builder.build({ context, dockerfile: path.join(context, "Dockerfile"), buildArgs: {}, tags: [ref] });
  await assert.rejects(builder.push(ref), /^SlipwayError: image .*:v1: push refused by the registry/, "no login yet: push refused");
  await builder.login(env.registryAuth, { username: env.registryUser, password: env.registryPassword });
  const { digest } = await builder.push(ref);
  const registry = createOciRegistry({ host: env.registryAuth, username: env.registryUser, password: env.registryPassword });
  const repository = ref.slice(env.registryAuth.length + 1, ref.lastIndexOf(":"));
  assert.equal((await registry.getManifest(repository, "v1"))?.digest, digest);
  const all = lines.join("\n");
  assert.ok(!all.includes(wrongPassword) && !all.includes(env.registryPassword), "no password in the logs");
});

test("buildah: several platforms become one manifest list", async (t) => {
  const env = integration(t);
  if (!env) return;
  const context = imageContext(t);
  const image = `${env.registry}/slipway/${uniqueName("multi")}`;
  const registry = createOciRegistry({ host: env.registry });
  const result = await publishImage({
    image,
    builder: "buildah",
    context,
    platforms: ["linux/amd64", "linux/arm64"],
    tag: "20210608052721",
    extraTags: ["latest"],
    registry,
    log: createLogger({ write: () => {} }),
    buildah: buildahOptions(env),
  });
  const repository = image.slice(env.registry.length + 1);
  const index = await registry.getManifest(repository, "latest");
  assert.equal(index?.digest, result.digest);
  assert.match(index?.mediaType ?? "", /manifest\.list\.v2\+json|image\.index\.v1\+json/);
  const platforms = (JSON.parse(index?.body ?? "{}") as { manifests: { platform: { architecture: string } }[] }).manifests.map((m) => m.platform.architecture);
  assert.deepEqual(platforms.sort(), ["amd64", "arm64"]);
  const left = JSON.parse((await run("buildah", [...buildahGlobalFlags(env), "images", "--json"])).stdout) as { digest: string; names?: string[] | null }[];
  const builtHere = (JSON.parse(index?.body ?? "{}") as { manifests: { digest: string }[] }).manifests.map((m) => m.digest);
  assert.ok(!left.some((i) => i.names?.some((n) => n.includes("slipway-list-")) || builtHere.includes(i.digest)), "the builder removed its local manifest list");
});
