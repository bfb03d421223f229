// What `slipway update` does with hostile or broken registries, policy by policy: a registry that
// pages forever (bounded), a digest that does not match the tag's manifest on the second read, an
// image with no tags (moto's ECR), a missing ImageRepository. Loopback servers speak the broken
// protocols; each failure names its object and leaves the other policies decided.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { CreateRepositoryCommand, ECRClient } from "@aws-sdk/client-ecr";
import { integration, uniqueName } from "../../env/harness.ts";
import { parseImagePolicy } from "../../../core/policy/image-policy.ts";
import { parseImageRepository } from "../../../action/manifests/image-repository.ts";
import { evaluatePolicies, scanRepositories } from "../../../action/update/image-policies.ts";
import { createRegistryClients } from "../../../action/update/registry-clients.ts";
import { ECR_HOST } from "./update-fixture.ts";

const repo = (name: string, image: string, extra: Record<string, unknown> = {}) =>
  parseImageRepository({ apiVersion: "image.toolkit.fluxcd.io/v1", kind: "ImageRepository", metadata: { name, namespace: "flux-system" }, spec: { image, ...extra } }, `images.yaml:${name.length}`, "flux-system");
const policy = (name: string, spec: Record<string, unknown>) => ({
  policy: parseImagePolicy({ apiVersion: "image.toolkit.fluxcd.io/v1", kind: "ImagePolicy", metadata: { name, namespace: "flux-system" }, spec: { imageRepositoryRef: { name }, ...spec } }, `policies.yaml:${name.length}`, "flux-system"),
  source: `policies.yaml:${name.length}`,
});

async function listen(t: { after: (fn: () => Promise<void>) => void }, server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `127.0.0.1:${(server.address() as { port: number }).port}`;
}

test("a registry that pages forever fails its policy after the page bound; a digest that moves between HEAD and GET is refused; the healthy policy is decided", async (t) => {
  let pages = 0;
  const body = JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: {}, layers: [] });
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/v2/endless/tags/list") {
      pages++;
      res.writeHead(200, { "content-type": "application/json", link: `</v2/endless/tags/list?last=t${pages}>; rel="next"` }).end(JSON.stringify({ tags: [`t${pages}`] }));
      return;
    }
    if (url.pathname === "/v2/moving/tags/list") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ tags: ["1.0.0", "1.1.0"] }));
      return;
    }
    if (url.pathname === "/v2/moving/manifests/1.1.0") {
      const headers = { "content-type": "application/vnd.oci.image.manifest.v1+json", "docker-content-digest": `sha256:${"ab".repeat(32)}` };
      res.writeHead(200, headers).end(req.method === "HEAD" ? undefined : body);
      return;
    }
    res.writeHead(404).end();
  });
  const host = await listen(t, server);
  const repos = [repo("endless", `${host}/endless`), repo("moving", `${host}/moving`), repo("fine", `${host}/moving`)];
  const scans = await scanRepositories(repos, { clientFor: createRegistryClients({ maxTagPages: 25 }) });
  assert.equal(pages, 25, "stopped at the page bound");
  assert.match(scans.get("flux-system/endless")?.error ?? "", /images\.yaml:7: ImageRepository\/flux-system\/endless .*still more pages after 25; giving up/);

  const outcomes = await evaluatePolicies({
    policies: [policy("endless", { policy: { alphabetical: {} } }), policy("moving", { policy: { semver: { range: "1.x" } }, digestReflectionPolicy: "Always", interval: "5m" }), policy("fine", { policy: { semver: { range: "1.x" } } })],
    scans,
  });
  const [endless, moving, fine] = outcomes;
  assert.match(endless?.error ?? "", /^policies\.yaml:7: ImagePolicy\/flux-system\/endless: .*still more pages/);
  assert.equal(moving?.image, undefined);
  assert.match(moving?.error ?? "", /ImagePolicy\/flux-system\/moving: image 127\.0\.0\.1:\d+\/moving:1\.1\.0: the registry reported digest sha256:abab.* but the manifest read next hashes to sha256:[0-9a-f]{64}.*no digest written/);
  assert.deepEqual(fine?.image, { name: `${host}/moving`, tag: "1.1.0" });
  assert.equal(fine?.error, undefined);
});

test("an image with no tags (an empty ECR repository) and a missing ImageRepository fail only their policies", async (t) => {
  const env = integration(t);
  if (!env) return;
  const name = `${uniqueName("empty")}/app`;
  const ecr = new ECRClient({ region: "us-east-1", endpoint: env.ecrEndpoint, credentials: { accessKeyId: env.awsAccessKeyId, secretAccessKey: env.awsSecretAccessKey } });
  t.after(() => ecr.destroy());
  await ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
  // The credential chain reads the environment, as in a CI job (this file runs in its own process).
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: env.awsAccessKeyId, AWS_SECRET_ACCESS_KEY: env.awsSecretAccessKey });
  const scans = await scanRepositories([repo("empty", `${ECR_HOST}/${name}`, { provider: "aws" })], { clientFor: createRegistryClients({ ecrEndpoint: env.ecrEndpoint }) });
  assert.deepEqual(scans.get("flux-system/empty")?.tags, []);
  const [empty, ghost] = await evaluatePolicies({ policies: [policy("empty", { policy: { numerical: {} } }), policy("ghost", { policy: { numerical: {} } })], scans });
  assert.match(empty?.error ?? "", new RegExp(`ImagePolicy/flux-system/empty: .*no tags.*\\(${ECR_HOST.replace(/\./g, "\\.")}/${name} has no tags\\)`));
  assert.match(ghost?.error ?? "", /ImagePolicy\/flux-system\/ghost: imageRepositoryRef names ImageRepository\/flux-system\/ghost, which the manifest repository does not define/);
});
