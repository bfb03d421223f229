/**
 * Pull requests on CodeCommit: ListPullRequests (OPEN) + GetPullRequest to reuse one with the
 * same source and destination, else CreatePullRequest with a clientRequestToken derived from the
 * branch and commit, so a retried call cannot open a second one.
 */
import { createHash } from "node:crypto";
import { CodeCommitClient, CreatePullRequestCommand, GetPullRequestCommand, ListPullRequestsCommand, type CodeCommitClientConfig } from "@aws-sdk/client-codecommit";
import { SlipwayError } from "../../core/errors.ts";
import type { PullRequestProvider, PullRequestResult } from "./pull-request.ts";

/** Options for {@link createCodeCommitPullRequests}. */
export interface CodeCommitPullRequestOptions {
  repositoryName: string;
  region: string;
  /** API endpoint override. Default the SDK's. */
  endpoint?: string;
  /** Default the SDK's default chain. */
  credentials?: CodeCommitClientConfig["credentials"];
  /** Commit the request is for (goes into the idempotency token). */
  commit: string;
}

/** The console address of a CodeCommit pull request. */
export function codeCommitPullRequestUrl(region: string, repositoryName: string, id: string): string {
  return `https://${region}.console.aws.amazon.com/codesuite/codecommit/repositories/${encodeURIComponent(repositoryName)}/pull-requests/${id}/details?region=${region}`;
}

const ref = (branch: string): string => `refs/heads/${branch}`;

/** Creates the CodeCommit provider (standard SDK retries, 10 s to connect, 30 s of silence per request). */
export function createCodeCommitPullRequests(options: CodeCommitPullRequestOptions): PullRequestProvider {
  // A silent API fails a request after 30 s (and the SDK retries), instead of hanging the step.
  const client = new CodeCommitClient({
    region: options.region,
    endpoint: options.endpoint,
    credentials: options.credentials,
    retryMode: "standard",
    maxAttempts: 5,
    requestHandler: { connectionTimeout: 10_000, requestTimeout: 30_000, throwOnRequestTimeout: true },
  });
  const subject = `CodeCommit repository ${options.repositoryName}`;
  return {
    open: async (req, signal): Promise<PullRequestResult> => {
      try {
        let nextToken: string | undefined;
        let pages = 0;
        do {
          const page = await client.send(new ListPullRequestsCommand({ repositoryName: options.repositoryName, pullRequestStatus: "OPEN", nextToken }), { abortSignal: signal });
          for (const id of page.pullRequestIds ?? []) {
            const pr = await client.send(new GetPullRequestCommand({ pullRequestId: id }), { abortSignal: signal });
            const match = pr.pullRequest?.pullRequestTargets?.some(
              (t) => t.repositoryName === options.repositoryName && (t.sourceReference === ref(req.head) || t.sourceReference === req.head) && (t.destinationReference === ref(req.base) || t.destinationReference === req.base),
            );
            if (match) return { url: codeCommitPullRequestUrl(options.region, options.repositoryName, id), id, created: false };
          }
          nextToken = page.nextToken;
        } while (nextToken && ++pages < 20);
        const token = createHash("sha256").update(`${options.repositoryName}\0${req.head}\0${req.base}\0${options.commit}`).digest("hex").slice(0, 64);
        const created = await client.send(
          new CreatePullRequestCommand({
            title: req.title.slice(0, 150),
            description: req.body.slice(0, 10_240),
            targets: [{ repositoryName: options.repositoryName, sourceReference: req.head, destinationReference: req.base }],
            clientRequestToken: token,
          }),
          { abortSignal: signal },
        );
        const id = created.pullRequest?.pullRequestId ?? "";
        return { url: codeCommitPullRequestUrl(options.region, options.repositoryName, id), id, created: true };
      } catch (err) {
        if (err instanceof SlipwayError) throw err;
        throw new SlipwayError(subject, `pull request failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      } finally {
        client.destroy();
      }
    },
  };
}
