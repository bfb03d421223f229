/**
 * From the CI step's inputs to git: which credentials (token, username/password, SSH key,
 * CodeCommit SigV4 from the AWS credential chain, or git's own configuration), the clone URL
 * (`codecommit::region://name` becomes HTTPS), and git failures renamed after the input a person
 * has to fix.
 */
import { fromNodeProviderChain } from "@aws-sdk/credential-providers";
import { SlipwayError } from "../../core/errors.ts";
import type { GitAuth } from "../../core/git/git-auth.ts";
import { parseCodeCommitUrl } from "../../core/git/codecommit-url.ts";
import { GitError } from "../../core/git/git-error.ts";
import { redact } from "../../core/redact.ts";
import type { Inputs } from "../inputs.ts";

/** The git side of the inputs, resolved. */
export interface GitTarget {
  /** URL git clones. */
  url: string;
  auth: GitAuth;
  /** The input that holds the credentials, for error messages. */
  credentialInput: string;
}

/** Resolves the manifest repository URL and credentials from the inputs. */
export function gitTargetFromInputs(i: Inputs): GitTarget {
  const cc = parseCodeCommitUrl(i.manifestRepo);
  const url = cc ? cc.url : i.manifestRepo;
  if (i.gitSshKey) {
    return { url, auth: { kind: "ssh", privateKey: i.gitSshKey, knownHosts: i.gitSshKnownHosts || undefined }, credentialInput: "git-ssh-key" };
  }
  if (i.gitToken) return { url, auth: { kind: "basic", username: i.gitUsername || "x-access-token", password: i.gitToken }, credentialInput: "git-token" };
  if (i.gitPassword) {
    if (!i.gitUsername) throw new SlipwayError("input git-username", "is required with git-password");
    return { url, auth: { kind: "basic", username: i.gitUsername, password: i.gitPassword }, credentialInput: "git-password" };
  }
  if (i.codecommit === "true" || (i.codecommit === "auto" && cc)) {
    if (!/^https:\/\//.test(url)) throw new SlipwayError("input codecommit", `CodeCommit signing needs an HTTPS URL, got ${redact(url)}`);
    const region = i.awsRegion || cc?.region;
    const chain = fromNodeProviderChain();
    return { url, auth: { kind: "codecommit", credentials: () => chain(), region }, credentialInput: "codecommit" };
  }
  return { url, auth: { kind: "none" }, credentialInput: "git-token" };
}

/** Renames a GitError after the input to fix; other errors pass through. */
export function gitErrorForInputs(err: unknown, target: GitTarget): unknown {
  if (!(err instanceof GitError)) return err;
  const where = redact(target.url);
  switch (err.reason) {
    case "auth":
      return new SlipwayError(`input ${target.credentialInput}`, `git authentication failed at ${where}`, { cause: err });
    case "host-key":
      return new SlipwayError("input git-ssh-known-hosts", `the SSH host key of ${where} is not trusted`, { cause: err });
    case "branch-not-found":
      return new SlipwayError("input manifest-branch", `${err.message.replace(/^[^:]*: /, "")} in ${where}`, { cause: err });
    case "repo-not-found":
      return new SlipwayError("input manifest-repo", `repository not found at ${where}`, { cause: err });
    case "unreachable":
      return new SlipwayError("input manifest-repo", `cannot reach ${where}`, { cause: err });
    default:
      return new SlipwayError("input manifest-repo", err.message, { cause: err });
  }
}
