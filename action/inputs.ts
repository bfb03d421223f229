/**
 * The CI step's inputs, defined once: name, description, default, parser and whether the value
 * is a secret. action.yml lists exactly these (a test checks it); the GitHub Action reads them
 * from `INPUT_<NAME>`, `slipway ci` from `--<name>` flags and, under both the CLI and CodeBuild,
 * from `SLIPWAY_<NAME>` variables. Every input is parsed and validated up front: a bad value
 * stops the run before any work, with an error that names the input.
 */
import { SlipwayError } from "../core/errors.ts";
import { credentialsInGitUrl, GIT_URL_SCHEMES, gitUrlForm, type UrlCredentials } from "../core/git/url-credentials.ts";
import { redact, registerSecret } from "../core/redact.ts";
import { fluxNamespace } from "../core/well-known.ts";
import { parseDuration } from "../core/duration.ts";

/** The definition of one input. */
export interface InputDef<T> {
  /** Kebab-case name, as in action.yml and `--flags`. */
  name: string;
  /** One sentence for action.yml and `--help`. */
  description: string;
  /** The default, as text (action.yml's `default`); "" means unset. */
  default: string;
  /** Masked and never logged. */
  secret?: boolean;
  /** Must be non-empty. */
  required?: boolean;
  /** Flag takes no value on the command line (`--dry-run`). */
  flag?: boolean;
  /** Turns the text into the value; throws a plain Error whose message follows the input name. */
  parse: (text: string) => T;
}

const text = (text: string): string => text.trim();
const secretText = (text: string): string => text;

/** `true`/`false` in the spellings the Actions toolkit accepts. */
function bool(t: string): boolean {
  if (["true", "True", "TRUE"].includes(t.trim())) return true;
  if (["false", "False", "FALSE", ""].includes(t.trim())) return false;
  throw new Error(`"${t}" is not a boolean (true or false)`);
}

function positiveInt(t: string): number {
  const n = Number(t.trim());
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new Error(`"${t}" is not a whole number from 1 to 1000`);
  return n;
}

/** A list, one item per line or comma-separated; blank items dropped. */
function list(t: string): string[] {
  return t
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** `KEY=value` lines (build arguments); the value may contain `=` and commas. */
function keyValues(t: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of t.split("\n")) {
    const s = line.trim();
    if (s === "" || s.startsWith("#")) continue;
    const eq = s.indexOf("=");
    if (eq < 1) throw new Error(`"${s}" is not KEY=value`);
    out[s.slice(0, eq).trim()] = s.slice(eq + 1);
  }
  return out;
}

function oneOf<T extends string>(...values: T[]): (t: string) => T {
  return (t) => {
    const v = t.trim() as T;
    if (!values.includes(v)) throw new Error(`"${t}" is not one of ${values.join(", ")}`);
    return v;
  };
}

/** The refusal for a URL that carries credentials; the value is never echoed. */
const CREDENTIALS_IN_URL = "must not contain credentials (user:password@ or token@); the value is not shown. Give them in the secret inputs instead";

/** The inputs to use instead of each kind of credentials in a git URL. */
const CREDENTIAL_INPUTS: Record<UrlCredentials, string> = {
  userinfo: "git-token, git-password or git-ssh-key",
  "scp-password": "git-ssh-key",
  codecommit: "CodeCommit signs from the AWS credential chain",
};

function url(t: string): string {
  const v = t.trim();
  if (v === "") return v;
  let u: URL;
  try {
    u = new URL(v);
  } catch (err) {
    throw new Error(`"${redact(v)}" is not an http(s) URL`, { cause: err });
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error(`"${redact(v)}" is not an http(s) URL (scheme ${u.protocol})`);
  if (u.username !== "" || u.password !== "" || /^[a-z]+:\/\/[^/?#]*@/i.test(v)) throw new Error(CREDENTIALS_IN_URL);
  return v;
}

/**
 * A git remote: http(s), ssh, scp-like `user@host:path`, git, file, or `codecommit::region://name`.
 * Credentials in it are refused in every form: any userinfo for http(s), git and file
 * (`https://TOKEN@host` is a token), a password for ssh (`ssh://git@host` names the account and
 * is fine).
 */
function gitUrl(t: string): string {
  const v = t.trim();
  if (v === "") return v;
  const form = gitUrlForm(v);
  if (!form || (form.form === "scheme" && !GIT_URL_SCHEMES.includes(form.scheme))) {
    throw new Error(`"${redact(v)}" is not a git URL (https://, ssh://, user@host:path, git://, file:// or codecommit::region://name)`);
  }
  const credentials = credentialsInGitUrl(v);
  if (credentials) throw new Error(`${CREDENTIALS_IN_URL} (${CREDENTIAL_INPUTS[credentials]})`);
  return v;
}

/** A directory of the manifest repository: relative, and never above the repository root. */
function repoPath(t: string): string {
  const v = t.trim();
  if (v === "") return v;
  if (v.startsWith("/") || /^[A-Za-z]:[\\/]/.test(v)) throw new Error(`"${v}" is absolute; give a path relative to the repository root (e.g. ./clusters/eks)`);
  let depth = 0;
  for (const seg of v.split(/[\\/]+/)) {
    if (seg === "..") depth--;
    else if (seg !== "" && seg !== ".") depth++;
    if (depth < 0) throw new Error(`"${v}" leaves the repository root`);
  }
  return v;
}

/** A Kubernetes namespace name (an RFC 1123 label). */
function namespaceName(t: string): string {
  const v = t.trim();
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(v)) throw new Error(`"${v}" is not a valid namespace (lower-case letters, digits and '-', at most 63, starting and ending with a letter or digit)`);
  return v;
}

/** A positive Go duration (`10m`, `1h30m`), in ms. */
function rolloutDuration(t: string): number {
  const ms = parseDuration(t);
  if (ms === undefined || ms <= 0) throw new Error(`"${t.trim()}" is not a positive duration such as 10m or 90s`);
  return ms;
}

const def = <T>(d: InputDef<T>): InputDef<T> => d;

/** Every input of the CI step, in the order action.yml lists them. */
export const INPUTS = {
  image: def({ name: "image", description: "Image repository to push, e.g. an ECR URI `123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/shop/account`, or a name with `registry` (required in mode `ci`).", default: "", parse: text }),
  registry: def({ name: "registry", description: "Registry host to prefix to `image` when it has none.", default: "", parse: text }),
  context: def({ name: "context", description: "Build context directory.", default: ".", parse: text }),
  dockerfile: def({ name: "dockerfile", description: "Dockerfile path; default `<context>/Dockerfile`.", default: "", parse: text }),
  buildArgs: def({ name: "build-args", description: "Build arguments, one `KEY=value` per line.", default: "", parse: keyValues }),
  target: def({ name: "target", description: "Build stage to stop at.", default: "", parse: text }),
  platforms: def({ name: "platforms", description: "Target platforms, comma-separated (e.g. `linux/amd64,linux/arm64`).", default: "", parse: list }),
  source: def({ name: "source", description: "With builder `none`: tag or `sha256:` digest of the image already in `image` to add the new tags to (or give `image` as `repo:tag`).", default: "", parse: text }),
  builder: def({ name: "builder", description: "`docker`, `buildah`, or `none` to tag an image that is already in the registry (`image` with its current tag) without building.", default: "docker", parse: oneOf("docker", "buildah", "none") }),
  tagFormat: def({ name: "tag-format", description: "Tag template: `{timestamp}` (UTC YYYYMMDDHHmmss), `{date}`, `{sha}`, `{short-sha}`, `{branch}`, `{build}`.", default: "{timestamp}", parse: text }),
  extraTags: def({ name: "extra-tags", description: "More tags to push for the same image, comma- or newline-separated (templates allowed).", default: "", parse: list }),
  createRepository: def({ name: "create-repository", description: "Create the ECR repository when it does not exist.", default: "false", parse: bool }),
  scanOnPush: def({ name: "scan-on-push", description: "With create-repository: enable ECR scan on push.", default: "true", parse: bool }),
  immutableTags: def({ name: "immutable-tags", description: "With create-repository: make tags immutable.", default: "false", parse: bool }),
  registryUsername: def({ name: "registry-username", description: "Username for a non-ECR registry (ECR logs in through the AWS credential chain).", default: "", parse: text }),
  registryPassword: def({ name: "registry-password", description: "Password or token for a non-ECR registry.", default: "", secret: true, parse: secretText }),
  awsRegion: def({ name: "aws-region", description: "AWS region for ECR and CodeCommit; default from the registry host, then AWS_REGION.", default: "", parse: text }),
  ecrEndpoint: def({ name: "ecr-endpoint", description: "ECR API endpoint override (private endpoints, local emulators).", default: "", parse: url }),
  manifestRepo: def({ name: "manifest-repo", description: "Git URL of the manifest repository to update; empty = build and push only.", default: "", parse: gitUrl }),
  manifestBranch: def({ name: "manifest-branch", description: "Branch to update; default the ImageUpdateAutomation's checkout branch, else the remote's default branch.", default: "", parse: text }),
  updatePath: def({ name: "update-path", description: "Directory of the manifest repository whose markers are updated; default the automation's `spec.update.path`, else the whole repository. Flux objects are read from the whole repository.", default: "", parse: repoPath }),
  policyNamespace: def({ name: "policy-namespace", description: "Namespace of policies that have none (markers `ns:name`).", default: fluxNamespace, parse: namespaceName }),
  gitToken: def({ name: "git-token", description: "Token for git over HTTPS (sent as the password of `git-username`).", default: "", secret: true, parse: secretText }),
  gitUsername: def({ name: "git-username", description: "Username for git over HTTPS; default `x-access-token` with a token.", default: "", parse: text }),
  gitPassword: def({ name: "git-password", description: "Password for git over HTTPS.", default: "", secret: true, parse: secretText }),
  gitSshKey: def({ name: "git-ssh-key", description: "Private key for git over SSH (a deploy key).", default: "", secret: true, parse: secretText }),
  gitSshKnownHosts: def({ name: "git-ssh-known-hosts", description: "known_hosts lines for the SSH server (host keys are always checked).", default: "", parse: secretText }),
  codecommit: def({ name: "codecommit", description: "Sign git requests for CodeCommit from the AWS credential chain: `auto` (by URL), `true`, `false`.", default: "auto", parse: oneOf("auto", "true", "false") }),
  gitAuthorName: def({ name: "git-author-name", description: "Commit author name; default the automation's, else `slipway`.", default: "", parse: text }),
  gitAuthorEmail: def({ name: "git-author-email", description: "Commit author email; default the automation's, else `slipway@users.noreply.invalid`.", default: "", parse: text }),
  commitMessage: def({ name: "commit-message", description: "Commit message template (Flux messageTemplate syntax); default the automation's, else `slipway: update <image> to <tag> [ci skip]`.", default: "", parse: secretText }),
  pushBranch: def({ name: "push-branch", description: "Branch to push to; default the automation's push branch, else the manifest branch.", default: "", parse: text }),
  pullRequest: def({ name: "pull-request", description: "Push to `push-branch` (default `slipway/<image name>`) and open a pull request into the manifest branch.", default: "false", parse: bool }),
  pullRequestTitle: def({ name: "pull-request-title", description: "Pull request title; default the commit message's first line.", default: "", parse: text }),
  githubToken: def({ name: "github-token", description: "Token for the GitHub pull request API; default `git-token`.", default: "", secret: true, parse: secretText }),
  githubApiUrl: def({ name: "github-api-url", description: "GitHub REST API base; default GITHUB_API_URL, else https://api.github.com.", default: "", parse: url }),
  webhookUrl: def({ name: "webhook-url", description: "After a push, POST `{revision}` here (the agent's webhook) so it syncs at once.", default: "", parse: url }),
  webhookToken: def({ name: "webhook-token", description: "HMAC secret of the agent's slipway receiver: the call to webhook-url is signed with it (X-Slipway-Signature, X-Slipway-Timestamp); the secret is never sent.", default: "", secret: true, parse: secretText }),
  notifyQueueUrl: def({ name: "notify-queue-url", description: "After a push, send `{branch, revision, commit}` to this Amazon SQS queue (the agent's sqs trigger) so it syncs at once; AWS credentials from the runner's chain.", default: "", parse: url }),
  maxAttempts: def({ name: "max-attempts", description: "Push attempts when other pipelines push to the branch at the same time.", default: "10", parse: positiveInt }),
  dryRun: def({ name: "dry-run", description: "Do everything except push the image and the commit; report the changes that would be made.", default: "false", flag: true, parse: bool }),
  waitForRollout: def({ name: "wait-for-rollout", description: "After the push, wait until the agent reports the manifest commit applied and healthy on every sync that covers the changed files (not in pull-request mode).", default: "false", parse: bool }),
  rolloutTimeout: def({ name: "rollout-timeout", description: "How long wait-for-rollout waits, a Go duration (`10m`, `90s`).", default: "10m", parse: rolloutDuration }),
  agentUrl: def({ name: "agent-url", description: "The agent's API base URL for wait-for-rollout; default the origin of webhook-url.", default: "", parse: url }),
  agentToken: def({ name: "agent-token", description: "Bearer token of the agent's status API (the agent's SLIPWAY_API_TOKEN).", default: "", secret: true, parse: secretText }),
  mode: def({ name: "mode", description: "`ci` builds and pushes `image` then updates its markers; `update` (a scheduled job) lists the tags of every ImageRepository in the manifest repository and updates every policy's markers in one commit.", default: "ci", parse: oneOf("ci", "update") }),
  policies: def({ name: "policy", description: "Mode update: only these ImagePolicies, `NS/NAME`, comma- or newline-separated; default every policy.", default: "", parse: policyList }),
  policySelector: def({ name: "policy-selector", description: "Mode update: only ImagePolicies whose labels match this selector (`key=value`, `key!=value`, `key`, `!key`, comma-separated).", default: "", parse: labelSelector }),
  registrySecrets: def({ name: "registry-secrets", description: "Mode update: a YAML file of `kubernetes.io/dockerconfigjson` Secrets (`kubectl get secret -o yaml`) that ImageRepositories' `secretRef`s name.", default: "", parse: text }),
  registryConcurrency: def({ name: "registry-concurrency", description: "Mode update: registries listed at once.", default: "8", parse: positiveInt }),
};

/** `NS/NAME` items; each checked. */
function policyList(t: string): string[] {
  const items = list(t);
  for (const p of items) if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(p)) throw new Error(`"${p}" is not NS/NAME`);
  return items;
}

/** One requirement of a label selector. */
export interface LabelRequirement {
  key: string;
  op: "=" | "!=" | "exists" | "!exists";
  value?: string;
}

/** An equality-based label selector (`a=b,c!=d,e,!f`; `==` reads as `=`). */
function labelSelector(t: string): LabelRequirement[] {
  return t
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map((s): LabelRequirement => {
      const m = /^(!?)([A-Za-z0-9][-A-Za-z0-9_./]*)(?:\s*(==|=|!=)\s*([-A-Za-z0-9_.]*))?$/.exec(s);
      if (!m || !m[2] || (m[1] && m[3])) throw new Error(`"${s}" is not key=value, key!=value, key or !key`);
      if (!m[3]) return { key: m[2], op: m[1] ? "!exists" : "exists" };
      return { key: m[2], op: m[3] === "!=" ? "!=" : "=", value: m[4] ?? "" };
    });
}

/** Whether `labels` satisfy every requirement of a selector. */
export function matchesSelector(labels: Readonly<Record<string, string>> | undefined, selector: readonly LabelRequirement[]): boolean {
  const l = labels ?? {};
  return selector.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    if (r.op === "exists") return has;
    if (r.op === "!exists") return !has;
    if (r.op === "=") return has && l[r.key] === r.value;
    return !has || l[r.key] !== r.value;
  });
}

/** The parsed value of every input, by camel-case key. */
export type Inputs = { [K in keyof typeof INPUTS]: ReturnType<(typeof INPUTS)[K]["parse"]> };

/** The keys of {@link INPUTS}. */
export type InputKey = keyof typeof INPUTS;

/** Reads the raw text of an input by its kebab-case name; undefined or "" = not given. */
export type InputSource = (name: string) => string | undefined;

/** The `SLIPWAY_<NAME>` variable of an input (`manifest-repo` → `SLIPWAY_MANIFEST_REPO`). */
export function envVarName(name: string): string {
  return `SLIPWAY_${name.toUpperCase().replace(/-/g, "_")}`;
}

/** An input source over `SLIPWAY_<NAME>` environment variables (CodeBuild, any CI). */
export function envInputSource(env: NodeJS.ProcessEnv): InputSource {
  return (name) => env[envVarName(name)];
}

/** Reads from `first`, falling back to `second` for inputs `first` does not give. */
export function layeredInputSource(first: InputSource, second: InputSource): InputSource {
  return (name) => {
    const v = first(name);
    return v !== undefined && v !== "" ? v : second(name);
  };
}

/**
 * Warnings for secret inputs given on the command line (`--git-token X`): other users of the
 * machine can read a process's arguments. `given` holds the input names that came from flags.
 */
export function secretFlagWarnings(given: readonly string[]): string[] {
  return (Object.values(INPUTS) as InputDef<unknown>[])
    .filter((d) => d.secret && given.includes(d.name))
    .map((d) => `warning: --${d.name} is visible to every user of this machine in the process list; set ${envVarName(d.name)} in the environment instead`);
}

/**
 * Parses every input from `source`, applying defaults, and registers secret values with the
 * redactor (and `onSecret`, e.g. `core.setSecret`). Throws a SlipwayError `input <name>: …` for
 * the first invalid or missing input, and for combinations that cannot work.
 */
export function parseInputs(source: InputSource, onSecret?: (value: string) => void): Inputs {
  const out: Record<string, unknown> = {};
  for (const [key, d] of Object.entries(INPUTS) as [InputKey, InputDef<unknown>][]) {
    const raw = source(d.name);
    const given = raw !== undefined && raw !== "" ? raw : d.default;
    if (d.secret && given.trim() !== "") {
      registerSecret(given);
      registerSecret(given.trim());
      onSecret?.(given);
      // The runner masks a multi-line secret only as a whole: mask each line of a key too.
      if (given.includes("\n")) for (const line of given.split(/\r?\n/)) if (line.trim().length >= 16) onSecret?.(line.trim());
    }
    if (d.required && given.trim() === "") throw new SlipwayError(`input ${d.name}`, "is required");
    try {
      out[key] = d.parse(given);
    } catch (err) {
      throw new SlipwayError(`input ${d.name}`, err instanceof Error ? err.message : String(err), { cause: err });
    }
  }
  const inputs = out as Inputs;
  checkCombinations(inputs);
  return inputs;
}

/** Rejects combinations of inputs that cannot work together. */
function checkCombinations(i: Inputs): void {
  if (i.mode === "ci" && i.image === "") throw new SlipwayError("input image", "is required");
  if (i.mode === "update" && i.manifestRepo === "") throw new SlipwayError("input manifest-repo", "is required in mode update");
  const authKinds = [i.gitToken !== "" || i.gitPassword !== "" ? "token/password" : "", i.gitSshKey !== "" ? "ssh key" : "", i.codecommit === "true" ? "codecommit" : ""].filter(Boolean);
  if (authKinds.length > 1) throw new SlipwayError("input git-ssh-key", `conflicts with ${authKinds.filter((k) => k !== "ssh key").join(", ")}: give one kind of git credentials`);
  if (i.gitToken !== "" && i.gitPassword !== "") throw new SlipwayError("input git-password", "conflicts with git-token: give one");
  if (i.gitSshKey !== "" && !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(i.gitSshKey)) throw new SlipwayError("input git-ssh-key", "is not a PEM/OpenSSH private key");
  if (i.pullRequest && i.manifestRepo === "") throw new SlipwayError("input pull-request", "needs manifest-repo");
  if (i.pullRequest && i.pushBranch !== "" && i.pushBranch === i.manifestBranch) {
    throw new SlipwayError("input push-branch", "must differ from manifest-branch in pull-request mode");
  }
  for (const [name, branch] of [["manifest-branch", i.manifestBranch], ["push-branch", i.pushBranch]] as const) {
    if (branch !== "" && (!/^[A-Za-z0-9._/-]+$/.test(branch) || branch.includes("..") || branch.startsWith("-") || branch.endsWith("/") || branch.endsWith(".lock"))) {
      throw new SlipwayError(`input ${name}`, `"${branch}" is not a valid branch name`);
    }
  }
  if (i.webhookToken !== "" && i.webhookUrl === "") throw new SlipwayError("input webhook-token", "needs webhook-url");
  if (i.waitForRollout && i.manifestRepo === "") throw new SlipwayError("input wait-for-rollout", "needs manifest-repo");
  if (i.waitForRollout && i.agentUrl === "" && i.webhookUrl === "") throw new SlipwayError("input wait-for-rollout", "needs agent-url (or webhook-url, whose origin it defaults to)");
}
