// `slipway ci --dry-run` does everything but push: it resolves the tag and the policies, clones
// and computes the manifest change, and reports it, while the registry and the branch stay as
// they were. And an immutable ECR tag that already names another image stops the run before any
// manifest commit. Real git server, real registry, ECR API (moto).
import { test } from "node:test";
import assert from "node:assert/strict";
import { CreateRepositoryCommand, DescribeImagesCommand, ECRClient, PutImageCommand } from "@aws-sdk/client-ecr";
import { createGitRepo, integration, uniqueName } from "../../env/harness.ts";
import { run } from "../../../core/exec.ts";
import { sampleImage } from "../registry/sample-image.ts";
import { pushSampleImage, shopFiles } from "./shop-fixture.ts";
import { runSlipway } from "./run-slipway.ts";

test("--dry-run reports the change it would make and pushes nothing", async (t) => {
  const env = integration(t);
  if (!env) return;
  const prefix = `${env.registry}/${uniqueName("dry")}`;
  const repo = await createGitRepo(env, t, { files: shopFiles({ imagePrefix: prefix, services: ["account"] }) });
  const repoPath = `${prefix}/account`.slice(env.registry.length + 1);
  await pushSampleImage(env.registry, repoPath, "build");
  const head = (await run("git", ["--git-dir", repo.bareDir, "rev-parse", "main"])).stdout.trim();
  const r = await runSlipway(["ci", "--dry-run", "--image", `${prefix}/account:build`, "--builder", "none", "--manifest-repo", `${env.gitHttpAuthUrl}/${repo.name}.git`], {
    SLIPWAY_GIT_USERNAME: env.gitHttpUser,
    SLIPWAY_GIT_PASSWORD: env.gitHttpPassword,
  });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim()) as { tag: string; digest: string; commit: string; changedFiles: string[] };
  assert.match(out.tag, /^\d{14}$/);
  assert.deepEqual([out.digest, out.commit, out.changedFiles], ["", "", ["clusters/eks/shop/account.yaml"]]);
  assert.match(r.stderr, /dry run: would push .*account:\d{14}/);
  assert.match(r.stderr, new RegExp(`clusters/eks/shop/account\\.yaml:18\\s+Deployment/shop/account\\s+\\S+:20200101000000\\s+\\S+:${out.tag}`));
  assert.equal((await run("git", ["--git-dir", repo.bareDir, "rev-parse", "main"])).stdout.trim(), head, "no commit");
  const tags = (await (await fetch(`http://${env.registry}/v2/${repoPath}/tags/list`)).json()) as { tags: string[] };
  assert.deepEqual(tags.tags, ["build"], "no tag pushed");
});

test("an immutable ECR tag that already names another image: one line naming the tag, no manifest commit", async (t) => {
  const env = integration(t);
  if (!env) return;
  const host = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
  const ecr = new ECRClient({ region: "us-east-1", endpoint: env.ecrEndpoint, credentials: { accessKeyId: env.awsAccessKeyId, secretAccessKey: env.awsSecretAccessKey } });
  t.after(() => ecr.destroy());
  const repository = `${uniqueName("imm")}/account`;
  await ecr.send(new CreateRepositoryCommand({ repositoryName: repository, imageTagMutability: "IMMUTABLE" }));
  for (const tag of ["build", "20200202020202"]) {
    const img = sampleImage();
    await ecr.send(new PutImageCommand({ repositoryName: repository, imageManifest: img.manifest.body, imageManifestMediaType: img.manifest.mediaType, imageTag: tag }));
  }
  const repo = await createGitRepo(env, t, { files: shopFiles({ imagePrefix: `${host}/${repository.split("/")[0]}`, services: ["account"] }) });
  const head = (await run("git", ["--git-dir", repo.bareDir, "rev-parse", "main"])).stdout.trim();
  const r = await runSlipway(
    ["ci", "--image", `${host}/${repository}:build`, "--builder", "none", "--tag-format", "20200202020202", "--ecr-endpoint", env.ecrEndpoint, "--manifest-repo", `${env.gitHttpAuthUrl}/${repo.name}.git`],
    { SLIPWAY_GIT_USERNAME: env.gitHttpUser, SLIPWAY_GIT_PASSWORD: env.gitHttpPassword, AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: env.awsAccessKeyId, AWS_SECRET_ACCESS_KEY: env.awsSecretAccessKey },
  );
  assert.notEqual(r.code, 0);
  const failures = r.stderr.split("\n").filter((l) => l.startsWith("✗"));
  assert.equal(failures.length, 1, r.stderr);
  assert.match(failures[0] ?? "", /20200202020202/);
  assert.match(failures[0] ?? "", /immutable/i);
  assert.equal((await run("git", ["--git-dir", repo.bareDir, "rev-parse", "main"])).stdout.trim(), head, "no manifest commit");
  const images = await ecr.send(new DescribeImagesCommand({ repositoryName: repository }));
  assert.equal(images.imageDetails?.length, 2, "no image changed");
});
