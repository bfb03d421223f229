/**
 * The CI step, one code path for the GitHub Action, CodeBuild and `slipway ci`:
 * inputs (already parsed) → preflight (build inputs, commit template, manifest repository and
 * branch reachable with the given credentials) → build, tag and push the image → update the
 * manifests (race-safe commit, or a pull request) → poke the agent → outputs and summary.
 * Nothing is half done: no manifest commit unless the image push succeeded, and the checks that
 * can fail cheaply run before the build. `dry-run` does everything but push and commit.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { SlipwayError, errorMessage } from "../core/errors.ts";
import { createGitClient, type GitClient } from "../core/git/git-client.ts";
import { parseCodeCommitUrl } from "../core/git/codecommit-url.ts";
import type { Logger } from "../core/log.ts";
import { checkBuildInputs, resolveDockerfile } from "./build/build-inputs.ts";
import { publishImage } from "./build/publish-image.ts";
import type { CiContext } from "./ci-context.ts";
import type { Inputs } from "./inputs.ts";
import { checkCommitTemplate } from "./manifests/commit-template.ts";
import type { CiOutputs, CiReporter, SummaryRow } from "./outputs.ts";
import { createGithubPullRequests, parseGithubRepo } from "./pull-request/github.ts";
import type { PullRequestProvider } from "./pull-request/pull-request.ts";
import { registryFor } from "./registry/registry-for.ts";
import { tagDigest } from "./registry/tag-digest.ts";
import { hasRegistryHost, splitImageRef, splitImageRepository } from "../core/image-ref.ts";
import { formatTag } from "./tag-format.ts";
import { gitErrorForInputs, gitTargetFromInputs, type GitTarget } from "./update/git-credentials.ts";
import { manifestSettingsFromInputs, updateManifests, type UpdateManifestsResult } from "./update/update-manifests.ts";
import { notifyQueue, pokeWebhook } from "./webhook.ts";
import { gitHistory } from "./rollout-history.ts";
import { deliveryTrailers } from "./rollout-trailers.ts";
import { waitForRollout } from "./rollout-wait.ts";

/** Options for {@link runCi}. */
export interface RunCiOptions {
  inputs: Inputs;
  reporter: CiReporter;
  log: Logger;
  /** Provenance for tag templates. */
  ci: CiContext;
  /** Build clock. Default `() => new Date()`. */
  now?: () => Date;
  /** Environment (AWS_REGION, DOCKER_HOST, GITHUB_API_URL). Default process.env. */
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

/** The image repository (no tag) and, for builder `none`, the source tag or digest. */
function imageAndSource(i: Inputs): { image: string; source?: string } {
  const ref = splitImageRef(i.image);
  let image = ref.name;
  const source = i.source || ref.digest || ref.tag || undefined;
  if (i.registry && !hasRegistryHost(image)) image = `${i.registry.replace(/\/+$/, "")}/${image}`;
  if (source && i.builder !== "none") throw new SlipwayError("input image", `"${i.image}" has a tag or digest; give the repository only (tags come from tag-format)`);
  splitImageRepository(image);
  return { image, source };
}

/** The pull request provider for the manifest repository, checked before any work. */
function pullRequestProvider(i: Inputs, target: GitTarget, env: NodeJS.ProcessEnv, commit: () => string): PullRequestProvider {
  const cc = parseCodeCommitUrl(target.url);
  if (cc) {
    return {
      open: async (req, signal) => (await import("./pull-request/codecommit.ts")).createCodeCommitPullRequests({ repositoryName: cc.name, region: i.awsRegion || cc.region, commit: commit() }).open(req, signal),
    };
  }
  const gh = parseGithubRepo(target.url);
  const token = i.githubToken || i.gitToken;
  if (!gh) throw new SlipwayError("input pull-request", `cannot tell the GitHub owner/repository from manifest-repo`);
  if (!token) throw new SlipwayError("input github-token", "is required to open pull requests (or give git-token)");
  return createGithubPullRequests({ owner: gh.owner, repo: gh.repo, token, apiUrl: i.githubApiUrl || env.GITHUB_API_URL || "https://api.github.com" });
}

/** Renders a tag template of input `input`; an error names the input and the template. */
function renderTag(template: string, ctx: Parameters<typeof formatTag>[1], input: string): string {
  try {
    return formatTag(template, ctx);
  } catch (err) {
    if (!(err instanceof SlipwayError)) throw err;
    throw new SlipwayError(`input ${input}`, `"${template}": ${err.message.slice(err.subject.length + 2)}`, { cause: err });
  }
}

/**
 * Refuses an update-path that does not exist on the branch to update, before the image is built
 * (a blob-less, depth-1 clone without checkout: only trees are fetched).
 */
async function checkUpdatePath(git: GitClient, target: GitTarget, i: Inputs, signal?: AbortSignal): Promise<void> {
  const work = await mkdtemp(path.join(tmpdir(), "slipway-preflight-"));
  try {
    const co = await git.clone({ url: target.url, branch: i.manifestBranch || undefined, dir: path.join(work, "repo"), noCheckout: true }, signal).catch((err: unknown) => {
      throw gitErrorForInputs(err, target);
    });
    if (!(await co.exists("HEAD", i.updatePath, signal))) {
      const hint = i.manifestBranch ? "" : " (give manifest-branch when the automation checks out another branch)";
      throw new SlipwayError("input update-path", `${i.updatePath} does not exist on branch ${co.branch}${hint}`);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Waits for the agent to roll `update.commit` out (action/rollout-wait.ts); sets the `rollout`
 * outputs and throws, naming the sync and the agent's message, when it failed or timed out.
 */
async function rolloutStep(i: Inputs, git: GitClient, target: GitTarget, update: UpdateManifestsResult, log: Logger, signal?: AbortSignal): Promise<{ rollout: NonNullable<CiOutputs["rollout"]>; rolloutSeconds: string; failure?: SlipwayError }> {
  const agentUrl = i.agentUrl || new URL(i.webhookUrl).origin;
  const history = gitHistory(git, target.url, update.pushBranch);
  try {
    const out = await waitForRollout({
      agentUrl,
      token: i.agentToken || undefined,
      repoUrl: target.url,
      branch: update.pushBranch,
      commit: update.commit ?? "",
      changedFiles: update.changedFiles,
      contains: (a, d, s) => history.contains(a, d, s),
      timeoutMs: i.rolloutTimeout,
      log,
      signal,
    });
    const result = { rollout: out.result, rolloutSeconds: String(out.seconds) };
    if (out.result === "healthy") {
      log.info(`rolled out: ${out.syncs.join(", ")} applied ${(update.commit ?? "").slice(0, 12)} and healthy in ${out.seconds}s`);
      return result;
    }
    log.error(`rollout ${out.result}: ${out.message}`);
    return { ...result, failure: new SlipwayError(`rollout of ${(update.commit ?? "").slice(0, 12)}`, `${out.result === "timeout" ? "timed out" : "failed"}: ${out.message}`) };
  } finally {
    await history.close();
  }
}

/** Runs the whole CI step and returns its outputs; throws a SlipwayError naming the input or object at fault. */
export async function runCi(options: RunCiOptions): Promise<CiOutputs> {
  const { inputs: i, reporter, log, signal } = options;
  const env = options.env ?? process.env;
  const now = (options.now ?? (() => new Date()))();
  const outputs: CiOutputs = { image: "", tag: "", digest: "", commit: "", changedFiles: [], pullRequestUrl: "" };

  // Preflight: everything that can be checked without side effects.
  const { image, source } = imageAndSource(i);
  const tagContext = { now, sha: options.ci.sha, branch: options.ci.branch, buildNumber: options.ci.buildNumber };
  const tag = renderTag(i.tagFormat, tagContext, "tag-format");
  const extraTags = i.extraTags.map((t) => renderTag(t, tagContext, "extra-tags"));
  if (i.builder !== "none") await checkBuildInputs(i.context, resolveDockerfile(i.context, i.dockerfile || undefined));
  if (i.builder === "none" && !source) throw new SlipwayError("input source", "builder none needs the tag or digest of the image already pushed (or image as repo:tag)");
  if (i.commitMessage) checkCommitTemplate(i.commitMessage, "input commit-message");
  const { registry, repository } = registryFor(image, {
    ecrEndpoint: i.ecrEndpoint || undefined,
    username: i.registryUsername || undefined,
    password: i.registryPassword || undefined,
  });

  let git: GitClient | undefined;
  let target: GitTarget | undefined;
  let prProvider: PullRequestProvider | undefined;
  let commitForPr = "";
  let rolloutFailure: SlipwayError | undefined;
  try {
    if (i.manifestRepo) {
      target = gitTargetFromInputs(i);
      git = await createGitClient({ auth: target.auth, log });
      if (i.pullRequest) prProvider = pullRequestProvider(i, target, env, () => commitForPr);
      const t = target;
      const branches = [i.manifestBranch, i.pushBranch].filter((b) => b !== "");
      await reporter.group("Check the manifest repository", async () => {
        const heads = await git!.lsRemote(t.url, branches, signal).catch((err: unknown) => {
          throw gitErrorForInputs(err, t);
        });
        if (i.manifestBranch && !heads.has(i.manifestBranch)) {
          throw new SlipwayError("input manifest-branch", `branch ${i.manifestBranch} does not exist in ${t.url}`);
        }
        log.info(`manifest repository reachable`, { branch: i.manifestBranch || "(default)" });
        if (i.updatePath) await checkUpdatePath(git!, t, i, signal);
      });
    }

    // Image.
    const published = await reporter.group(i.dryRun ? "Build and push image (dry run: skipped)" : "Build and push image", async () => {
      if (i.dryRun) {
        log.info(`dry run: would push ${image}:${tag}`, { extraTags: extraTags.join(",") || undefined });
        return { image, tag, tags: [tag, ...extraTags], digest: "", ref: `${image}:${tag}` };
      }
      return publishImage({
        image,
        builder: i.builder,
        context: i.context,
        dockerfile: i.dockerfile || undefined,
        buildArgs: i.buildArgs,
        target: i.target || undefined,
        platforms: i.platforms.length > 0 ? i.platforms : undefined,
        tag,
        extraTags,
        createRepository: i.createRepository ? { scanOnPush: i.scanOnPush, immutableTags: i.immutableTags } : undefined,
        source,
        registry,
        log,
        docker: env.DOCKER_HOST ? { dockerHost: env.DOCKER_HOST } : undefined,
        signal,
      });
    });
    outputs.image = published.digest ? published.ref : "";
    outputs.tag = published.tag;
    outputs.digest = published.digest;

    // Manifests.
    let update: UpdateManifestsResult | undefined;
    if (git && target) {
      const t = target;
      update = await reporter.group("Update manifests", async () =>
        updateManifests({
          git: git!,
          url: t.url,
          ...manifestSettingsFromInputs(i),
          trailers: deliveryTrailers(env, options.ci, { image, tag: published.tag, digest: published.digest || undefined }),
          pushed: { image, tag: published.tag, digest: published.digest || undefined },
          listTags: async (s) => {
            try {
              return await registry.listTags(repository, s);
            } catch (err) {
              if (i.dryRun) {
                log.warn(`dry run: cannot list tags of ${image} (${errorMessage(err)}); using the new tag only`);
                return [];
              }
              throw err;
            }
          },
          digestOf: async (tag, s) => {
            try {
              return await tagDigest(registry, repository, tag, s);
            } catch (err) {
              if (!i.dryRun) throw err;
              log.warn(`dry run: no digest for ${image}:${tag} (${errorMessage(err)})`);
              return undefined;
            }
          },
          log,
          signal,
        }).catch((err: unknown) => {
          throw gitErrorForInputs(err, t);
        }),
      );
      for (const w of update.warnings) log.warn(w);
      for (const d of update.decisions) log.info(`${d.policy} → ${d.tag}`, { by: d.by });
      for (const c of update.changes) {
        const obj = c.object ? `${c.object.kind}/${c.object.namespace ? `${c.object.namespace}/` : ""}${c.object.name}` : "-";
        log.info(`${c.file}:${c.line} ${obj}: ${c.oldValue} -> ${c.newValue}`);
      }
      outputs.commit = update.commit ?? "";
      outputs.changedFiles = update.changedFiles;
      if (update.commit) log.info(`commit ${update.commit} pushed to ${update.pushBranch}`, { attempts: update.attempts, replayed: update.replayed });
      else if (update.changes.length === 0) log.info("no marker changed; no commit");
      else if (i.dryRun) for (const d of update.diffs) log.info(`dry run: ${d.file} would change`);

      if (update.commit && prProvider) {
        const u = update;
        commitForPr = u.commit ?? "";
        const pr = await reporter.group("Pull request", async () =>
          prProvider!.open(
            {
              head: u.pushBranch,
              base: u.baseBranch,
              title: i.pullRequestTitle || (u.message ?? "").split("\n")[0] || `slipway: update ${image} to ${published.tag}`,
              body: `${u.message ?? ""}\n\n${u.changes.map((c) => `- \`${c.file}:${c.line}\` ${c.oldValue} → ${c.newValue}`).join("\n")}\n`,
            },
            signal,
          ),
        );
        outputs.pullRequestUrl = pr.url;
        log.info(`pull request ${pr.created ? "opened" : "updated"}: ${pr.url}`);
      }
      if (update.commit && i.webhookUrl && !i.pullRequest) {
        const u = update;
        await pokeWebhook({ url: i.webhookUrl, secret: i.webhookToken || undefined, branch: u.pushBranch, commit: u.commit ?? "", signal }).then(
          (status) => log.info(`agent webhook answered ${status}`),
          (err: unknown) => log.warn(errorMessage(err)),
        );
      }
      if (update.commit && i.notifyQueueUrl && !i.pullRequest) {
        await notifyQueue({ queueUrl: i.notifyQueueUrl, branch: update.pushBranch, commit: update.commit, signal }).then(
          (id) => log.info(`agent queue notified (message ${id})`),
          (err: unknown) => log.warn(errorMessage(err)),
        );
      }
      if (i.waitForRollout && i.pullRequest) log.info("pull-request mode: the rollout starts once the pull request is merged; not waiting for it");
      if (i.waitForRollout && !i.pullRequest && !i.dryRun) {
        const u = update;
        if (u.commit) {
          const r = await reporter.group("Wait for the rollout", () => rolloutStep(i, git!, t, u, log, signal));
          outputs.rollout = r.rollout;
          outputs.rolloutSeconds = r.rolloutSeconds;
          rolloutFailure = r.failure;
        }
        else log.info("no manifest commit: no rollout to wait for");
      }
    }

    await reporter.setOutputs(outputs);
    await reporter.summary({
      outputs,
      rows: (update?.changes ?? []).map(
        (c): SummaryRow => ({
          file: c.file,
          line: c.line,
          object: c.object ? `${c.object.kind}/${c.object.namespace ? `${c.object.namespace}/` : ""}${c.object.name}` : "-",
          oldValue: c.oldValue,
          newValue: c.newValue,
          policy: c.policy,
        }),
      ),
      branch: update?.pushBranch ?? "",
      dryRun: i.dryRun,
      notes: [
        ...(update && update.changes.length === 0 ? ["no marker changed; no commit"] : []),
        ...(update && update.attempts > 1 ? [`push landed after ${update.attempts} attempts (other pipelines pushed first)`] : []),
        ...(update?.warnings ?? []),
        ...(outputs.rollout ? [`rollout ${outputs.rollout} after ${outputs.rolloutSeconds}s${rolloutFailure ? `: ${rolloutFailure.message}` : ""}`] : []),
      ],
    });
    if (rolloutFailure) throw rolloutFailure;
    return outputs;
  } finally {
    await git?.close();
  }
}
