/**
 * Opening (or finding) the pull request that proposes a pushed branch: one interface, with a
 * GitHub (REST) and a CodeCommit (CreatePullRequest) implementation. An open pull request from
 * the same branch into the same base is reused, never duplicated.
 */

/** A pull request to open. */
export interface PullRequestRequest {
  /** Branch with the change. */
  head: string;
  /** Branch to merge into. */
  base: string;
  title: string;
  body: string;
}

/** The pull request that now proposes the change. */
export interface PullRequestResult {
  url: string;
  /** Number (GitHub) or id (CodeCommit). */
  id: string;
  /** False when an open pull request was reused. */
  created: boolean;
}

/** A place pull requests are opened. */
export interface PullRequestProvider {
  /** Opens a pull request, or returns the open one for the same head and base. */
  open(request: PullRequestRequest, signal?: AbortSignal): Promise<PullRequestResult>;
}
