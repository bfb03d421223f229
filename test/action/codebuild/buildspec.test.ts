// The CODEBUILD test: buildspec.yml's phases run in order (install, pre_build, build, post_build)
// in one bash, as CodeBuild 0.2 runs them (variables persist across commands), with CodeBuild's
// variables (CODEBUILD_RESOLVED_SOURCE_VERSION, CODEBUILD_BUILD_ID, CODEBUILD_BUILD_NUMBER,
// AWS_REGION), buildspec `env.variables` under the project's SLIPWAY_* variables, and the
// `env.exported-variables` read back at the end. ECR is the local ECR API (moto); builder `none`
// retags an image already in ECR; the manifest repository is on the real git server.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse } from "yaml";
import { CreateRepositoryCommand, ECRClient, PutImageCommand, DescribeImagesCommand } from "@aws-sdk/client-ecr";
import { createGitRepo, integration, uniqueName } from "../../env/harness.ts";
import { run } from "../../../core/exec.ts";
import { sampleImage } from "../registry/sample-image.ts";
import { shopFiles } from "../e2e/shop-fixture.ts";

const root = path.resolve(import.meta.dirname, "../../..");
const HOST = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

interface Buildspec {
  version: number;
  env: { shell?: string; "git-credential-helper"?: string | boolean; variables?: Record<string, string>; "exported-variables"?: string[] };
  phases: Record<string, { "runtime-versions"?: Record<string, unknown>; commands?: string[] }>;
}

test("buildspec.yml's phases run in order with CodeBuild's variables: image retagged in ECR, manifest committed, variables exported", async (t) => {
  const env = integration(t);
  if (!env) return;
  const spec = parse(await readFile(path.join(root, "buildspec.yml"), "utf8")) as Buildspec;
  assert.equal(spec.version, 0.2);
  assert.equal(spec.phases.install?.["runtime-versions"]?.nodejs, 24);
  assert.ok(spec.env["git-credential-helper"] === "yes" || spec.env["git-credential-helper"] === true);
  const phases = ["install", "pre_build", "build", "post_build"];
  assert.deepEqual(Object.keys(spec.phases), phases);

  const creds = { accessKeyId: env.awsAccessKeyId, secretAccessKey: env.awsSecretAccessKey };
  const ecr = new ECRClient({ region: "us-east-1", endpoint: env.ecrEndpoint, credentials: creds });
  t.after(() => ecr.destroy());
  const repository = `${uniqueName("cb")}/account`;
  await ecr.send(new CreateRepositoryCommand({ repositoryName: repository }));
  const img = sampleImage();
  await ecr.send(new PutImageCommand({ repositoryName: repository, imageManifest: img.manifest.body, imageManifestMediaType: img.manifest.mediaType, imageTag: "build" }));
  const prefix = `${HOST}/${repository.split("/")[0]}`;
  const repo = await createGitRepo(env, t, { files: shopFiles({ imagePrefix: prefix, services: ["account"] }) });
  const work = await mkdtemp(path.join(tmpdir(), "slipway-codebuild-"));
  t.after(() => rm(work, { recursive: true, force: true }));

  const script = [
    "set -eo pipefail",
    ...phases.flatMap((p) => [`echo "[Container] Entering phase ${p.toUpperCase()}"`, ...(spec.phases[p]?.commands ?? [])]),
    `for v in ${(spec.env["exported-variables"] ?? []).join(" ")}; do printf '%s=%s\\n' "$v" "\${!v}"; done > exported.env`,
  ].join("\n");
  const projectEnv: Record<string, string> = {
    SLIPWAY_BIN: `${process.execPath} ${path.join(root, "cli/bin.ts")}`,
    SLIPWAY_IMAGE: `${HOST}/${repository}:build`,
    SLIPWAY_BUILDER: "none",
    SLIPWAY_ECR_ENDPOINT: env.ecrEndpoint,
    SLIPWAY_TAG_FORMAT: "{timestamp}",
    SLIPWAY_EXTRA_TAGS: "build-{build},{short-sha}",
    SLIPWAY_MANIFEST_REPO: `${env.gitHttpAuthUrl}/${repo.name}.git`,
    SLIPWAY_MANIFEST_BRANCH: "main",
    SLIPWAY_GIT_USERNAME: env.gitHttpUser,
    SLIPWAY_GIT_PASSWORD: env.gitHttpPassword,
    AWS_REGION: "us-east-1",
    AWS_DEFAULT_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: env.awsAccessKeyId,
    AWS_SECRET_ACCESS_KEY: env.awsSecretAccessKey,
    CODEBUILD_BUILD_ID: "shop-account:6f1c3a2e-0000-4000-8000-000000000001",
    CODEBUILD_BUILD_NUMBER: "17",
    CODEBUILD_RESOLVED_SOURCE_VERSION: "89abcdef0123456789abcdef0123456789abcdef",
    CODEBUILD_SOURCE_VERSION: "refs/heads/main",
    CODEBUILD_SRC_DIR: work,
    CODEBUILD_BUILD_SUCCEEDING: "1",
  };
  const result = await new Promise<{ code: number; out: string }>((resolve, reject) => {
    const child = spawn("bash", ["-c", script], {
      cwd: work,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...(spec.env.variables ?? {}), ...projectEnv },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => (out += b.toString()));
    const timer = setTimeout(() => child.pid && process.kill(child.pid, "SIGKILL"), 120_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, out });
    });
  });
  assert.equal(result.code, 0, result.out);
  const order = [...result.out.matchAll(/Entering phase (\w+)/g)].map((m) => m[1]);
  assert.deepEqual(order, ["INSTALL", "PRE_BUILD", "BUILD", "POST_BUILD"]);
  assert.match(result.out, /from 89abcdef0123456789abcdef0123456789abcdef \(build shop-account:/);

  const exported = Object.fromEntries((await readFile(path.join(work, "exported.env"), "utf8")).trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
  const tag = exported.SLIPWAY_OUTPUT_TAG ?? "";
  assert.match(tag, /^\d{14}$/);
  assert.match(exported.SLIPWAY_OUTPUT_DIGEST ?? "", /^sha256:[0-9a-f]{64}$/);
  assert.equal(exported.SLIPWAY_OUTPUT_IMAGE, `${HOST}/${repository}:${tag}@${exported.SLIPWAY_OUTPUT_DIGEST}`);
  assert.equal(exported.SLIPWAY_OUTPUT_CHANGED_FILES, "clusters/eks/shop/account.yaml");
  assert.equal(exported.SLIPWAY_OUTPUT_COMMIT, (await run("git", ["--git-dir", repo.bareDir, "rev-parse", "main"])).stdout.trim());
  assert.match(result.out, new RegExp(`pushed ${HOST.replace(/\./g, "\\.")}/.*manifest commit ${exported.SLIPWAY_OUTPUT_COMMIT}`));

  const images = await ecr.send(new DescribeImagesCommand({ repositoryName: repository }));
  assert.deepEqual((images.imageDetails?.[0]?.imageTags ?? []).sort(), ["89abcde", "build", "build-17", tag].sort());
  const text = (await run("git", ["--git-dir", repo.bareDir, "show", "main:clusters/eks/shop/account.yaml"])).stdout;
  assert.ok(text.includes(`image: ${HOST}/${repository}:${tag} # {"$imagepolicy": "flux-system:account"}`), text);
  assert.ok(!result.out.includes(env.gitHttpPassword), "git password not in the build log");
});
