// A registry that accepts connections and never answers: `docker push` and `buildah push` (child
// processes that talk to the registry themselves) end at the builder's push bound with an error
// naming the image, instead of holding the pipeline.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { run } from "../../core/exec.ts";
import { createLogger } from "../../core/log.ts";
import { createBuildahBuilder } from "../../action/build/buildah-builder.ts";
import { createDockerBuilder } from "../../action/build/docker-builder.ts";
import type { ImageBuilder } from "../../action/build/image-builder.ts";
import { integration, uniqueName } from "../env/harness.ts";
import { buildahGlobalFlags, buildahOptions } from "../action/build/buildah-env.ts";
import { imageContext } from "../action/build/image-context.ts";
import { startSilentServer } from "./misbehaving-servers.ts";

const pushTimeoutMs = 3000;

async function pushToSilentRegistry(t: TestContext, make: () => ImageBuilder, cleanup: (ref: string) => Promise<unknown>): Promise<void> {
  const silent = await startSilentServer();
  t.after(() => silent.close());
  const ref = `127.0.0.1:${silent.port}/slipway/${uniqueName("silent")}:1`;
  const builder = make();
  t.after(() => builder.close());
  t.after(() => cleanup(ref));
  const context = imageContext(t);
  await builder.build({ context, dockerfile: path.join(context, "Dockerfile"), buildArgs: {}, tags: [ref] });
  const err = await builder.push(ref).then(
    () => assert.fail("the push to a silent registry succeeded"),
    (e: unknown) => e as Error,
  );
  assert.match(err.message, new RegExp(`image ${ref.replace(/[.:/]/g, "\\$&")}: push failed`));
  assert.match(`${err.message} ${String((err.cause as Error | undefined)?.message)}`, /timed out after 3s/);
  assert.ok(silent.connections() > 0, "the push never reached the registry");
}

test("docker push to a registry that never answers ends at the push bound, naming the image", async (t) => {
  const env = integration(t);
  if (!env) return;
  const log = createLogger({ write: () => {} });
  await pushToSilentRegistry(
    t,
    () => createDockerBuilder({ dockerHost: env.dockerHost, log, pushTimeoutMs }),
    (ref) => run("docker", ["rmi", "--force", ref], { env: { ...process.env, DOCKER_HOST: env.dockerHost }, okCodes: [0, 1] }),
  );
});

test("buildah push to a registry that never answers ends at the push bound, naming the image", async (t) => {
  const env = integration(t);
  if (!env) return;
  const log = createLogger({ write: () => {} });
  await pushToSilentRegistry(
    t,
    () => createBuildahBuilder({ ...buildahOptions(env), log, pushTimeoutMs }),
    (ref) => run("buildah", [...buildahGlobalFlags(env), "rmi", "--force", ref], { okCodes: [0, 1, 125] }),
  );
});
