// Smoke test: images built with docker and with buildah are pushed to the local registries
// (plain, and htpasswd after a login) and their tags are listed through the registry HTTP API.
import { test } from "node:test";
import type { TestContext } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { run } from "../../core/exec.ts";
import type { TestEnv } from "../env/harness.ts";
import { buildahFlags, integration, uniqueName } from "../env/harness.ts";

/** A build context whose Dockerfile runs a static program (Debian's tini-static, a docker.io dependency). */
function buildContext(t: TestContext, marker: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "slipway-smoke-image-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  copyFileSync("/usr/bin/tini-static", path.join(dir, "tini"));
  writeFileSync(path.join(dir, "marker.txt"), `${marker}\n`);
  writeFileSync(path.join(dir, "Dockerfile"), ["FROM scratch", "COPY tini /tini", "COPY marker.txt /marker.txt", 'RUN ["/tini", "--version"]', `LABEL org.opencontainers.image.title=${marker}`, ""].join("\n"));
  return dir;
}

/** Tags of `repo` in the registry at `host`, from GET /v2/<repo>/tags/list. */
async function listTags(host: string, repo: string, auth?: { user: string; password: string }): Promise<string[]> {
  const headers: Record<string, string> = {};
  if (auth) headers.authorization = `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString("base64")}`;
  const res = await fetch(`http://${host}/v2/${repo}/tags/list`, { headers });
  assert.equal(res.status, 200, `GET /v2/${repo}/tags/list: ${res.status}`);
  const body = (await res.json()) as { tags?: string[] };
  return (body.tags ?? []).sort();
}

function dockerEnv(env: TestEnv, t: TestContext): NodeJS.ProcessEnv {
  const config = mkdtempSync(path.join(tmpdir(), "slipway-docker-config-"));
  t.after(() => rmSync(config, { recursive: true, force: true }));
  return { ...process.env, DOCKER_HOST: env.dockerHost, DOCKER_CONFIG: config, DOCKER_BUILDKIT: "0" };
}


test("docker build, push to the registry, list tags through the registry API", async (t) => {
  const env = integration(t);
  if (!env) return;
  const denv = dockerEnv(env, t);
  const repo = `smoke/${uniqueName("docker")}`;
  const ctx = buildContext(t, repo);
  await run("docker", ["build", "-q", "-t", `${env.registry}/${repo}:1.0.0`, ctx], { env: denv });
  await run("docker", ["tag", `${env.registry}/${repo}:1.0.0`, `${env.registry}/${repo}:1.0.1`], { env: denv });
  for (const tag of ["1.0.0", "1.0.1"]) await run("docker", ["push", "-q", `${env.registry}/${repo}:${tag}`], { env: denv });
  t.after(() => run("docker", ["rmi", "-f", `${env.registry}/${repo}:1.0.0`, `${env.registry}/${repo}:1.0.1`], { env: denv, okCodes: [0, 1] }));
  assert.deepEqual(await listTags(env.registry, repo), ["1.0.0", "1.0.1"]);
});

test("docker login --password-stdin and push to the registry with htpasswd; anonymous push is refused", async (t) => {
  const env = integration(t);
  if (!env) return;
  const denv = dockerEnv(env, t);
  const repo = `smoke/${uniqueName("docker-auth")}`;
  const image = `${env.registryAuth}/${repo}:2.0.0`;
  await run("docker", ["build", "-q", "-t", image, buildContext(t, repo)], { env: denv });
  t.after(() => run("docker", ["rmi", "-f", image], { env: denv, okCodes: [0, 1] }));
  await assert.rejects(run("docker", ["push", "-q", image], { env: denv }), /no basic auth credentials|unauthorized|authentication required/);
  await run("docker", ["login", "--username", env.registryUser, "--password-stdin", env.registryAuth], { env: denv, input: env.registryPassword });
  await run("docker", ["push", "-q", image], { env: denv });
  assert.deepEqual(await listTags(env.registryAuth, repo, { user: env.registryUser, password: env.registryPassword }), ["2.0.0"]);
  assert.equal((await fetch(`http://${env.registryAuth}/v2/${repo}/tags/list`)).status, 401);
});

test("buildah build (vfs, chroot), push to both registries, list tags", async (t) => {
  const env = integration(t);
  if (!env) return;
  const flags = buildahFlags(env);
  assert.ok(flags.includes("vfs"), `buildah flags: ${flags.join(" ")}`);
  const buildahArgs = (args: string[]): string[] => [...flags, ...args];
  const benv = { ...process.env, BUILDAH_ISOLATION: "chroot" };
  const repo = `smoke/${uniqueName("buildah")}`;
  const local = `localhost/${repo}:3.0.0`;
  const authFile = path.join(mkdtempSync(path.join(tmpdir(), "slipway-buildah-auth-")), "auth.json");
  t.after(() => rmSync(path.dirname(authFile), { recursive: true, force: true }));
  await run("buildah", buildahArgs(["bud", "--quiet", "--isolation", "chroot", "-t", local, buildContext(t, repo)]), { env: benv });
  t.after(() => run("buildah", buildahArgs(["rmi", "-f", local]), { okCodes: [0, 1, 125] }));
  await run("buildah", buildahArgs(["push", "--quiet", "--tls-verify=false", local, `docker://${env.registry}/${repo}:3.0.0`]), { env: benv });
  await run("buildah", buildahArgs(["login", "--tls-verify=false", "--authfile", authFile, "--username", env.registryUser, "--password-stdin", env.registryAuth]), {
    env: benv,
    input: env.registryPassword,
  });
  await run("buildah", buildahArgs(["push", "--quiet", "--tls-verify=false", "--authfile", authFile, local, `docker://${env.registryAuth}/${repo}:3.0.0`]), { env: benv });
  assert.deepEqual(await listTags(env.registry, repo), ["3.0.0"]);
  assert.deepEqual(await listTags(env.registryAuth, repo, { user: env.registryUser, password: env.registryPassword }), ["3.0.0"]);
});
