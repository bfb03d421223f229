/**
 * One git source: a bare repository per source under the cache directory, fetched shallowly
 * (`--depth 1`, only the tracked ref), and exported revision by revision into build directories.
 * A semver range lists the remote's tags (`ls-remote`) and fetches only the tag it chooses, and
 * only when its commit is not already there; a ref name is fetched under `refs/slipway/<name>`.
 * Git runs through core/exec `run` with credentials passed in its environment (askpass helper,
 * an `http.extraHeader` set through `GIT_CONFIG_*`, or `GIT_SSH_COMMAND` with a 0600 key file),
 * never on its command line.
 */
import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import path from "node:path";
import { SlipwayError, throwIfAborted } from "../../core/errors.ts";
import { run } from "../../core/exec.ts";
import { registerSecret } from "../../core/redact.ts";
import { GIT_SAFETY_ARGS, prepareGitAuth, type GitAuthCall, type PreparedGitAuth } from "../../core/git/git-auth.ts";
import { describeRef, type SourceConfig } from "../config/agent-config.ts";
import { formatRevision } from "./revision.ts";
import type { SourceAuth } from "./source-credentials.ts";
import { highestSemverTags, parseLsRemoteTags, type RemoteTag } from "./semver-ref.ts";

/** The outcome of a fetch. */
export interface FetchedRevision {
  /** `main@sha1:<sha>`, `v1@sha1:<sha>` or `sha1:<sha>`. */
  revision: string;
  sha: string;
  /** The commit's message (its trailers name the app commit the CI step delivered). */
  message?: string;
  /** The commit's committer time, ms since the epoch (delivery-time metrics). */
  committedAt?: number;
}

/** A git repository the agent follows. */
export interface GitSource {
  /** Fetches the tracked ref (only what is new) and returns its revision. */
  fetch(auth: SourceAuth, signal?: AbortSignal): Promise<FetchedRevision>;
  /** Writes the tree of `sha` (already fetched) into the empty or absent directory `dir`. */
  export(sha: string, dir: string, signal?: AbortSignal): Promise<void>;
}

/** Options for {@link createGitSource}. */
export interface GitSourceOptions {
  source: SourceConfig;
  /** Directory that holds one bare repository per source. */
  cacheDir: string;
  /** The git program. Default `git`. */
  git?: string;
}

const baseEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  GIT_TERMINAL_PROMPT: "0",
  GIT_CONFIG_NOSYSTEM: "1",
  // Keep ~/.gitconfig (credential helpers, insteadOf rewrites) out of the agent's fetches.
  GIT_CONFIG_GLOBAL: "/dev/null",
  LC_ALL: "C",
});

/** Auth opened once per fetch; every git call that talks to the remote asks it for its settings. */
interface OpenedAuth {
  forCall(signal?: AbortSignal): Promise<GitAuthCall>;
  dispose(): Promise<void>;
}

async function openAuth(auth: SourceAuth, url: string, tmpRoot: string): Promise<OpenedAuth> {
  if (auth.kind === "bearer") {
    registerSecret(auth.token);
    const call: GitAuthCall = {
      env: { GIT_CONFIG_COUNT: "1", GIT_CONFIG_KEY_0: "http.extraHeader", GIT_CONFIG_VALUE_0: `Authorization: Bearer ${auth.token}` },
      configArgs: ["-c", "credential.helper="],
    };
    return { forCall: () => Promise.resolve(call), dispose: () => Promise.resolve() };
  }
  const prepared: PreparedGitAuth = await prepareGitAuth(auth, tmpRoot);
  // CodeCommit signs per call, so each remote call gets its own settings.
  return { forCall: (signal) => prepared.forCall(url, signal), dispose: () => prepared.dispose() };
}

/** Creates the source; the bare repository is made on the first fetch. */
export function createGitSource(options: GitSourceOptions): GitSource {
  const { source } = options;
  const git = options.git ?? "git";
  const repo = path.join(options.cacheDir, `${source.name}.git`);
  const subject = `source ${source.name}`;
  const g = (args: string[], signal?: AbortSignal, env: Record<string, string> = {}, configArgs: string[] = []) =>
    run(git, [...configArgs, ...GIT_SAFETY_ARGS, "--git-dir", repo, ...args], { env: { ...baseEnv(), ...env }, signal });

  const ensureRepo = async (signal?: AbortSignal): Promise<void> => {
    const exists = await stat(path.join(repo, "HEAD")).then(() => true, () => false);
    if (!exists) {
      await mkdir(options.cacheDir, { recursive: true });
      await run(git, ["init", "--bare", "--quiet", repo], { env: baseEnv(), signal });
      await g(["config", "remote.origin.url", source.url], signal);
      return;
    }
    // The URL may have changed in the configuration since the last run.
    await g(["config", "remote.origin.url", source.url], signal);
  };

  const hasCommit = (sha: string, signal?: AbortSignal): Promise<boolean> =>
    g(["cat-file", "-e", `${sha}^{commit}`], signal).then(() => true, () => false);

  /** Fetches `refspec` shallowly with the auth of this fetch. */
  const fetchRefspec = async (auth: OpenedAuth, refspec: string, signal: AbortSignal): Promise<void> => {
    const call = await auth.forCall(signal);
    await g(["fetch", "--quiet", "--no-tags", "--depth", "1", "--force", "origin", refspec], signal, call.env, call.configArgs);
  };

  /** The tag a semver range resolves to among the remote's tags, and its commit (fetched). */
  const resolveSemver = async (auth: OpenedAuth, range: string, signal: AbortSignal): Promise<{ tag: string; sha: string }> => {
    const call = await auth.forCall(signal);
    const listed = await g(["ls-remote", "--tags", "origin"], signal, call.env, call.configArgs);
    const tied = highestSemverTags(range, parseLsRemoteTags(listed.stdout));
    for (const t of tied) {
      if (!(await hasCommit(t.sha, signal))) await fetchRefspec(auth, `+refs/tags/${t.tag}:refs/tags/${t.tag}`, signal);
    }
    if (tied.length === 1 && tied[0]) return tied[0];
    // Equal versions (build metadata apart): the newest commit wins, as Flux orders them.
    let best = { ...(tied[0] as RemoteTag), time: -1 };
    for (const t of tied) {
      const time = Number((await g(["log", "-1", "--format=%ct", t.sha], signal)).stdout.trim());
      if (time >= best.time) best = { ...t, time };
    }
    return best;
  };

  return {
    async fetch(auth, signal) {
      const limit = AbortSignal.timeout(source.timeoutMs);
      const sig = signal ? AbortSignal.any([signal, limit]) : limit;
      try {
        await ensureRepo(sig);
        const ref = source.ref;
        const tmpRoot = path.join(options.cacheDir, ".tmp");
        await mkdir(tmpRoot, { recursive: true });
        const opened = await openAuth(auth, source.url, tmpRoot);
        try {
          let local: string;
          let chosenTag: string | undefined;
          if ("branch" in ref) {
            local = `refs/remotes/origin/${ref.branch}`;
            await fetchRefspec(opened, `+refs/heads/${ref.branch}:${local}`, sig);
          } else if ("tag" in ref) {
            local = `refs/tags/${ref.tag}`;
            await fetchRefspec(opened, `+refs/tags/${ref.tag}:${local}`, sig);
          } else if ("semver" in ref) {
            const chosen = await resolveSemver(opened, ref.semver, sig);
            local = chosen.sha;
            chosenTag = chosen.tag;
          } else if ("name" in ref) {
            // Any reference the remote advertises (refs/pull/1/head, refs/merge-requests/1/head), kept under its own name.
            local = `refs/slipway/${ref.name}`;
            await fetchRefspec(opened, `+${ref.name}:${local}`, sig);
          } else {
            local = ref.commit;
            if (!(await hasCommit(ref.commit, sig))) await fetchRefspec(opened, ref.commit, sig);
          }
          const sha = (await g(["rev-parse", "--verify", "--quiet", `${local}^{commit}`], sig)).stdout.trim();
          const shown = (await g(["show", "-s", "--format=%ct%n%B", sha], sig)).stdout;
          const nl = shown.indexOf("\n");
          return { sha, revision: formatRevision(ref, sha, chosenTag), message: shown.slice(nl + 1), committedAt: Number(shown.slice(0, nl)) * 1000 };
        } finally {
          await opened.dispose();
        }
      } catch (err) {
        if (limit.aborted && !signal?.aborted) {
          throw new SlipwayError(subject, `fetching ${describeRef(source.ref)} of ${source.url} timed out after ${source.timeoutMs / 1000}s`, { cause: err });
        }
        throwIfAborted(signal);
        throw new SlipwayError(subject, `cannot fetch ${describeRef(source.ref)} of ${source.url}`, { cause: err });
      }
    },

    async export(sha, dir, signal) {
      await mkdir(dir, { recursive: true });
      // A private index per export, so exports of one source can run side by side.
      const tmp = await mkdtemp(path.join(path.dirname(dir), ".index-"));
      const env = { GIT_INDEX_FILE: path.join(tmp, "index") };
      try {
        await g(["read-tree", sha], signal, env);
        await run(git, ["--git-dir", repo, "--work-tree", dir, "checkout-index", "--all", "--force"], { env: { ...baseEnv(), ...env }, signal });
      } catch (err) {
        throwIfAborted(signal);
        throw new SlipwayError(subject, `cannot check out ${sha}`, { cause: err });
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
    },
  };
}
