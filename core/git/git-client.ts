/**
 * Git behind a small interface, over the git CLI (through core/exec.ts, so GIT_* variables reach
 * git; simple-git strips them). Built for CI: shallow, single-branch, blob-less and sparse clones,
 * fetch + hard reset to the remote head, commits with an explicit author, pushes that report a
 * lost race instead of forcing, and ls-remote. Credentials come from {@link GitAuth}.
 */
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "../log.ts";
import { run, type RunResult } from "../exec.ts";
import { redact } from "../redact.ts";
import { SlipwayError, throwIfAborted } from "../errors.ts";
import { GIT_SAFETY_ARGS, gitConfigEnv, prepareGitAuth, type GitAuth, type PreparedGitAuth } from "./git-auth.ts";
import { classifyGitFailure, GitError } from "./git-error.ts";
import { parsePushOutput, type PushResult } from "./push-result.ts";

/** Options for {@link GitClient.clone}. */
export interface CloneOptions {
  url: string;
  /** Branch to check out. Default: the remote's default branch (its HEAD). */
  branch?: string;
  /** Directory to clone into (created; must be empty). */
  dir: string;
  /** History depth; 0 = full history. Default 1. */
  depth?: number;
  /** Skip blobs until a checkout needs them (`--filter=blob:none`). Default true. */
  blobless?: boolean;
  /** Directories to check out (cone-mode sparse checkout); empty or `.` = everything. Default all. */
  sparse?: string[];
  /** Leave the work tree empty (use {@link GitCheckout.checkoutOnly} next). Default false. */
  noCheckout?: boolean;
}

/** Commit author (also used as committer). */
export interface GitAuthor {
  name: string;
  email: string;
}

/** One path that differs between two commits, as `git diff-tree -r` reports it. */
export interface TreeChange {
  /** `A` added, `D` deleted, `M` modified, `T` type changed (renames are an add and a delete). */
  status: string;
  /** From the repository root. */
  path: string;
  /** Mode before, e.g. `100644`; `000000` when added. */
  oldMode: string;
  /** Mode after; `000000` when deleted. */
  newMode: string;
  /** Blob before; all zeros when added. */
  oldBlob: string;
  /** Blob after; all zeros when deleted. */
  newBlob: string;
}

/** A file that {@link GitCheckout.commitFiles} writes into the parent's tree. */
export interface CommitFile {
  /** From the repository root. */
  path: string;
  content: string | Buffer;
  /** Git file mode. Default `100644`. */
  mode?: "100644" | "100755";
}

/** A working copy cloned by a {@link GitClient}. */
export interface GitCheckout {
  readonly dir: string;
  readonly url: string;
  /** The branch that was cloned. */
  readonly branch: string;
  /** The commit HEAD points at. */
  head(signal?: AbortSignal): Promise<string>;
  /** Fetches `branch` (shallow when the clone is) and returns the remote head commit. */
  fetch(branch: string, signal?: AbortSignal): Promise<string>;
  /**
   * Fetches `branch` with up to `depth` commits of history (default 50); undefined when the
   * remote has no such branch.
   */
  fetchIfExists(branch: string, options?: { depth?: number }, signal?: AbortSignal): Promise<string | undefined>;
  /**
   * Files of `rev` (paths from the repository root) under `pathspecs` that contain any of the
   * fixed strings, found by `git grep` in the object store without a checkout.
   */
  grep(rev: string, strings: string[], pathspecs: string[], signal?: AbortSignal): Promise<string[]>;
  /** Makes the work tree hold exactly `files` of `rev` (non-cone sparse checkout), moving HEAD to `rev`. */
  checkoutOnly(rev: string, files: string[], signal?: AbortSignal): Promise<void>;
  /** Whether `path` (a file or directory, from the root) exists in `rev`. */
  exists(rev: string, path: string, signal?: AbortSignal): Promise<boolean>;
  /** Whether commit `ancestor` is `descendant` or one of its fetched ancestors. */
  isAncestor(ancestor: string, descendant: string, signal?: AbortSignal): Promise<boolean>;
  /** Resets the index and work tree to `ref` (e.g. `refs/remotes/origin/main`), dropping local commits. */
  resetHard(ref: string, signal?: AbortSignal): Promise<void>;
  /** The paths whose blob or mode differ between commits `from` and `to` (both fetched), recursively. */
  changes(from: string, to: string, signal?: AbortSignal): Promise<TreeChange[]>;
  /**
   * The contents of objects named by id or `rev:path`, read by one `git cat-file --batch`; names
   * that are missing (or hold a newline, which the batch cannot take) are absent from the map.
   */
  readBlobs(names: string[], signal?: AbortSignal): Promise<Map<string, Buffer>>;
  /**
   * Writes a commit whose parent is `parent` and whose tree is the parent's with `files`
   * replaced, without touching the index, the work tree or HEAD (one `git fast-import`), and
   * returns its id. The message is cleaned as `git commit` cleans it (trailing whitespace and
   * surrounding blank lines dropped, runs of blank lines collapsed); author and committer are
   * `author`, dated now; no hooks run and nothing is signed.
   */
  commitFiles(options: { parent: string; files: CommitFile[]; message: string; author: GitAuthor }, signal?: AbortSignal): Promise<string>;
  /** Stages `files` (paths relative to the work tree) and commits; undefined when nothing changed. */
  commit(options: { files: string[]; message: string; author: GitAuthor }, signal?: AbortSignal): Promise<string | undefined>;
  /**
   * Pushes `rev` (default HEAD) to `refs/heads/<branch>`. Never forces unless `force` is set; with `lease`, the
   * push may replace the branch only while it still points at that commit ("" = only while it
   * does not exist): a compare-and-swap. A push that lost a race comes back as `rejected` (not
   * thrown), other failures throw a GitError.
   */
  push(options: { branch: string; rev?: string; force?: boolean; lease?: string }, signal?: AbortSignal): Promise<PushResult>;
}

/** Clone, ls-remote, and the auth material they share. */
export interface GitClient {
  clone(options: CloneOptions, signal?: AbortSignal): Promise<GitCheckout>;
  /** The commit each remote branch points at (`refs/heads/` stripped); missing branches are absent. */
  lsRemote(url: string, branches: string[], signal?: AbortSignal): Promise<Map<string, string>>;
  /** Removes temporary auth files. */
  close(): Promise<void>;
}

/** Options for {@link createGitClient}. */
export interface GitClientOptions {
  /** How to authenticate. Default `{kind: "none"}` (git's own configuration). */
  auth?: GitAuth;
  /** Debug lines for each git command (redacted). Default: silent. */
  log?: Logger;
  /** Base environment. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** The git program. Default `git`. */
  git?: string;
  /**
   * Ends any one git command that runs longer, ms (with its `remote-http` and `ssh` children).
   * Default 600000 (10 minutes). Silent servers are cut off sooner by {@link GIT_SAFETY_ARGS}.
   */
  timeoutMs?: number;
  /** Parent of the temp directory holding the askpass helper or SSH key. Default the OS temp dir. */
  tmpRoot?: string;
}

const anyExitCode = Array.from({ length: 256 }, (_, i) => i);

/** Creates a git client; call `close()` when done to remove temporary credential files. */
export async function createGitClient(options: GitClientOptions = {}): Promise<GitClient> {
  const auth: PreparedGitAuth = await prepareGitAuth(options.auth ?? { kind: "none" }, options.tmpRoot);
  const timeoutMs = options.timeoutMs ?? 600_000;
  const gitProgram = options.git ?? "git";
  const baseEnv = options.env ?? process.env;

  /** Runs git; on a non-zero exit throws a classified GitError about `remote`. */
  const git = async (
    args: string[],
    call: { cwd?: string; remote: string; signal?: AbortSignal; input?: string | Buffer; allowFail?: boolean; env?: Record<string, string> },
  ): Promise<RunResult> => {
    throwIfAborted(call.signal);
    const a = await auth.forCall(call.remote, call.signal);
    const env: NodeJS.ProcessEnv = { ...baseEnv, ...call.env, ...a.env, ...gitConfigEnv(baseEnv, a.config), LC_ALL: "C", GIT_TERMINAL_PROMPT: "0" };
    // maintenance.auto=false: fetch and commit would each start `git maintenance run --auto`, one
    // more process per call in the retry loop, for a clone that lives one run.
    const argv = [...a.configArgs, ...GIT_SAFETY_ARGS, "-c", "advice.detachedHead=false", "-c", "maintenance.auto=false", ...args];
    options.log?.debug(`git ${args.join(" ")}`, { cwd: call.cwd });
    const r = await run(gitProgram, argv, { cwd: call.cwd, env, signal: call.signal, input: call.input, okCodes: anyExitCode, timeoutMs });
    if (r.code !== 0 && !call.allowFail) {
      throw classifyGitFailure(redact(call.remote), redact(r.stderr), new Error(redact(`git ${args[0] ?? ""} exited with ${r.code}: ${r.stderr.trim()}`)));
    }
    return r;
  };

  const checkout = (dir: string, url: string, branch: string, shallow: boolean, blobless: boolean): GitCheckout => ({
    dir,
    url,
    branch,
    head: async (signal) => (await git(["rev-parse", "HEAD"], { cwd: dir, remote: url, signal })).stdout.trim(),
    fetch: async (branch, signal) => {
      const args = ["fetch", "--quiet", "--no-tags"];
      if (shallow) args.push("--depth", "1");
      if (blobless) args.push("--filter=blob:none");
      args.push("origin", `+refs/heads/${branch}:refs/remotes/origin/${branch}`);
      await git(args, { cwd: dir, remote: url, signal });
      // The fetched tip from FETCH_HEAD: no second git process on the retry path of a push race.
      const fetched = /^([0-9a-f]{40,64})\t/.exec(await readFile(path.join(dir, ".git", "FETCH_HEAD"), "utf8").catch(() => ""))?.[1];
      return fetched ?? (await git(["rev-parse", `refs/remotes/origin/${branch}`], { cwd: dir, remote: url, signal })).stdout.trim();
    },
    fetchIfExists: async (branch, options, signal) => {
      const args = ["fetch", "--quiet", "--no-tags", "--depth", String(options?.depth ?? 50)];
      if (blobless) args.push("--filter=blob:none");
      args.push("origin", `+refs/heads/${branch}:refs/remotes/origin/${branch}`);
      const r = await git(args, { cwd: dir, remote: url, signal, allowFail: true });
      if (r.code !== 0) {
        if (/couldn't find remote ref/i.test(r.stderr)) return undefined;
        throw classifyGitFailure(redact(url), redact(r.stderr));
      }
      return (await git(["rev-parse", `refs/remotes/origin/${branch}`], { cwd: dir, remote: url, signal })).stdout.trim();
    },
    grep: async (rev, strings, pathspecs, signal) => {
      const args = ["grep", "-l", "-z", "-F", "--no-color", ...strings.flatMap((x) => ["-e", x]), rev, "--", ...pathspecs];
      const r = await git(args, { cwd: dir, remote: url, signal, allowFail: true });
      if (r.code > 1) throw classifyGitFailure(redact(url), redact(r.stderr));
      return r.stdout
        .split("\0")
        .filter((x) => x !== "")
        .map((x) => (x.startsWith(`${rev}:`) ? x.slice(rev.length + 1) : x));
    },
    checkoutOnly: async (rev, files, signal) => {
      const patterns = files.length > 0 ? files.map(sparsePattern) : ["/.slipway-nothing"];
      await git(["sparse-checkout", "set", "--no-cone", "--stdin"], { cwd: dir, remote: url, signal, input: patterns.join("\n") + "\n" });
      await git(["reset", "--quiet", "--hard", rev], { cwd: dir, remote: url, signal });
    },
    exists: async (rev, p, signal) => {
      const target = normalizeSparsePath(p);
      if (target === "") return true;
      const r = await git(["cat-file", "-e", `${rev}:${target}`], { cwd: dir, remote: url, signal, allowFail: true });
      return r.code === 0;
    },
    isAncestor: async (ancestor, descendant, signal) => {
      const r = await git(["merge-base", "--is-ancestor", ancestor, descendant], { cwd: dir, remote: url, signal, allowFail: true });
      if (r.code > 1) throw classifyGitFailure(redact(url), redact(r.stderr));
      return r.code === 0;
    },
    resetHard: async (ref, signal) => {
      await git(["reset", "--quiet", "--hard", ref], { cwd: dir, remote: url, signal });
    },
    commit: async ({ files, message, author }, signal) => {
      if (files.length > 0) await git(["add", "--", ...files], { cwd: dir, remote: url, signal });
      const diff = await git(["diff", "--cached", "--quiet"], { cwd: dir, remote: url, signal, allowFail: true });
      if (diff.code === 0) return undefined;
      const identity = ["-c", `user.name=${author.name}`, "-c", `user.email=${author.email}`, "-c", "commit.gpgsign=false"];
      // The explicit author wins over GIT_AUTHOR_* and GIT_COMMITTER_* in the runner's environment, as in commitFiles.
      const identityEnv = { GIT_AUTHOR_NAME: author.name, GIT_AUTHOR_EMAIL: author.email, GIT_COMMITTER_NAME: author.name, GIT_COMMITTER_EMAIL: author.email };
      await git([...identity, "commit", "--quiet", "--no-verify", "-F", "-"], { cwd: dir, remote: url, signal, input: message, env: identityEnv });
      return (await git(["rev-parse", "HEAD"], { cwd: dir, remote: url, signal })).stdout.trim();
    },
    changes: async (from, to, signal) => {
      const r = await git(["diff-tree", "-r", "-z", "--no-renames", "--no-commit-id", from, to], { cwd: dir, remote: url, signal });
      return parseDiffTree(r.stdout);
    },
    readBlobs: async (names, signal) => {
      const asked = [...new Set(names)].filter((n) => !n.includes("\n"));
      const out = new Map<string, Buffer>();
      if (asked.length === 0) return out;
      const r = await git(["cat-file", "--batch"], { cwd: dir, remote: url, signal, input: asked.map((n) => `${n}\n`).join("") });
      const bytes = r.stdoutBytes;
      let at = 0;
      for (const name of asked) {
        const eol = bytes.indexOf(0x0a, at);
        if (eol < 0) throw new GitError(redact(url), "other", `git cat-file --batch ended early, at ${name}`);
        const header = bytes.subarray(at, eol).toString("utf8");
        at = eol + 1;
        const m = /^[0-9a-f]{40,64} (\S+) (\d+)$/.exec(header);
        if (!m) continue; // "<name> missing" (or ambiguous): nothing follows
        const size = Number(m[2]);
        if (m[1] === "blob") out.set(name, Buffer.from(bytes.subarray(at, at + size)));
        at += size + 1;
      }
      return out;
    },
    commitFiles: async ({ parent, files, message, author }, signal) => {
      const ident = `${identPart(author.name)} <${identPart(author.email)}> now`;
      const text = cleanupCommitMessage(message);
      if (text === "") throw new SlipwayError("commit message", "is empty (after whitespace cleanup); nothing was committed");
      const chunks: Buffer[] = [Buffer.from(`commit refs/slipway/commit\nmark :1\nauthor ${ident}\ncommitter ${ident}\n${dataHeader(text)}${text}\nfrom ${parent}\n`)];
      for (const f of files) {
        const content = typeof f.content === "string" ? Buffer.from(f.content, "utf8") : f.content;
        chunks.push(Buffer.from(`M ${f.mode ?? "100644"} inline ${fastImportPath(normalizeSparsePath(f.path))}\ndata ${content.length}\n`), content, Buffer.from("\n"));
      }
      chunks.push(Buffer.from("get-mark :1\ndone\n"));
      // --force: the private ref moves to each new commit, fast-forward or not.
      const r = await git(["fast-import", "--quiet", "--force", "--done", "--date-format=now"], { cwd: dir, remote: url, signal, input: Buffer.concat(chunks) });
      const sha = r.stdout.trim();
      if (!/^[0-9a-f]{40,64}$/.test(sha)) throw new GitError(redact(url), "other", `git fast-import printed no commit id (${redact(r.stdout.trim() || r.stderr.trim())})`);
      return sha;
    },
    push: async ({ branch, rev, force, lease }, signal) => {
      const ref = `refs/heads/${branch}`;
      const leaseArgs = lease !== undefined ? [`--force-with-lease=${ref}:${lease}`] : [];
      const r = await git(["push", "--porcelain", ...leaseArgs, "origin", `${force ? "+" : ""}${rev ?? "HEAD"}:${ref}`], {
        cwd: dir,
        remote: url,
        signal,
        allowFail: true,
      });
      const result = parsePushOutput(r.stdout, r.stderr, ref);
      if (result.status === "failed") {
        const err = classifyGitFailure(redact(url), redact(r.stderr));
        throw err.reason === "other" ? new GitError(redact(url), "other", `push to ${branch} refused: ${redact(result.detail)}`) : err;
      }
      return result;
    },
  });

  return {
    clone: async (o, signal) => {
      const depth = o.depth ?? 1;
      const blobless = o.blobless ?? true;
      const sparse = (o.sparse ?? []).map(normalizeSparsePath).filter((p) => p !== "");
      await mkdir(o.dir, { recursive: true });
      const args = ["clone", "--quiet", "--no-checkout", "--single-branch", "--no-tags"];
      if (o.branch) args.push("--branch", o.branch);
      if (depth > 0) args.push("--depth", String(depth));
      if (blobless) args.push("--filter=blob:none");
      args.push("--", o.url, o.dir);
      try {
        await git(args, { remote: o.url, signal });
      } catch (err) {
        if (err instanceof GitError && err.reason === "branch-not-found") {
          throw new GitError(err.subject, err.reason, `branch ${o.branch ?? "(default)"} does not exist`, { cause: err });
        }
        throw err;
      }
      if (sparse.length > 0) await git(["sparse-checkout", "set", "--cone", "--", ...sparse], { cwd: o.dir, remote: o.url, signal });
      const branch = o.branch ?? (await git(["symbolic-ref", "--short", "HEAD"], { cwd: o.dir, remote: o.url, signal })).stdout.trim();
      if (!o.noCheckout) await git(["checkout", "--quiet", branch], { cwd: o.dir, remote: o.url, signal });
      return checkout(o.dir, o.url, branch, depth > 0, blobless);
    },
    lsRemote: async (url, branches, signal) => {
      const r = await git(["ls-remote", "--heads", "--", url, ...branches.map((b) => `refs/heads/${b}`)], { remote: url, signal });
      const out = new Map<string, string>();
      for (const line of r.stdout.split("\n")) {
        const [sha, ref] = line.split("\t");
        if (sha && ref?.startsWith("refs/heads/")) out.set(ref.slice("refs/heads/".length), sha);
      }
      return out;
    },
    close: () => auth.dispose(),
  };
}

/** `./clusters/eks/` → `clusters/eks`; the repository root → "". */
export function normalizeSparsePath(p: string): string {
  return p
    .replace(/\\/g, "/")
    .split("/")
    .filter((s) => s !== "" && s !== ".")
    .join("/");
}

/** A non-cone sparse-checkout pattern matching exactly one file (gitignore syntax, anchored, escaped). */
export function sparsePattern(file: string): string {
  return "/" + normalizeSparsePath(file).replace(/[\\*?[\]!#]/g, (c) => `\\${c}`).replace(/ $/, "\\ ");
}

/** Parses `git diff-tree -r -z` output: `:oldmode newmode oldsha newsha status NUL path NUL`… */
export function parseDiffTree(out: string): TreeChange[] {
  const fields = out.split("\0");
  const changes: TreeChange[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const m = /^:(\d{6}) (\d{6}) ([0-9a-f]+) ([0-9a-f]+) ([A-Z])\d*$/.exec(fields[i] ?? "");
    if (!m) continue;
    changes.push({ oldMode: m[1]!, newMode: m[2]!, oldBlob: m[3]!, newBlob: m[4]!, status: m[5]!, path: fields[i + 1] ?? "" });
  }
  return changes;
}

/**
 * A commit message as `git commit -F` stores it (cleanup mode `whitespace`): trailing
 * whitespace cut from every line, leading and trailing blank lines dropped, runs of blank lines
 * made one, a final newline.
 */
export function cleanupCommitMessage(message: string): string {
  const out: string[] = [];
  for (const raw of message.split("\n")) {
    const line = raw.replace(/[ \t\r\v\f]+$/, "");
    if (line === "" && (out.length === 0 || out[out.length - 1] === "")) continue;
    out.push(line);
  }
  while (out.length > 0 && out[out.length - 1] === "") out.pop();
  return out.length > 0 ? `${out.join("\n")}\n` : "";
}

/** A name or email for a fast-import ident line: `<`, `>` and line breaks removed, as git does. */
function identPart(s: string): string {
  return s.replace(/[<>\r\n]/g, "").trim();
}

/** fast-import's `data <bytes>` line. */
function dataHeader(text: string): string {
  return `data ${Buffer.byteLength(text, "utf8")}\n`;
}

/** A path for fast-import's `M` command: C-quoted when it starts with a quote or holds a line break. */
function fastImportPath(p: string): string {
  if (!p.startsWith('"') && !p.includes("\n")) return p;
  return `"${p.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, "\\n")}"`;
}
