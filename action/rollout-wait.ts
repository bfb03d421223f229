/**
 * Waiting for the rollout of a manifest commit: polls the agent's status API
 * (`GET <agent-url>/api/v1/syncs`, bearer `agent-token`) until every sync that covers a changed
 * file reports that commit, or a later one that contains it, applied and Ready; or until one of
 * them fails on such a revision (its own reason and message come back), or the time runs out.
 *
 * A sync covers a file when it follows the manifest repository (same host and path, whatever
 * the scheme or user) at the pushed branch, and the file lies under its path. A sync that is
 * waiting for a dependency is still waited for; a suspended one fails the wait (it will not roll
 * anything out). Nothing is written anywhere: a failed rollout leaves git as it is.
 */
import { SlipwayError, errorMessage } from "../core/errors.ts";
import type { Logger } from "../core/log.ts";
import { ciUserAgent } from "../core/well-known.ts";

/** One sync as the status API lists it (the fields the wait reads). */
export interface AgentSync {
  name: string;
  suspended?: boolean;
  ready?: string;
  reason?: string;
  message?: string;
  lastAppliedRevision?: string;
  lastAttemptedRevision?: string;
  path?: string;
  repository?: { name: string; url: string; ref: Record<string, string> };
}

/** How the wait ended. */
export type RolloutResult = "healthy" | "failed" | "timeout";

/** The outcome of {@link waitForRollout}. */
export interface RolloutOutcome {
  result: RolloutResult;
  /** Seconds from the start of the wait to its end. */
  seconds: number;
  /** The syncs waited for. */
  syncs: string[];
  /** On failure or timeout: the agent's reason and message per sync (`shop: HealthCheckFailed: Deployment/shop/account: …`). */
  message: string;
}

/** Options for {@link waitForRollout}. */
export interface RolloutWaitOptions {
  /** The agent's API base URL (`https://slipway.example.com`). */
  agentUrl: string;
  /** Bearer token of the status API. */
  token?: string;
  /** The manifest repository's URL, as the CI step pushed to it. */
  repoUrl: string;
  /** The branch pushed. */
  branch: string;
  /** The manifest commit pushed. */
  commit: string;
  /** Files the commit changed, from the repository root. */
  changedFiles: readonly string[];
  /** Whether `ancestor` is `descendant` or one of its ancestors (git history of the branch). */
  contains(ancestor: string, descendant: string, signal?: AbortSignal): Promise<boolean>;
  /** Give up after this long, ms. */
  timeoutMs: number;
  /** Time between polls, ms. Default 2000. */
  intervalMs?: number;
  /** Limit of one API request, ms. Default 15000. */
  requestTimeoutMs?: number;
  log: Logger;
  signal?: AbortSignal;
}

/**
 * A repository URL reduced to `host/path` (lower-case host, no scheme, user, port of ssh, `.git`
 * or trailing slash), so that `https://github.com/acme/m.git` and `git@github.com:acme/m` match. Pure.
 */
export function repositoryKey(url: string): string {
  let u = url.trim().replace(/^codecommit::([a-z0-9-]+):\/\/(.+)$/, "git-codecommit.$1.amazonaws.com/v1/repos/$2");
  const scp = /^(?:[^@/]+@)?([^:/]+):(?!\/\/)(.+)$/.exec(u);
  if (scp && !/^[a-z][a-z0-9+.-]*:\/\//i.test(u)) u = `${scp[1]}/${scp[2]}`;
  else {
    try {
      const parsed = new URL(u);
      const port = parsed.protocol === "ssh:" ? "" : parsed.port ? `:${parsed.port}` : "";
      u = `${parsed.hostname}${port}${parsed.pathname}`;
    } catch {
      // Not a URL: compared as written.
    }
  }
  const slash = u.indexOf("/");
  const host = slash < 0 ? u : u.slice(0, slash);
  const rest = slash < 0 ? "" : u.slice(slash);
  return `${host.toLowerCase()}${rest.replace(/\/+$/, "").replace(/\.git$/, "").replace(/\/+$/, "")}`;
}

const cleanPath = (p: string): string => p.replace(/^(\.\/)+/, "").replace(/^\.$/, "").replace(/\/+$/, "");

/** Whether repository file `file` lies under sync path `syncPath`. Pure. */
export function pathCovers(syncPath: string, file: string): boolean {
  const p = cleanPath(syncPath);
  const f = cleanPath(file);
  return p === "" || f === p || f.startsWith(`${p}/`);
}

/** The syncs that follow `repoUrl` at `branch` and whose path holds one of `files`. Pure. */
export function coveringSyncs(syncs: readonly AgentSync[], repoUrl: string, branch: string, files: readonly string[]): AgentSync[] {
  const key = repositoryKey(repoUrl);
  return syncs.filter(
    (s) => s.repository && s.path !== undefined && repositoryKey(s.repository.url) === key && s.repository.ref.branch === branch && files.some((f) => pathCovers(s.path ?? "", f)),
  );
}

const shaOf = (revision: string | undefined): string | undefined => /(?:^|@)sha1:([0-9a-f]{40})$/.exec(revision ?? "")?.[1];

/** Where one sync stands with respect to the commit. */
type SyncState = { state: "healthy" } | { state: "failed"; message: string } | { state: "pending"; message: string };

async function syncState(s: AgentSync, commit: string, contains: (sha: string) => Promise<boolean>): Promise<SyncState> {
  if (s.suspended) return { state: "failed", message: `${s.name}: suspended; it will not apply ${commit.slice(0, 12)} until resumed` };
  const applied = shaOf(s.lastAppliedRevision);
  if (s.ready === "True" && applied && (await contains(applied))) return { state: "healthy" };
  const attempted = shaOf(s.lastAttemptedRevision);
  if (s.ready === "False" && s.reason !== "DependencyNotReady" && attempted && (await contains(attempted))) {
    return { state: "failed", message: `${s.name}: ${s.reason ?? "Failed"}: ${s.message ?? ""}` };
  }
  return { state: "pending", message: `${s.name}: ${s.ready === "Unknown" ? "progressing" : "not at the commit yet"} (${s.reason ?? "no status"}${s.message ? `: ${s.message}` : ""})` };
}

/** Reads the agent's syncs; a refusal or an unreachable agent is an error naming agent-url. */
export async function fetchAgentSyncs(agentUrl: string, token: string | undefined, timeoutMs: number, signal?: AbortSignal): Promise<AgentSync[]> {
  const url = `${agentUrl.replace(/\/+$/, "")}/api/v1/syncs`;
  const timeout = AbortSignal.timeout(timeoutMs);
  const headers: Record<string, string> = { accept: "application/json", "user-agent": ciUserAgent };
  if (token) headers.authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(url, { headers, signal: signal ? AbortSignal.any([signal, timeout]) : timeout, redirect: "manual" });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new SlipwayError("input agent-url", `cannot reach ${url}`, { cause: err });
  }
  const text = await res.text();
  if (res.status >= 300 && res.status < 400) throw new SlipwayError("input agent-url", `${url} answered ${res.status} (a redirect, not followed so the token stays with this URL)`);
  if (res.status === 401) throw new SlipwayError("input agent-token", `${url} refused the token (401): give the agent's SLIPWAY_API_TOKEN`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new SlipwayError("input agent-url", `${url} answered ${res.status} with a body that is not JSON; is it the agent's API?`);
  }
  const error = (body as { error?: unknown } | null)?.error;
  if (!res.ok) throw new SlipwayError("input agent-url", `${url} answered ${res.status}${typeof error === "string" ? `: ${error}` : ""}`);
  const syncs = (body as { syncs?: unknown } | null)?.syncs;
  if (!Array.isArray(syncs)) throw new SlipwayError("input agent-url", `${url}: the answer has no syncs list; is it the agent's API?`);
  return syncs.filter((s): s is AgentSync => typeof s === "object" && s !== null && typeof (s as { name?: unknown }).name === "string");
}

/** Waits as described in the module comment; never throws for a failed rollout (see `result`), only for a bad agent-url or token. */
export async function waitForRollout(options: RolloutWaitOptions): Promise<RolloutOutcome> {
  const { log, signal, commit } = options;
  const start = Date.now();
  const interval = options.intervalMs ?? 2000;
  const seconds = (): number => Math.round((Date.now() - start) / 100) / 10;
  const known = new Map<string, boolean>();
  const contains = async (sha: string): Promise<boolean> => {
    if (sha === commit) return true;
    const hit = known.get(sha);
    if (hit !== undefined) return hit;
    let yes: boolean;
    try {
      yes = await options.contains(commit, sha, signal);
    } catch (err) {
      signal?.throwIfAborted();
      log.debug(`cannot tell yet whether ${sha.slice(0, 12)} contains ${commit.slice(0, 12)}: ${errorMessage(err)}`);
      return false;
    }
    known.set(sha, yes);
    return yes;
  };
  let names: string[] = [];
  let lastPending = "";
  for (;;) {
    const syncs = await fetchAgentSyncs(options.agentUrl, options.token, options.requestTimeoutMs ?? 15_000, signal);
    const covering = coveringSyncs(syncs, options.repoUrl, options.branch, options.changedFiles);
    if (covering.length === 0) {
      const followers = syncs.filter((s) => s.repository && repositoryKey(s.repository.url) === repositoryKey(options.repoUrl)).map((s) => `${s.name} (${s.repository?.ref.branch ?? "no branch"}, ${s.path ?? "?"})`);
      const why = followers.length > 0 ? `its syncs of this repository are ${followers.join(", ")}` : `none of its ${syncs.length} syncs follows ${options.repoUrl}`;
      return { result: "failed", seconds: seconds(), syncs: [], message: `no sync of the agent applies ${options.changedFiles.join(", ")} on branch ${options.branch}: ${why}` };
    }
    names = covering.map((s) => s.name);
    const states = await Promise.all(covering.map((s) => syncState(s, commit, contains)));
    const failed = states.filter((s): s is Extract<SyncState, { state: "failed" }> => s.state === "failed");
    if (failed.length > 0) return { result: "failed", seconds: seconds(), syncs: names, message: failed.map((f) => f.message).join("; ") };
    const pending = states.filter((s): s is Extract<SyncState, { state: "pending" }> => s.state === "pending");
    if (pending.length === 0) return { result: "healthy", seconds: seconds(), syncs: names, message: "" };
    const text = pending.map((p) => p.message).join("; ");
    if (text !== lastPending) log.info(`waiting for the rollout: ${text}`);
    lastPending = text;
    if (Date.now() - start + interval > options.timeoutMs) {
      return { result: "timeout", seconds: seconds(), syncs: names, message: `not rolled out after ${Math.round(options.timeoutMs / 1000)}s: ${text}` };
    }
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, interval);
      signal?.addEventListener("abort", () => {
        clearTimeout(timer);
        reject(signal.reason as Error);
      }, { once: true });
    });
  }
}
