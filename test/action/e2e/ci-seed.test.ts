// The seed's own manifest repository (examples/shop: seven services, their ImageRepository and
// ImagePolicy objects, and the ImageUpdateAutomation with author fluxbot, message "An automated
// update from FluxBot\n[ci skip]", branch eks, path ./clusters/eks) driven by `slipway ci` for
// one service's ECR image (the ECR API is the local emulator, whose account is 123456789012: the
// seed's account id 170247361816 is rewritten to it, nothing else). The automation is honoured
// and only that service's marker moves; every other byte stays.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { CreateRepositoryCommand, ECRClient, PutImageCommand, RepositoryAlreadyExistsException } from "@aws-sdk/client-ecr";
import { createGitRepo, integration } from "../../env/harness.ts";
import { run } from "../../../core/exec.ts";
import { sampleImage } from "../registry/sample-image.ts";
import { runSlipway } from "./run-slipway.ts";

const seedDir = path.resolve(import.meta.dirname, "../../../examples/shop");
const SEED_ACCOUNT = "170247361816";
const HOST = "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com";

function readTree(dir: string, prefix = ""): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) Object.assign(out, readTree(full, `${prefix}${name}/`));
    else out[`${prefix}${name}`] = readFileSync(full, "utf8").replaceAll(`${SEED_ACCOUNT}.dkr.ecr.`, "123456789012.dkr.ecr.");
  }
  return out;
}

test("the seed's ImageUpdateAutomation drives slipway ci: branch eks, author fluxbot, its message, one marker moved", async (t) => {
  const env = integration(t);
  if (!env) return;
  const files = readTree(seedDir);
  const repo = await createGitRepo(env, t, { branch: "eks", files });
  const ecr = new ECRClient({ region: "ap-northeast-2", endpoint: env.ecrEndpoint, credentials: { accessKeyId: env.awsAccessKeyId, secretAccessKey: env.awsSecretAccessKey } });
  t.after(() => ecr.destroy());
  await ecr.send(new CreateRepositoryCommand({ repositoryName: "shop/account" })).catch((err: unknown) => {
    if (!(err instanceof RepositoryAlreadyExistsException)) throw err;
  });
  const img = sampleImage();
  const source = `build-${Date.now()}`;
  await ecr.send(new PutImageCommand({ repositoryName: "shop/account", imageManifest: img.manifest.body, imageManifestMediaType: img.manifest.mediaType, imageTag: source }));

  const r = await runSlipway(["ci", "--image", `${HOST}/shop/account:${source}`, "--builder", "none", "--ecr-endpoint", env.ecrEndpoint, "--manifest-repo", `${env.gitHttpAuthUrl}/${repo.name}.git`], {
    SLIPWAY_GIT_USERNAME: env.gitHttpUser,
    SLIPWAY_GIT_PASSWORD: env.gitHttpPassword,
    AWS_ACCESS_KEY_ID: env.awsAccessKeyId,
    AWS_SECRET_ACCESS_KEY: env.awsSecretAccessKey,
  });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim()) as { tag: string; commit: string; changedFiles: string[] };
  assert.deepEqual(out.changedFiles, ["clusters/eks/shop/shop-deployment.yml"]);
  const git = async (...args: string[]): Promise<string> => (await run("git", ["--git-dir", repo.bareDir, ...args])).stdout;
  assert.equal((await git("rev-parse", "eks")).trim(), out.commit);
  // The automation's message as rendered, then the delivery trailers as the last paragraph.
  const [head, trailers] = (await git("log", "-1", "--format=%an <%ae>%n%B", "eks")).trim().split("\n\n");
  assert.equal(head, "fluxbot <fluxbot@example.com>\nAn automated update from FluxBot\n[ci skip]");
  assert.match(trailers ?? "", new RegExp(`^Slipway-Image: ${HOST.replace(/[.]/g, "\\.")}/shop/account:\\d{14}@sha256:[0-9a-f]{64}$`));
  const diff = (await git("diff", "--unified=0", "eks~1", "eks")).split("\n").filter((l) => /^[-+] /.test(l));
  assert.deepEqual(diff, [
    `-        image: ${HOST}/shop/account:20210608052721 # {"$imagepolicy": "flux-system:account"}`,
    `+        image: ${HOST}/shop/account:${out.tag} # {"$imagepolicy": "flux-system:account"}`,
  ]);
  assert.match(r.stderr, /flux-system:account → \d{14} by=ImagePolicy\/flux-system\/account/);
});
