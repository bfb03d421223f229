/**
 * Where git credentials come from: a Kubernetes Secret named by the source's `secretRef` (read
 * through the API), or, for `--once` runs outside a cluster, a directory laid out like a mounted
 * Secret (`DIR/<secret-name>/<key>`). The Secret holds `username`+`password`, or `bearerToken`,
 * or `identity`+`known_hosts` (SSH). Values are registered with the redactor as they are read,
 * except those that are public (`username`, `known_hosts`): redacting a username such as
 * `slipway` would garble every message naming `slipway-system`.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { SlipwayError } from "../../core/errors.ts";
import { registerSecret } from "../../core/redact.ts";
import type { GitAuth } from "../../core/git/git-auth.ts";
import type { KubeClient } from "../kube/kube-client.ts";
import type { SecretRef, SourceConfig } from "../config/agent-config.ts";

/** Keys of a git credentials Secret whose values are not secret. */
const PUBLIC_KEYS = new Set(["username", "known_hosts"]);

/** Registers the secret values of Secret data with the redactor. */
function registerSecretValues(data: Record<string, string>): void {
  for (const [k, v] of Object.entries(data)) if (!PUBLIC_KEYS.has(k)) registerSecret(v);
}

/** Reads the string data of a Secret. */
export interface SecretReader {
  /** Returns the Secret's keys and decoded values; throws a SlipwayError naming `Secret/ns/name` when it cannot. */
  read(ref: SecretRef, signal?: AbortSignal): Promise<Record<string, string>>;
}

/** A reader of Secrets through the Kubernetes API. */
export function createKubeSecretReader(client: KubeClient): SecretReader {
  return {
    async read(ref, signal) {
      const subject = `Secret/${ref.namespace}/${ref.name}`;
      let res;
      try {
        res = await client.request<{ data?: Record<string, string> }>({
          method: "GET",
          path: `/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/secrets/${encodeURIComponent(ref.name)}`,
          allowNotFound: true,
          signal,
        });
      } catch (err) {
        throw new SlipwayError(subject, "cannot read the git credentials", { cause: err });
      }
      if (res.status === 404) throw new SlipwayError(subject, "not found");
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.body.data ?? {})) {
        out[k] = Buffer.from(v, "base64").toString("utf8");
      }
      registerSecretValues(out);
      return out;
    },
  };
}

/** A reader of Secrets laid out as files, `DIR/<secret-name>/<key>`, as a mounted Secret is. */
export function createDirSecretReader(dir: string): SecretReader {
  return {
    async read(ref) {
      const base = path.join(dir, ref.name);
      const subject = `Secret/${ref.namespace}/${ref.name} (${base})`;
      let names: string[];
      try {
        names = await readdir(base);
      } catch (err) {
        throw new SlipwayError(subject, "cannot read the git credentials", { cause: err });
      }
      const out: Record<string, string> = {};
      for (const n of names) {
        if (n.startsWith(".")) continue;
        out[n] = await readFile(path.join(base, n), "utf8");
      }
      registerSecretValues(out);
      return out;
    },
  };
}

/** How a source authenticates, beyond {@link GitAuth}: a bearer token header. */
export type SourceAuth = GitAuth | { kind: "bearer"; token: string };

/**
 * Turns Secret data into the way git authenticates. Pure. Throws when the Secret holds none of
 * the recognised key sets, naming the Secret and the keys it expected.
 */
export function authFromSecret(subject: string, data: Record<string, string>, url: string): SourceAuth {
  const isSsh = url.startsWith("ssh://") || /^[\w.-]+@[\w.-]+:/.test(url);
  if (isSsh) {
    const identity = data.identity;
    if (!identity) throw new SlipwayError(subject, `has no "identity" key (an SSH private key is needed for ${url})`);
    // Host keys are always checked: without known_hosts the connection would trust any server.
    if (!data.known_hosts) throw new SlipwayError(subject, `has no "known_hosts" key (the SSH host key of ${url} must be pinned)`);
    return { kind: "ssh", privateKey: identity, knownHosts: data.known_hosts };
  }
  if (data.bearerToken) return { kind: "bearer", token: data.bearerToken.trim() };
  if (data.username !== undefined && data.password !== undefined) return { kind: "basic", username: data.username.trim(), password: data.password.trim() };
  throw new SlipwayError(subject, `needs "username" and "password", or "bearerToken", for ${url} (has: ${Object.keys(data).sort().join(", ") || "nothing"})`);
}

/** What {@link createAwsCredentials} returns: credentials, cached between calls. */
export type AwsCredentials = () => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date }>;

/**
 * The AWS SDK's default chain (environment, EKS Pod Identity's container-credentials endpoint,
 * IRSA's web-identity token file through STS AssumeRoleWithWebIdentity, …), memoized: temporary
 * credentials are reused until five minutes before they expire, then fetched again, instead of on
 * every fetch of every source.
 */
export async function createAwsCredentials(): Promise<AwsCredentials> {
  // Loaded only for CodeCommit sources: the AWS SDK costs memory an agent without one should not pay.
  const { fromNodeProviderChain } = await import("@aws-sdk/credential-providers");
  const chain = fromNodeProviderChain();
  let cached: Awaited<ReturnType<AwsCredentials>> | undefined;
  let pending: Promise<Awaited<ReturnType<AwsCredentials>>> | undefined;
  return async () => {
    if (cached && (!cached.expiration || cached.expiration.getTime() - Date.now() > 5 * 60_000)) return cached;
    // The SDK's own cache may hold on to credentials this close to expiry: ask past it.
    pending ??= chain(cached ? { forceRefresh: true } : undefined).then(
      (c) => {
        registerSecret(c.secretAccessKey);
        registerSecret(c.sessionToken);
        cached = c;
        pending = undefined;
        return c;
      },
      (err: unknown) => {
        pending = undefined;
        throw err;
      },
    );
    return pending;
  };
}

let sharedAwsCredentials: Promise<AwsCredentials> | undefined;

/** Resolves how `source` authenticates: its Secret, the AWS credential chain (provider aws), or nothing. */
export async function resolveSourceAuth(source: SourceConfig, secrets: SecretReader | undefined, signal?: AbortSignal): Promise<SourceAuth> {
  if (source.provider === "aws") {
    // One chain for the process: its credentials are shared by every CodeCommit source.
    sharedAwsCredentials ??= createAwsCredentials();
    return { kind: "codecommit", credentials: await sharedAwsCredentials };
  }
  if (!source.secretRef) return { kind: "none" };
  if (!secrets) throw new SlipwayError(`sources ${source.name}`, `secretRef ${source.secretRef.name} needs the cluster or --secrets-dir`);
  const subject = `Secret/${source.secretRef.namespace}/${source.secretRef.name}`;
  return authFromSecret(subject, await secrets.read(source.secretRef, signal), source.url);
}
