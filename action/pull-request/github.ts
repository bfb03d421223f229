/**
 * Pull requests on GitHub through the REST API: `GET /repos/{owner}/{repo}/pulls?state=open&head=
 * {owner}:{branch}&base={base}` to reuse an open one, else `POST /repos/{owner}/{repo}/pulls`.
 */
import { SlipwayError } from "../../core/errors.ts";
import type { PullRequestProvider, PullRequestRequest, PullRequestResult } from "./pull-request.ts";
import { ciUserAgent } from "../../core/well-known.ts";

/** Options for {@link createGithubPullRequests}. */
export interface GithubPullRequestOptions {
  owner: string;
  repo: string;
  /** Token with `pull-requests: write`. */
  token: string;
  /** REST API base. Default `https://api.github.com`. */
  apiUrl?: string;
  /** Each API call gives up after this long, ms. Default 30000. */
  timeoutMs?: number;
}

/** `https://github.com/o/r.git`, `git@github.com:o/r.git`, `ssh://git@host/o/r` → owner and repo. */
export function parseGithubRepo(url: string): { host: string; owner: string; repo: string } | undefined {
  const m = /^(?:https?:\/\/(?:[^@/]+@)?|ssh:\/\/(?:[^@/]+@)?|[^@/\s]+@)([^/:]+)(?::\d+)?[/:]([^/]+)\/([^/]+?)(?:\.git)?\/?$/.exec(url);
  if (!m) return undefined;
  return { host: m[1] ?? "", owner: m[2] ?? "", repo: m[3] ?? "" };
}

interface GithubPull {
  number: number;
  html_url: string;
}

/** Creates the GitHub provider. */
export function createGithubPullRequests(options: GithubPullRequestOptions): PullRequestProvider {
  const api = (options.apiUrl || "https://api.github.com").replace(/\/+$/, "");
  const subject = `pull request ${options.owner}/${options.repo}`;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const limited = (signal?: AbortSignal): AbortSignal => (signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs));
  const call = async (method: string, path: string, body: unknown, signal?: AbortSignal): Promise<{ status: number; json: unknown }> => {
    let res: Response;
    let text: string;
    try {
      res = await fetch(`${api}${path}`, {
        method,
        headers: {
          accept: "application/vnd.github+json",
          authorization: `Bearer ${options.token}`,
          "x-github-api-version": "2022-11-28",
          "user-agent": ciUserAgent,
          ...(body ? { "content-type": "application/json" } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
        signal: limited(signal),
      });
      text = await res.text();
    } catch (err) {
      signal?.throwIfAborted();
      const timedOut = err instanceof Error && err.name === "TimeoutError";
      throw new SlipwayError("input github-api-url", timedOut ? `${api} did not answer within ${timeoutMs / 1000}s` : `cannot reach ${api}`, { cause: err });
    }
    let json: unknown = undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    return { status: res.status, json };
  };
  const message = (json: unknown): string =>
    typeof json === "object" && json !== null && "message" in json ? String((json as { message: unknown }).message) : String(json ?? "");
  const findOpen = async (req: PullRequestRequest, signal?: AbortSignal): Promise<GithubPull | undefined> => {
    const q = new URLSearchParams({ state: "open", head: `${options.owner}:${req.head}`, base: req.base });
    const r = await call("GET", `/repos/${options.owner}/${options.repo}/pulls?${q}`, undefined, signal);
    if (r.status === 401 || r.status === 403) throw new SlipwayError("input github-token", `GitHub refused listing pull requests (${r.status}): ${message(r.json)}`);
    if (r.status !== 200 || !Array.isArray(r.json)) throw new SlipwayError(subject, `listing pull requests failed (${r.status}): ${message(r.json)}`);
    return (r.json as GithubPull[])[0];
  };
  return {
    open: async (req, signal): Promise<PullRequestResult> => {
      const existing = await findOpen(req, signal);
      if (existing) return { url: existing.html_url, id: String(existing.number), created: false };
      const r = await call("POST", `/repos/${options.owner}/${options.repo}/pulls`, { title: req.title, head: req.head, base: req.base, body: req.body }, signal);
      if (r.status === 201) {
        const pr = r.json as GithubPull;
        return { url: pr.html_url, id: String(pr.number), created: true };
      }
      if (r.status === 422 && /already exists/i.test(JSON.stringify(r.json))) {
        const again = await findOpen(req, signal);
        if (again) return { url: again.html_url, id: String(again.number), created: false };
      }
      if (r.status === 401 || r.status === 403) throw new SlipwayError("input github-token", `GitHub refused creating the pull request (${r.status}): ${message(r.json)}`);
      throw new SlipwayError(subject, `creating the pull request failed (${r.status}): ${message(r.json)}`);
    },
  };
}
