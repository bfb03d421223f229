import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { createLogger } from "../../../core/log.ts";
import { createOciRegistry, isLoopbackHost } from "../../../action/registry/oci-registry.ts";
import { integration, uniqueName } from "../../env/harness.ts";
import { sampleImage, uploadBlobs } from "./sample-image.ts";

test("loopback hosts are plain HTTP by default", () => {
  assert.equal(isLoopbackHost("127.0.0.1:5000"), true);
  assert.equal(isLoopbackHost("localhost"), true);
  assert.equal(isLoopbackHost("[::1]:5000"), true);
  assert.equal(isLoopbackHost("ghcr.io"), false);
  assert.equal(isLoopbackHost("127.0.0.1.nip.io"), false);
});

test("OCI registry: manifests by tag and digest, every tag listed", async (t) => {
  const env = integration(t);
  if (!env) return;
  const repository = `slipway/${uniqueName("oci")}`;
  const registry = createOciRegistry({ host: env.registry, pageSize: 2 });
  assert.equal(await registry.login(), undefined, "anonymous registry: no credentials");
  const image = sampleImage();
  await uploadBlobs(env.registry, repository, image);
  const tags = ["20210608052721", "20210608052722", "latest", "v1.0.0", "a"];
  for (const tag of tags) assert.equal(await registry.putManifest(repository, tag, image.manifest), "created");

  const byTag = await registry.getManifest(repository, "latest");
  assert.ok(byTag);
  assert.equal(byTag.digest, image.manifest.digest);
  assert.equal(byTag.body, image.manifest.body, "manifest bytes come back unchanged");
  assert.equal(byTag.mediaType, "application/vnd.oci.image.manifest.v1+json");
  assert.equal((await registry.getManifest(repository, image.manifest.digest))?.digest, image.manifest.digest);
  assert.equal(await registry.getManifest(repository, "missing"), undefined);

  // (This registry, distribution 2.x, answers in one page whatever `n` says; Link paging is
  // exercised against a paging server in oci-protocol.test.ts.)
  assert.deepEqual((await registry.listTags(repository)).sort(), [...tags].sort());
  assert.equal(await registry.ensureRepository(repository, { scanOnPush: true, immutableTags: true }), "exists");
  assert.equal((await registry.tagImmutability(repository))("v1"), false);
  await assert.rejects(registry.listTags(`${repository}-none`), new RegExp(`^SlipwayError: image ${env.registry}/${repository}-none: the registry has no such repository`));
});

test("OCI registry with htpasswd: login, wrong password, no credentials — the password never shown", async (t) => {
  const env = integration(t);
  if (!env) return;
  const lines: string[] = [];
  const log = createLogger({ write: (l) => lines.push(l), level: "debug" });
  const good = createOciRegistry({ host: env.registryAuth, username: env.registryUser, password: env.registryPassword });
  assert.deepEqual(await good.login(), { username: env.registryUser, password: env.registryPassword });

  const repository = `slipway/${uniqueName("auth")}`;
  const image = sampleImage();
  await uploadBlobs(env.registryAuth, repository, image, { user: env.registryUser, password: env.registryPassword });
  assert.equal(await good.putManifest(repository, "v1", image.manifest), "created");
  assert.deepEqual(await good.listTags(repository), ["v1"]);

  const wrongPassword = `wrong-${uniqueName("pw")}`;
  const bad = createOciRegistry({ host: env.registryAuth, username: env.registryUser, password: wrongPassword });
  const err = await bad.login().then(
    () => assert.fail("login with a wrong password succeeded"),
    (e: unknown) => e as Error,
  );
  log.error(err.message);
  assert.match(err.message, new RegExp(`^registry ${env.registryAuth}: GET /v2/: HTTP 401: the registry refused user "${env.registryUser}"`));
  assert.ok(!err.message.includes(wrongPassword), "error carries no password");
  assert.ok(!lines.join("\n").includes(wrongPassword), "log carries no password");
  assert.ok(!lines.join("\n").includes(Buffer.from(`${env.registryUser}:${wrongPassword}`).toString("base64")), "log carries no Basic header");

  const anonymous = createOciRegistry({ host: env.registryAuth });
  await assert.rejects(anonymous.listTags(repository), /the registry requires credentials and none were given/);
});

test("OCI registry: an unreachable host is one error naming the registry", async (t) => {
  const env = integration(t);
  if (!env) return;
  const port = await closedPort();
  const registry = createOciRegistry({ host: `127.0.0.1:${port}`, attempts: 2 });
  await assert.rejects(registry.listTags("x"), new RegExp(`^SlipwayError: registry 127\\.0\\.0\\.1:${port}: GET /v2/x/tags/list\\?n=1000: connect ECONNREFUSED`));
});

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === "string") throw new Error("no port");
  return address.port;
}
