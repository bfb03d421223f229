/**
 * How git authenticates, without a secret ever reaching a URL, an argv or a log line:
 * - `basic` (a token or a username and password): git sends them with its first request as an
 *   `Authorization` header configured only for the origin (`scheme://host[:port]`) of the remote
 *   the call is for (`http.<origin>/.extraHeader`, through `GIT_CONFIG_*` variables of the git
 *   child, never argv); should the server still ask, an askpass helper script prints values that
 *   only the git child's environment carries, and only when git asks for that origin: a server
 *   that redirects git to another origin gets nothing (and git does not follow redirects, see
 *   {@link GIT_SAFETY_ARGS});
 * - `ssh`: the private key and known_hosts are written 0600 to a private temp directory and git
 *   runs `ssh -i KEY -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes …`;
 * - `codecommit`: a fresh SigV4 password is signed from the AWS credential chain for every git
 *   invocation and handed over like `basic`;
 * - `none`: git's own configuration (credential helpers, ssh agent) is left alone.
 */
import { mkdtemp, rm, writeFile, chmod } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { AwsCredentialIdentity } from "@aws-sdk/types";
import { SlipwayError } from "../errors.ts";
import { registerSecret } from "../redact.ts";
import { signCodeCommit } from "./codecommit-sign.ts";
import { parseCodeCommitUrl } from "./codecommit-url.ts";

/** Supplies AWS credentials (the SDK's default chain in production). */
export type AwsCredentialSource = () => Promise<AwsCredentialIdentity>;

/** The ways git can authenticate. */
export type GitAuth =
  | { kind: "none" }
  | { kind: "basic"; username: string; password: string }
  | { kind: "ssh"; privateKey: string; knownHosts?: string }
  | { kind: "codecommit"; credentials: AwsCredentialSource; region?: string; now?: () => Date };

/** Environment and `-c` arguments that make one git invocation authenticate. */
export interface GitAuthCall {
  env: Record<string, string>;
  /** Arguments placed before the git subcommand (`-c key=value`). */
  configArgs: string[];
  /**
   * Git configuration that holds secrets, for `GIT_CONFIG_KEY_n`/`GIT_CONFIG_VALUE_n` after any
   * the environment already sets (see {@link gitConfigEnv}): off the command line, where `ps`
   * would show it. Default none.
   */
  config?: Record<string, string>;
}

/**
 * The environment variables that add `config` to a git call's configuration, numbered after the
 * `GIT_CONFIG_COUNT` entries `base` already has (which stay). Git before 2.31 ignores them.
 */
export function gitConfigEnv(base: NodeJS.ProcessEnv, config: Record<string, string> | undefined): Record<string, string> {
  const entries = Object.entries(config ?? {});
  if (entries.length === 0) return {};
  const have = Number(base["GIT_CONFIG_COUNT"] ?? 0);
  const first = Number.isInteger(have) && have > 0 ? have : 0;
  const out: Record<string, string> = { GIT_CONFIG_COUNT: String(first + entries.length) };
  entries.forEach(([key, value], i) => {
    out[`GIT_CONFIG_KEY_${first + i}`] = key;
    out[`GIT_CONFIG_VALUE_${first + i}`] = value;
  });
  return out;
}

/** Auth material prepared once (temp files) and turned into per-call settings. */
export interface PreparedGitAuth {
  /** Settings for a git call that talks to `remoteUrl` (CodeCommit signs here, per call). */
  forCall(remoteUrl: string, signal?: AbortSignal): Promise<GitAuthCall>;
  /** Removes the temp directory with the askpass helper and the key. */
  dispose(): Promise<void>;
}

/**
 * git runs the helper with a prompt such as `Password for 'https://user@host:8443': `. The helper
 * answers only when the prompt's origin is SLIPWAY_GIT_ORIGIN, and fails otherwise (git then
 * reports that it could not read the username or password).
 */
const askpassScript = `#!/bin/sh
url=\${1#*\\'}
url=\${url%\\'*}
scheme=\${url%%://*}
rest=\${url#*://}
authority=\${rest%%/*}
hostport=\${authority##*@}
if [ -z "$SLIPWAY_GIT_ORIGIN" ] || [ "$scheme://$hostport" != "$SLIPWAY_GIT_ORIGIN" ]; then
  echo "slipway: refusing to send credentials for $scheme://$hostport (they are for $SLIPWAY_GIT_ORIGIN only)" >&2
  exit 1
fi
case "$1" in
  [Uu]sername*) printf '%s\\n' "$SLIPWAY_GIT_USERNAME" ;;
  *) printf '%s\\n' "$SLIPWAY_GIT_PASSWORD" ;;
esac
`;

/**
 * The origin (`scheme://host[:port]`, as git writes it in its prompts: no user, no path) of a
 * remote URL, or "" when the URL is not `scheme://…` (scp-like SSH remotes). Pure.
 */
export function gitOrigin(remoteUrl: string): string {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)/.exec(remoteUrl);
  if (!m) return "";
  const authority = m[2] ?? "";
  return `${(m[1] ?? "").toLowerCase()}://${authority.slice(authority.lastIndexOf("@") + 1)}`;
}

/**
 * Settings on every git call: no redirects (git's default follows the first request's redirect
 * to any host, taking `http.extraHeader` and the askpass answers along), and a silent or slow
 * server ends the transfer (below 1 KiB/s for 60 s) instead of hanging the pipeline.
 */
export const GIT_SAFETY_ARGS: readonly string[] = ["-c", "http.followRedirects=false", "-c", "http.lowSpeedLimit=1024", "-c", "http.lowSpeedTime=60"];

/** SSH options that bound connecting (30 s) and a silent server (4 keep-alives 15 s apart). */
const SSH_TIMEOUTS = ["-o", "ConnectTimeout=30", "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=4"];

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Clears configured credential helpers so that no helper stores or overrides our credentials. */
const noHelpers = ["-c", "credential.helper="];

/**
 * Prepares `auth` for git calls: registers its secrets with the redactor and writes the askpass
 * helper or SSH key (0600, in a 0700 temp dir under `tmpRoot`, default the OS temp dir).
 */
export async function prepareGitAuth(auth: GitAuth, tmpRoot = tmpdir()): Promise<PreparedGitAuth> {
  if (auth.kind === "none") {
    return { forCall: async () => ({ env: {}, configArgs: [] }), dispose: async () => {} };
  }
  const dir = await mkdtemp(path.join(tmpRoot, "slipway-git-auth-"));
  await chmod(dir, 0o700);
  const dispose = (): Promise<void> => rm(dir, { recursive: true, force: true });
  try {
    if (auth.kind === "ssh") {
      registerSecret(auth.privateKey);
      const key = path.join(dir, "id");
      await writeFile(key, auth.privateKey.endsWith("\n") ? auth.privateKey : `${auth.privateKey}\n`, { mode: 0o600 });
      const opts = ["-i", key, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "IdentityAgent=none", ...SSH_TIMEOUTS];
      if (auth.knownHosts !== undefined) {
        const known = path.join(dir, "known_hosts");
        await writeFile(known, auth.knownHosts.endsWith("\n") ? auth.knownHosts : `${auth.knownHosts}\n`, { mode: 0o600 });
        opts.push("-o", `UserKnownHostsFile=${known}`, "-o", "StrictHostKeyChecking=yes");
      } else {
        opts.push("-o", "StrictHostKeyChecking=yes");
      }
      const command = ["ssh", ...opts].map(shellQuote).join(" ");
      return { forCall: async () => ({ env: { GIT_SSH_COMMAND: command, GIT_SSH_VARIANT: "ssh" }, configArgs: [] }), dispose };
    }
    const askpass = path.join(dir, "askpass.sh");
    await writeFile(askpass, askpassScript, { mode: 0o700 });
    const base = { GIT_ASKPASS: askpass, GIT_TERMINAL_PROMPT: "0" };
    if (auth.kind === "basic") {
      registerSecret(auth.password);
      const env = { ...base, SLIPWAY_GIT_USERNAME: auth.username, SLIPWAY_GIT_PASSWORD: auth.password };
      const basic = Buffer.from(`${auth.username}:${auth.password}`, "utf8").toString("base64");
      registerSecret(basic);
      return {
        forCall: async (remoteUrl) => {
          const origin = gitOrigin(remoteUrl);
          // The credentials in the first request to the remote's origin (only there: the key is
          // scoped to it, and redirects are not followed), as actions/checkout sends them: no
          // 401 round trip and no two askpass processes per fetch or push. The askpass helper
          // stays for a server that still asks.
          const config = /^https?:\/\//.test(origin) ? { [`http.${origin}/.extraHeader`]: `Authorization: Basic ${basic}` } : undefined;
          return { env: { ...env, SLIPWAY_GIT_ORIGIN: origin }, configArgs: noHelpers, config };
        },
        dispose,
      };
    }
    return {
      forCall: async (remoteUrl, signal) => {
        const repo = parseCodeCommitUrl(remoteUrl);
        const target = repo ?? hostAndPath(remoteUrl);
        const region = auth.region ?? repo?.region;
        if (!region) throw new SlipwayError(remoteUrl, "CodeCommit signing needs a region: set aws-region");
        let creds: AwsCredentialIdentity;
        try {
          signal?.throwIfAborted();
          creds = await auth.credentials();
        } catch (err) {
          throw new SlipwayError("codecommit", "no AWS credentials for signing git requests (checked the SDK's default chain)", { cause: err });
        }
        registerSecret(creds.secretAccessKey);
        registerSecret(creds.sessionToken);
        const signed = signCodeCommit({ ...target, region, ...creds, now: (auth.now ?? (() => new Date()))() });
        registerSecret(signed.password);
        const env = { ...base, SLIPWAY_GIT_USERNAME: signed.username, SLIPWAY_GIT_PASSWORD: signed.password, SLIPWAY_GIT_ORIGIN: gitOrigin(remoteUrl) };
        return { env, configArgs: noHelpers };
      },
      dispose,
    };
  } catch (err) {
    await dispose();
    throw err;
  }
}

/** Host (with port) and path of an HTTP(S) URL, as the signature covers them. */
function hostAndPath(url: string): { host: string; path: string } {
  try {
    const u = new URL(url);
    return { host: u.host, path: u.pathname };
  } catch (err) {
    throw new SlipwayError(url, "not an HTTPS git URL, cannot sign it for CodeCommit", { cause: err });
  }
}
