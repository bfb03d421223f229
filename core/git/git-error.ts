/**
 * Git failures in words a person can act on: which remote, and whether it was the credentials,
 * the network, a missing branch or something else. Pure classification of git's stderr.
 */
import { SlipwayError } from "../errors.ts";

/** Why a git command failed. */
export type GitFailure = "auth" | "unreachable" | "branch-not-found" | "repo-not-found" | "host-key" | "other";

/** A failed git command about one remote (the subject is the URL, credentials removed). */
export class GitError extends SlipwayError {
  /** The classified reason. */
  readonly reason: GitFailure;

  constructor(subject: string, reason: GitFailure, message: string, options?: { cause?: unknown }) {
    super(subject, message, options);
    this.name = "GitError";
    this.reason = reason;
  }
}

const rules: [GitFailure, RegExp, string][] = [
  ["auth", /Authentication failed|could not read (Username|Password)|terminal prompts disabled|HTTP Basic: Access denied|The requested URL returned error: 40[13]|Permission denied \(publickey|invalid credentials/i, "authentication failed (check the git credentials)"],
  ["host-key", /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No .* host key is known/i, "SSH host key not trusted (check git-ssh-known-hosts)"],
  ["branch-not-found", /Remote branch .* not found|couldn't find remote ref|invalid refspec/i, "branch does not exist on the remote"],
  ["repo-not-found", /Repository not found|does not appear to be a git repository|The requested URL returned error: 404|not found: did you run git update-server-info/i, "repository not found"],
  ["unreachable", /Could not resolve host|Connection refused|Failed to connect|Connection timed out|Could not read from remote repository|Network is unreachable|Operation timed out|Connection reset/i, "cannot reach the git server"],
];

/** Turns git's stderr into a GitError about `subject` (the redacted remote URL). */
export function classifyGitFailure(subject: string, stderr: string, cause?: unknown): GitError {
  for (const [reason, re, message] of rules) {
    if (re.test(stderr)) return new GitError(subject, reason, message, { cause });
  }
  const tail = stderr.trim().split("\n").filter(Boolean).slice(-2).join(" ") || "git failed";
  return new GitError(subject, "other", tail, { cause });
}
