/**
 * From the CI step's inputs to git: which credentials (token, username/password, SSH key,
 * CodeCommit SigV4 from the AWS credential chain, or git's own configuration), the clone URL
 * (`codecommit::region://name` becomes HTTPS), and git failures renamed after the input a person
 * has to fix.
 */
import { SlipwayError } from "../../core/errors.ts";
import type { AwsCredentialIdentity } from "@aws-sdk/types";
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
    // The AWS SDK's chain is loaded on the first signed call, not on every start of the CI step.
    let chain: ReturnType<typeof import("@aws-sdk/credential-providers").fromNodeProviderChain> | undefined;
    const credentials = async (): Promise<AwsCredentialIdentity> => (chain ??= (await import("@aws-sdk/credential-providers")).fromNodeProviderChain())();
    return { url, auth: { kind: "codecommit", credentials, region }, credentialInput: "codecommit" };
  }
  return { url, auth: { kind: "none" }, credentialInput: "git-token" };
}

/** The input a person fixes for each kind of git failure. */
const inputFor: Record<GitError["reason"], (t: GitTarget) => string> = {
  auth: (t) => t.credentialInput,
  "host-key": () => "git-ssh-known-hosts",
  "branch-not-found": () => "manifest-branch",
  "repo-not-found": () => "manifest-repo",
  unreachable: () => "manifest-repo",
  other: () => "manifest-repo",
};

/** Renames a GitError after the input to fix (`input git-token: <url>: authentication failed …`); other errors pass through. */
export function gitErrorForInputs(err: unknown, target: GitTarget): unknown {
  if (!(err instanceof GitError)) return err;
  return new SlipwayError(`input ${inputFor[err.reason](target)}`, err.message, { cause: err });
}
