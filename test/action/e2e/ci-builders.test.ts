// `slipway ci` with real builds: docker (the test dockerd) and buildah, pushing to the local
// registry, then the manifest commit over SSH with a deploy key given as input content
// (SLIPWAY_GIT_SSH_KEY / SLIPWAY_GIT_SSH_KNOWN_HOSTS, as a CI secret would hold them).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createGitRepo, integration, uniqueName } from "../../env/harness.ts";
import { run } from "../../../core/exec.ts";
import { shopFiles } from "./shop-fixture.ts";
import { runSlipway } from "./run-slipway.ts";

for (const builder of ["docker", "buildah"] as const) {
  test(`slipway ci --builder ${builder}: build, push, and commit over SSH with a key from the environment`, async (t) => {
    const env = integration(t);
    if (!env) return;
    const ctx = await mkdtemp(path.join(tmpdir(), "slipway-ctx-"));
    t.after(() => rm(ctx, { recursive: true, force: true }));
    await writeFile(path.join(ctx, "Dockerfile"), "FROM scratch\nARG GREETING\nCOPY hello.txt /hello.txt\n");
    await writeFile(path.join(ctx, "hello.txt"), `hello ${uniqueName("b")}\n`);
    const prefix = `${env.registry}/${uniqueName(builder)}`;
    const repo = await createGitRepo(env, t, { files: shopFiles({ imagePrefix: prefix, services: ["account"] }) });
    const r = await runSlipway(
      ["ci", "--image", `${prefix}/account`, "--builder", builder, "--context", ctx, "--build-args", "GREETING=hi", "--manifest-repo", repo.sshUrl],
      {
        DOCKER_HOST: env.dockerHost,
        SLIPWAY_GIT_SSH_KEY: await readFile(env.gitSshKey, "utf8"),
        SLIPWAY_GIT_SSH_KNOWN_HOSTS: await readFile(env.gitSshKnownHosts, "utf8"),
        ...(builder === "buildah" ? { BUILDAH_ISOLATION: "chroot", STORAGE_DRIVER: "vfs" } : {}),
      },
      { timeoutMs: 300_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim()) as { tag: string; digest: string; commit: string };
    const res = await fetch(`http://${env.registry}/v2/${prefix.slice(env.registry.length + 1)}/account/manifests/${out.tag}`, { method: "HEAD", headers: { accept: "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json" } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("docker-content-digest"), out.digest);
    assert.equal((await run("git", ["--git-dir", repo.bareDir, "rev-parse", "main"])).stdout.trim(), out.commit);
    assert.ok((await run("git", ["--git-dir", repo.bareDir, "show", "main:clusters/eks/shop/account.yaml"])).stdout.includes(`${prefix}/account:${out.tag} #`));
    assert.ok(!r.stderr.includes("PRIVATE KEY"), "the key is not printed");
  });
}
