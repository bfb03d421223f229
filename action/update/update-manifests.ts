/**
 * The race-safe manifest update: shallow clone (only the files with markers or Flux objects are
 * checked out, found by `git grep` without a checkout) → decide each marker's value → rewrite markers →
 * no change, no commit → commit → push. When the push loses a race with another pipeline, fetch,
 * reset to the remote head, redo the bump on the new tree and push again, with jittered backoff
 * and bounded attempts. The target branch is never force-pushed. A separate push branch
 * (pull-request mode, or an automation's `push.branch`) is built on its own head while that still
 * contains the base branch, else rebuilt from the base (as Flux does), and replaced only by a
 * compare-and-swap push (`--force-with-lease` on the head seen), so concurrent pipelines sharing
 * it do not drop each other's bumps.
 */
import { lstatSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { SlipwayError, throwIfAborted } from "../../core/errors.ts";
import type { CommitFile, GitAuthor, GitCheckout, GitClient } from "../../core/git/git-client.ts";
import { normalizeSparsePath } from "../../core/git/git-client.ts";
import { GitError } from "../../core/git/git-error.ts";
import type { Logger } from "../../core/log.ts";
import type { ImageRef } from "../../core/image-ref.ts";
import type { MarkerChange } from "../../core/markers/set-markers.ts";
import { isManifestName, MARKER_LITERAL, setMarkersInBytes, updateMarkers, type UpdateMarkersResult } from "../../core/markers/update-tree.ts";
import { retry } from "../../core/retry.ts";
import { FLUX_DEFAULT_MESSAGE, renderCommitMessage } from "../manifests/commit-template.ts";
import type { Inputs } from "../inputs.ts";
import type { ImageUpdateAutomationObject } from "../manifests/image-update-automation.ts";
import { scanManifestTree, type FluxObjects } from "../manifests/scan-manifest-tree.ts";
import { scanMarkers, type MarkerUse } from "../manifests/marker-scan.ts";
import { resolveImages, type PolicyDecision, type PushedImage, type ResolvedImages } from "./resolve-images.ts";
import { defaultCommitAuthor, fluxNamespace, imageAutomationGroup } from "../../core/well-known.ts";

/** Options for {@link updateManifests}. */
export interface UpdateManifestsOptions {
  git: GitClient;
  /** Manifest repository URL. */
  url: string;
  /** Branch to update; default the automation's checkout branch, else the remote default. */
  branch?: string;
  /** Directory to update (and read policies from); default the automation's path, else the root. */
  updatePath?: string;
  /** Branch to push to; default the automation's push branch, else `branch` (or `slipway/<name>` for pull requests). */
  pushBranch?: string;
  /** Pull-request mode: push to a separate branch. Default false. */
  pullRequest?: boolean;
  /** Commit author; default the automation's, else `slipway <slipway@users.noreply.invalid>`. */
  author?: Partial<GitAuthor>;
  /** Commit message template; default the automation's, else {@link defaultCommitMessage}. */
  messageTemplate?: string;
  /** The image the CI step pushed; absent when {@link resolve} decides instead. */
  pushed?: PushedImage;
  /** Git trailers (`Key: value`) appended to the commit message as its last paragraph. Default none. */
  trailers?: readonly string[];
  /**
   * The pushed repository's tags. Asked once per run, on the first attempt, and kept for the
   * retries: another pipeline's commit changes the tree, not this repository's tags, and the
   * registry call stays out of the critical section between fetch and push (the pushed tag is
   * always among the candidates, and timestamp tags never move a marker backwards).
   */
  listTags?: (signal?: AbortSignal) => Promise<string[]>;
  /** The digest of a tag of the pushed repository, for digest-reflecting policies. Default: none. */
  digestOf?: (tag: string, signal?: AbortSignal) => Promise<string | undefined>;
  /**
   * Decides every marker's image instead of the pushed-image rules (`slipway update`); called on
   * every attempt with the tree as checked out then. With a resolver a lost race is redone by a
   * checkout, never by plumbing: it lists the registries and reads the markers' values again, so
   * that a newer value another run pushed meanwhile is not rolled back.
   */
  resolve?: (tree: { objects: FluxObjects; markers: MarkerUse[]; root: string }) => Promise<ResolvedImages>;
  /** The commit message when neither the inputs nor an automation give one. Default {@link defaultCommitMessage}. */
  defaultMessage?: string;
  /** Namespace of objects and markers without one. Default `flux-system`. */
  policyNamespace?: string;
  /** Tags are UTC timestamps: never move a marker to an older one. Default true. */
  timestampTags?: boolean;
  /** Push attempts. Default 10. */
  maxAttempts?: number;
  /**
   * Backoff after repeated lost races, ms: the first race lost to a moved tip (non-fast-forward,
   * fetch first) is retried at once, later ones wait a random time up to this, doubling up to
   * {@link maxDelayMs} (full jitter), which spreads the pipelines that keep losing to each other.
   * Default 100.
   */
  baseDelayMs?: number;
  /** Upper bound of one delay between attempts, ms. Default 1000 (about one fetch + push). */
  maxDelayMs?: number;
  /** Compute and report the change, commit and push nothing. Default false. */
  dryRun?: boolean;
  /** Parent of the temporary clone. Default the OS temp dir. */
  workRoot?: string;
  log: Logger;
  signal?: AbortSignal;
}

/** What the update did. */
export interface UpdateManifestsResult {
  /** The commit pushed; undefined when nothing changed (or in a dry run). */
  commit?: string;
  /** The branch that was checked out. */
  baseBranch: string;
  /** The branch pushed to. */
  pushBranch: string;
  /** Values changed, files relative to the repository root. */
  changes: MarkerChange[];
  changedFiles: string[];
  diffs: { file: string; before: string; after: string }[];
  decisions: PolicyDecision[];
  /** Attempts used (1 when the first push landed). */
  attempts: number;
  /**
   * Of the retries, those that redid the bump on the moved tip with git plumbing alone (no
   * checkout, rescan or new resolution); the others checked out and resolved again.
   */
  replayed: number;
  /** The commit message (also in a dry run). */
  message?: string;
  automation?: ImageUpdateAutomationObject;
  warnings: string[];
}

/** The commit message when neither an input nor an automation gives one. */
export function defaultCommitMessage(pushed: PushedImage): string {
  return `slipway: update ${pushed.image} to ${pushed.tag} [ci skip]`;
}

/** The pushed image, which the pushed-image rules need when no resolver is given. */
function requirePushed(pushed: PushedImage | undefined): PushedImage {
  if (!pushed) throw new SlipwayError("update manifests", "needs the pushed image or a resolver");
  return pushed;
}

/** A push refused because another pipeline pushed first. */
class PushRaceLost extends Error {
  /** The branch moved on (non-fast-forward, fetch first): worth a retry at once, not after a wait. */
  get tipMoved(): boolean {
    return /fetch first|non-fast-forward/i.test(this.message);
  }
}

/**
 * What an attempt computed its bump on, so that the retry after a lost race can redo the bump on
 * the new tip with git plumbing alone (see {@link rebump}).
 */
interface Attempt {
  /** The commit the bump was computed on. */
  builtOn: string;
  images: ReadonlyMap<string, ImageRef>;
  /** Policies that markers under the update path name. */
  policies: ReadonlySet<string>;
  bump: UpdateMarkersResult;
  /**
   * Git mode of each changed file: from the checkout's executable bit after a checkout (where
   * git does not keep it, core.fileMode false, it reads as 100644), from the tree after a replay.
   */
  modes: Map<string, CommitFile["mode"]>;
}

/**
 * The Flux image API group: a file holding it may define objects the bump depends on. Text for
 * `git grep`, bytes for blobs (the marker's literal is update-tree's MARKER_LITERAL).
 */
const GROUP_TEXT = `${imageAutomationGroup}/`;
const GROUP_LITERAL = Buffer.from(GROUP_TEXT);
const NO_BLOB = /^0+$/;

const DEFAULT_AUTHOR: GitAuthor = defaultCommitAuthor;

/**
 * The settings of {@link updateManifests} that come straight from the CI step's inputs (where to
 * commit, as whom, how often to retry), shared by `mode: ci` and `mode: update`; empty inputs
 * become absent so that the automation's and the defaults' values apply.
 */
export function manifestSettingsFromInputs(
  i: Pick<Inputs, "manifestBranch" | "updatePath" | "pushBranch" | "pullRequest" | "gitAuthorName" | "gitAuthorEmail" | "commitMessage" | "policyNamespace" | "maxAttempts" | "dryRun">,
): Pick<UpdateManifestsOptions, "branch" | "updatePath" | "pushBranch" | "pullRequest" | "author" | "messageTemplate" | "policyNamespace" | "maxAttempts" | "dryRun"> {
  return {
    branch: i.manifestBranch || undefined,
    updatePath: i.updatePath || undefined,
    pushBranch: i.pushBranch || undefined,
    pullRequest: i.pullRequest,
    author: { name: i.gitAuthorName || undefined, email: i.gitAuthorEmail || undefined },
    messageTemplate: i.commitMessage || undefined,
    policyNamespace: i.policyNamespace,
    maxAttempts: i.maxAttempts,
    dryRun: i.dryRun,
  };
}

/** Runs the update; see the file comment. Errors name the input or object they concern. */
export async function updateManifests(options: UpdateManifestsOptions): Promise<UpdateManifestsResult> {
  const { git, log, signal, pushed } = options;
  const ns = options.policyNamespace ?? fluxNamespace;
  const work = await mkdtemp(path.join(options.workRoot ?? tmpdir(), "slipway-manifests-"));
  let tags: Promise<string[]> | undefined;
  const listTags = (): Promise<string[]> => {
    tags ??= options.listTags ? options.listTags(signal) : Promise.resolve([]);
    // A failed listing is not kept: the next attempt asks again.
    tags.catch(() => (tags = undefined));
    return tags;
  };
  try {
    let co = await git.clone({ url: options.url, branch: options.branch || undefined, dir: path.join(work, "repo"), noCheckout: true, blobless: false }, signal);
    await focus(co, "HEAD", signal);
    let scan = await scanManifestTree({ root: co.dir, defaultNamespace: ns, signal });
    const automation = pickAutomation(scan.objects.automations, options.updatePath);
    if (automation?.suspended) log.warn(`ImageUpdateAutomation/${automation.namespace}/${automation.name} is suspended; updating anyway (the CI step is the automation now)`);
    if (!options.branch && automation?.checkoutBranch && automation.checkoutBranch !== co.branch) {
      log.info(`checking out ${automation.checkoutBranch}, the branch ImageUpdateAutomation/${automation.namespace}/${automation.name} names`);
      co = await git
        .clone({ url: options.url, branch: automation.checkoutBranch, dir: path.join(work, "repo2"), noCheckout: true, blobless: false }, signal)
        .catch((err: unknown) => {
          if (err instanceof GitError && err.reason === "branch-not-found") {
            throw new SlipwayError(`${automation.source}: ImageUpdateAutomation/${automation.namespace}/${automation.name}`, `checkout branch ${automation.checkoutBranch} does not exist`, { cause: err });
          }
          throw err;
        });
      await focus(co, "HEAD", signal);
      scan = await scanManifestTree({ root: co.dir, defaultNamespace: ns, signal });
    }
    const baseBranch = co.branch;
    const initialHead = await co.head(signal);
    const updatePath = normalizeSparsePath(options.updatePath || automation?.updatePath || ".") || ".";
    const last = pushed ? (pushed.image.split("/").pop() ?? "image") : "update";
    const pushBranch = options.pushBranch || automation?.pushBranch || (options.pullRequest ? `slipway/${last}` : baseBranch);
    const separate = pushBranch !== baseBranch;
    const author: GitAuthor = {
      name: options.author?.name || automation?.author?.name || DEFAULT_AUTHOR.name,
      email: options.author?.email || automation?.author?.email || DEFAULT_AUTHOR.email,
    };
    const template = options.messageTemplate || automation?.messageTemplate;
    const templateName = options.messageTemplate ? "input commit-message" : automation ? `ImageUpdateAutomation/${automation.namespace}/${automation.name} (${automation.source}) messageTemplate` : "commit message";

    const result: UpdateManifestsResult = {
      baseBranch,
      pushBranch,
      changes: [],
      changedFiles: [],
      diffs: [],
      decisions: [],
      attempts: 0,
      replayed: 0,
      automation,
      warnings: [...scan.objects.warnings],
    };
    const under = updatePath === "." ? "" : `${updatePath}/`;
    const messageFor = (changes: MarkerChange[]): string => {
      const message = template
        ? renderCommitMessage(
            template,
            {
              automation: automation ? { namespace: automation.namespace, name: automation.name } : undefined,
              changes: changes.map((c) => ({ ...c, file: path.posix.relative(updatePath === "." ? "" : updatePath, c.file) })),
              values: automation?.messageTemplateValues,
            },
            templateName,
          )
        : automation
          ? FLUX_DEFAULT_MESSAGE
          : (options.defaultMessage ?? defaultCommitMessage(requirePushed(pushed)));
      return options.trailers?.length ? `${message.replace(/\s+$/, "")}\n\n${options.trailers.join("\n")}\n` : message;
    };
    let prior: Attempt | undefined;
    await retry(
      async (attempt) => {
        result.attempts = attempt;
        const baseHead = attempt > 1 ? await co.fetch(baseBranch, signal) : initialHead;
        let start = baseHead;
        let lease: string | undefined;
        if (separate) {
          // Build on the push branch while it still contains the base (its pending bumps stay);
          // otherwise (new, or merged, or behind) start again from the base, as Flux does. The
          // push is a compare-and-swap on the head seen here, so no other pipeline's commit is lost.
          const pushHead = await co.fetchIfExists(pushBranch, { depth: 50 }, signal);
          lease = pushHead ?? "";
          if (pushHead && pushHead !== baseHead && (await co.isAncestor(baseHead, pushHead, signal))) start = pushHead;
        }
        const push = async (sha: string): Promise<void> => {
          const pushedResult = await co.push(separate ? { branch: pushBranch, rev: sha, lease } : { branch: pushBranch, rev: sha }, signal);
          if (pushedResult.status === "rejected") {
            log.info(`push to ${pushBranch} lost a race (${pushedResult.detail}); fetching and re-applying`, { attempt });
            throw new PushRaceLost(pushedResult.detail);
          }
          result.commit = sha;
        };

        // After a lost race: the same bump on the new tip through plumbing, when the commits in
        // between changed only marker values (no checkout, no rescan, no new resolution: the
        // pushed-image rules depend on the Flux objects and the tags listed once per run only).
        const again = prior && !options.dryRun && !options.resolve ? await rebump(co, prior, start, under, signal) : undefined;
        if (again && prior) {
          prior = again;
          result.replayed++;
          result.changes = again.bump.changes;
          result.changedFiles = again.bump.changedFiles;
          result.diffs = again.bump.diffs;
          result.warnings = [...scan.objects.warnings, ...again.bump.warnings];
          if (again.bump.changedFiles.length === 0) {
            result.commit = undefined;
            return;
          }
          result.message = messageFor(again.bump.changes);
          const files = again.bump.diffs.map((d) => ({ path: d.file, content: d.after, mode: again.modes.get(d.file) }));
          await push(await co.commitFiles({ parent: start, files, message: result.message, author }, signal));
          return;
        }
        if (prior && !options.dryRun && !options.resolve) log.debug(`the commits since ${prior.builtOn.slice(0, 12)} touch Flux image objects or new markers; checking out ${start.slice(0, 12)} and resolving again`, { attempt });

        if (attempt > 1 || start !== baseHead) {
          await focus(co, start, signal);
          scan = await scanManifestTree({ root: co.dir, defaultNamespace: ns, signal });
        }
        if (attempt === 1 && !(await co.exists("HEAD", updatePath, signal))) {
          const who = options.updatePath ? "input update-path" : automation ? `${automation.source}: ImageUpdateAutomation/${automation.namespace}/${automation.name}` : "update path";
          throw new SlipwayError(who, `${updatePath} does not exist on branch ${baseBranch}`);
        }
        const markers = scan.markers.filter((m) => m.source.startsWith(under));
        const resolved = options.resolve
          ? await options.resolve({ objects: scan.objects, markers, root: co.dir })
          : await resolveImages({
              pushed: requirePushed(pushed),
              objects: scan.objects,
              markers,
              listTags,
              policyNamespace: ns,
              timestampTags: options.timestampTags ?? true,
              digestOf: options.digestOf ? (tag) => options.digestOf!(tag, signal) : undefined,
            });
        result.decisions = resolved.decisions;
        // Only files with markers or Flux objects are checked out: the path may have none.
        await mkdir(path.join(co.dir, updatePath), { recursive: true });
        const bump = await updateMarkers({ root: co.dir, path: updatePath, images: resolved.images, dryRun: options.dryRun, signal });
        result.changes = bump.changes;
        result.changedFiles = bump.changedFiles;
        result.diffs = bump.diffs;
        result.warnings = [...scan.objects.warnings, ...bump.warnings];
        prior = {
          builtOn: start,
          images: resolved.images,
          policies: new Set(markers.map((m) => m.policy)),
          bump,
          modes: new Map(bump.changedFiles.map((f) => [f, lstatSync(path.join(co.dir, f)).mode & 0o111 ? "100755" : "100644"] as const)),
        };
        if (bump.changes.length === 0) {
          result.commit = undefined;
          return;
        }
        result.message = messageFor(bump.changes);
        if (options.dryRun) return;
        const sha = await co.commit({ files: bump.changedFiles, message: result.message, author }, signal);
        if (!sha) return;
        await push(sha);
      },
      {
        attempts: options.maxAttempts ?? 10,
        baseDelayMs: options.baseDelayMs ?? 100,
        maxDelayMs: options.maxDelayMs ?? 1000,
        retryable: (err) => err instanceof PushRaceLost,
        immediate: (err, attempt) => attempt === 1 && err instanceof PushRaceLost && err.tipMoved,
        signal,
      },
    ).catch((err: unknown) => {
      if (err instanceof PushRaceLost) {
        throw new SlipwayError(
          "input max-attempts",
          `push to ${pushBranch} was rejected ${result.attempts} times because other pipelines kept pushing; nothing was forced (raise max-attempts)`,
          { cause: err },
        );
      }
      throw err;
    });
    return result;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * The bump of `prior` redone on commit `tip` without a checkout: the paths that differ between the
 * commit it was computed on and `tip` (`git diff-tree`), their blobs and those of the files it
 * changed (one `git cat-file --batch`), the markers set again in memory. Undefined, so that the
 * caller checks out, rescans and resolves again, when a commit in between may have changed what
 * the bump depends on: a file holding the Flux image API group (policies, repositories,
 * automations) before or after, a deleted marker file, a symlink or submodule, or a marker under
 * `under` naming a policy the bump did not see.
 */
async function rebump(co: GitCheckout, prior: Attempt, tip: string, under: string, signal: AbortSignal | undefined): Promise<Attempt | undefined> {
  const changed = (await co.changes(prior.builtOn, tip, signal)).filter((c) => isManifestName(path.posix.basename(c.path)));
  const regular = (mode: string): boolean => mode === "100644" || mode === "100755" || mode === "000000";
  if (changed.length > REPLAY_MAX_CHANGED || changed.some((c) => c.status === "T" || !regular(c.oldMode) || !regular(c.newMode))) return undefined;
  const blobs = await co.readBlobs(
    [...changed.flatMap((c) => [c.oldBlob, c.newBlob].filter((b) => !NO_BLOB.test(b))), ...prior.bump.changedFiles.map((f) => `${tip}:${f}`)],
    signal,
  );
  const targets = new Map<string, { bytes: Buffer; mode: CommitFile["mode"] }>();
  for (const c of changed) {
    const before = NO_BLOB.test(c.oldBlob) ? undefined : blobs.get(c.oldBlob);
    const after = NO_BLOB.test(c.newBlob) ? undefined : blobs.get(c.newBlob);
    if ((!NO_BLOB.test(c.oldBlob) && !before) || (!NO_BLOB.test(c.newBlob) && !after)) return undefined;
    if (before?.includes(GROUP_LITERAL) || after?.includes(GROUP_LITERAL)) return undefined;
    if (!after) {
      if (before?.includes(MARKER_LITERAL)) return undefined;
      continue;
    }
    if (!c.path.startsWith(under) || !after.includes(MARKER_LITERAL)) continue;
    if (scanMarkers(after.toString("utf8"), c.path).some((m) => !prior.policies.has(m.policy))) return undefined;
    targets.set(c.path, { bytes: after, mode: c.newMode === "100755" ? "100755" : "100644" });
  }
  for (const f of prior.bump.changedFiles) {
    if (targets.has(f) || changed.some((c) => c.path === f)) continue;
    const bytes = blobs.get(`${tip}:${f}`);
    if (!bytes) return undefined;
    targets.set(f, { bytes, mode: prior.modes.get(f) });
  }
  // The files in the order updateMarkers walks them (lexical by path segment), as its result lists them.
  const order = [...targets.keys()].sort(compareBySegment);
  const redone = new Set([...order, ...changed.map((c) => c.path)]);
  const bump: UpdateMarkersResult = { changes: [], changedFiles: [], warnings: [], diffs: [] };
  const modes = new Map<string, CommitFile["mode"]>();
  const fresh = new Map<string, { changes: MarkerChange[]; warnings: string[] }>();
  for (const f of order) {
    throwIfAborted(signal);
    const t = targets.get(f)!;
    const r = setMarkersInBytes(t.bytes, f, prior.images);
    if (!r) continue;
    fresh.set(f, r);
    if (r.text !== r.before) {
      bump.changedFiles.push(f);
      bump.diffs.push({ file: f, before: r.before, after: r.text });
      modes.set(f, t.mode);
    }
  }
  // Warnings of files neither changed since nor read again stay as the last attempt found them.
  const fileOf = (message: string): string => {
    const at = message.search(/:\d+: /);
    return at < 0 ? message : message.slice(0, at);
  };
  bump.warnings = [...prior.bump.warnings.filter((w) => !redone.has(fileOf(w))), ...order.flatMap((f) => fresh.get(f)?.warnings ?? [])];
  bump.changes = order.flatMap((f) => fresh.get(f)?.changes ?? []);
  return { ...prior, builtOn: tip, bump, modes };
}

/**
 * Manifest files changed between two attempts above which a retry checks out again instead of
 * reading every one of them (old and new) from the object store: the checkout reads only files
 * with markers or Flux objects. Other pipelines' bumps change a file each.
 */
const REPLAY_MAX_CHANGED = 200;

/** Orders paths as a depth-first walk of sorted directory entries does. */
function compareBySegment(a: string, b: string): number {
  const x = a.split("/");
  const y = b.split("/");
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return (x[i] ?? "") < (y[i] ?? "") ? -1 : 1;
  }
  return x.length - y.length;
}

/** `git grep` patterns of the files a checkout reads: the same two literals, as text. */
const WANTED = [MARKER_LITERAL.toString("utf8"), GROUP_TEXT];
const MANIFEST_FILES = [":(glob)**/*.yaml", ":(glob)**/*.yml", ":(glob)**/Kustomization"];

/**
 * Checks out `rev` with only the files that matter (found by `git grep` in the object store):
 * a 10,000-file repository with 50 markers writes 50 files, not 10,000.
 */
async function focus(co: GitCheckout, rev: string, signal: AbortSignal | undefined): Promise<void> {
  const files = (await co.grep(rev, WANTED, MANIFEST_FILES, signal)).sort();
  const key = files.join("\0");
  if (focused.get(co) === key) {
    await co.resetHard(rev, signal);
    return;
  }
  await co.checkoutOnly(rev, files, signal);
  focused.set(co, key);
}

/** The file set each checkout was last focused on (a retry with the same set only resets). */
const focused = new WeakMap<GitCheckout, string>();

/** Picks the automation for the update path: the only one, or the one whose path matches. */
function pickAutomation(all: ImageUpdateAutomationObject[], updatePath: string | undefined): ImageUpdateAutomationObject | undefined {
  if (all.length <= 1) return all[0];
  if (updatePath) {
    const want = normalizeSparsePath(updatePath);
    const match = all.filter((a) => normalizeSparsePath(a.updatePath) === want);
    if (match.length === 1) return match[0];
  }
  throw new SlipwayError(
    "input update-path",
    `the manifest repository has ${all.length} ImageUpdateAutomations (${all.map((a) => `${a.namespace}/${a.name} at ${a.source}`).join(", ")}); set update-path to the spec.update.path of one`,
  );
}
