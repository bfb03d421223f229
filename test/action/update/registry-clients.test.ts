// The client an ImageRepository gets: a secretRef's dockerconfigjson entry answers the Bearer
// challenge of a token-auth registry (Docker Hub's and GHCR's flow: realm and service from
// WWW-Authenticate), only for its own host; a missing Secret or host entry is named.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { parseImageRepository } from "../../../action/manifests/image-repository.ts";
import { parseDockerConfig } from "../../../action/registry/docker-config-auth.ts";
import { createRegistryClients } from "../../../action/update/registry-clients.ts";
import { scanRepositories } from "../../../action/update/image-policies.ts";

const repo = (name: string, image: string, spec: Record<string, unknown> = {}) =>
  parseImageRepository({ apiVersion: "image.toolkit.fluxcd.io/v1", kind: "ImageRepository", metadata: { name, namespace: "flux-system" }, spec: { image, ...spec } }, "images.yaml:1", "flux-system");

test("secretRef credentials reach the token realm the registry names; anonymous is refused; a missing Secret or host is named", async (t) => {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const port = (server.address() as { port: number }).port;
    if (url.pathname === "/token") {
      seen.push(`token ${url.searchParams.get("service")} ${url.searchParams.get("scope")} ${req.headers.authorization ?? "anonymous"}`);
      if (req.headers.authorization !== `Basic ${Buffer.from("bot:tok-secret-9").toString("base64")}`) return void res.writeHead(401).end();
      return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token: "bearer-secret-9" }));
    }
    if (req.headers.authorization !== "Bearer bearer-secret-9") {
      return void res.writeHead(401, { "www-authenticate": `Bearer realm="http://127.0.0.1:${port}/token",service="reg",scope="repository:team/app:pull"` }).end();
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ tags: ["1.0.0", "1.1.0"] }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  const secrets = new Map([
    ["flux-system/regcred", parseDockerConfig(JSON.stringify({ auths: { [host]: { username: "bot", password: "tok-secret-9" } } }), "cfg")],
    ["flux-system/other", parseDockerConfig(JSON.stringify({ auths: { "ghcr.io": { username: "x", password: "y-secret" } } }), "cfg")],
  ]);
  const clientFor = createRegistryClients({ secrets, secretsSource: "secrets.yaml" });
  const scans = await scanRepositories(
    [repo("app", `${host}/team/app`, { secretRef: { name: "regcred" } }), repo("anon", `${host}/team/app`), repo("missing", `${host}/team/app`, { secretRef: { name: "nope" } }), repo("elsewhere", `${host}/team/app`, { secretRef: { name: "other" } })],
    { clientFor },
  );
  assert.deepEqual(scans.get("flux-system/app")?.tags, ["1.0.0", "1.1.0"]);
  assert.ok(seen.some((s) => s.startsWith("token reg repository:team/app:pull Basic ")), seen.join("\n"));
  assert.match(scans.get("flux-system/anon")?.error ?? "", /ImageRepository\/flux-system\/anon .*token service .* refused anonymously: HTTP 401/);
  assert.match(scans.get("flux-system/missing")?.error ?? "", /secretRef nope: no dockerconfigjson for Secret flux-system\/nope in secrets\.yaml/);
  assert.match(scans.get("flux-system/elsewhere")?.error ?? "", new RegExp(`secretRef other: the Secret has no credentials for ${host.replace(/\./g, "\\.")}`));
  assert.ok(!seen.some((s) => s.includes(Buffer.from("x:y-secret").toString("base64"))), "another host's credentials are never sent");
});
