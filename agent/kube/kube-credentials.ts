/**
 * Where the API server is and how to prove who we are: loaded from a kubeconfig file or from the
 * pod's service account (in-cluster). Client certificates, bearer tokens (inline or file, re-read
 * as they rotate) and basic auth are read here directly; users that need an exec plugin or an
 * auth-provider are handed to @kubernetes/client-node's KubeConfig, imported only then (it costs
 * ~80 MiB of memory, which the agent's in-cluster path never pays) and never bundled: a bundled
 * binary that meets an exec plugin needs the package in node_modules next to it.
 */
import { readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { parse } from "yaml";
import { SlipwayError } from "../../core/errors.ts";
import { registerSecret } from "../../core/redact.ts";

/** What a client needs to talk to one API server. */
export interface KubeCredentials {
  /** Server base URL, e.g. `https://127.0.0.1:6443` (a path prefix is kept). */
  server: string;
  /** TLS material for the connection. */
  tls: { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized: boolean; servername?: string };
  /** Headers that authenticate a request (Authorization, Impersonate-User); cached, refreshed as tokens rotate. */
  headers(signal?: AbortSignal): Promise<Record<string, string>>;
  /** Where these came from, for messages: `kubeconfig /path (context x)` or `in-cluster service account`. */
  source: string;
}

/** Options for {@link loadKubeCredentials}. */
export interface LoadCredentialsOptions {
  /** Kubeconfig file. Default: `$KUBECONFIG` (first entry), else `~/.kube/config`, else in-cluster. */
  kubeconfig?: string;
  /** Context to use. Default: the kubeconfig's current-context. */
  context?: string;
  /** Use the pod's service account even when a kubeconfig exists. Default false. */
  inCluster?: boolean;
}

const saDir = "/var/run/secrets/kubernetes.io/serviceaccount";
/** How long a token read from a file is reused before it is read again, in ms. */
const tokenFileTtlMs = 60_000;

type Named<T> = { name?: string } & T;
interface KubeconfigCluster {
  server?: string;
  "certificate-authority"?: string;
  "certificate-authority-data"?: string;
  "insecure-skip-tls-verify"?: boolean;
  "tls-server-name"?: string;
  "proxy-url"?: string;
}
interface KubeconfigUser {
  "client-certificate"?: string;
  "client-certificate-data"?: string;
  "client-key"?: string;
  "client-key-data"?: string;
  token?: string;
  tokenFile?: string;
  username?: string;
  password?: string;
  as?: string;
  exec?: unknown;
  "auth-provider"?: unknown;
}
interface Kubeconfig {
  "current-context"?: string;
  clusters?: Named<{ cluster?: KubeconfigCluster }>[];
  users?: Named<{ user?: KubeconfigUser }>[];
  contexts?: Named<{ context?: { cluster?: string; user?: string; namespace?: string } }>[];
}

/** Loads credentials for the API server, from a kubeconfig or the pod's service account. */
export async function loadKubeCredentials(options: LoadCredentialsOptions = {}): Promise<KubeCredentials> {
  const file = options.kubeconfig ?? defaultKubeconfig();
  if (options.inCluster || (!file && process.env.KUBERNETES_SERVICE_HOST)) return inCluster();
  if (!file) {
    throw new SlipwayError("kubeconfig", "no kubeconfig found ($KUBECONFIG, ~/.kube/config) and not running in a pod");
  }
  return fromKubeconfig(file, options.context);
}

function defaultKubeconfig(): string | undefined {
  const env = process.env.KUBECONFIG?.split(path.delimiter).find((p) => p !== "");
  if (env) return env;
  const home = path.join(homedir(), ".kube", "config");
  return existsSync(home) ? home : undefined;
}

async function inCluster(): Promise<KubeCredentials> {
  const host = process.env.KUBERNETES_SERVICE_HOST;
  const port = process.env.KUBERNETES_SERVICE_PORT ?? "443";
  if (!host) throw new SlipwayError("in-cluster", "KUBERNETES_SERVICE_HOST is not set: not running in a pod");
  const ca = await readFile(path.join(saDir, "ca.crt")).catch((cause: unknown) => {
    throw new SlipwayError(`${saDir}/ca.crt`, "cannot read the service account CA", { cause });
  });
  return {
    server: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
    tls: { ca, rejectUnauthorized: true },
    headers: tokenFileHeaders(path.join(saDir, "token"), {}),
    source: "in-cluster service account",
  };
}

function tokenFileHeaders(file: string, extra: Record<string, string>): (signal?: AbortSignal) => Promise<Record<string, string>> {
  let cached: { at: number; headers: Record<string, string> } | undefined;
  return async () => {
    if (cached && Date.now() - cached.at < tokenFileTtlMs) return cached.headers;
    const token = (await readFile(file, "utf8").catch((cause: unknown) => {
      throw new SlipwayError(file, "cannot read the bearer token", { cause });
    })).trim();
    registerSecret(token);
    cached = { at: Date.now(), headers: { ...extra, Authorization: `Bearer ${token}` } };
    return cached.headers;
  };
}

async function fromKubeconfig(file: string, contextName: string | undefined): Promise<KubeCredentials> {
  let config: Kubeconfig;
  try {
    config = (parse(await readFile(file, "utf8")) ?? {}) as Kubeconfig;
  } catch (cause) {
    throw new SlipwayError(file, "cannot read the kubeconfig", { cause });
  }
  const name = contextName ?? config["current-context"];
  if (!name) throw new SlipwayError(file, "no context given and no current-context set");
  const context = config.contexts?.find((c) => c.name === name)?.context;
  if (!context) throw new SlipwayError(file, `context "${name}" not found`);
  const cluster = config.clusters?.find((c) => c.name === context.cluster)?.cluster;
  if (!cluster?.server) throw new SlipwayError(file, `context "${name}": cluster "${context.cluster ?? ""}" not found or has no server`);
  if (cluster["proxy-url"]) throw new SlipwayError(file, `cluster "${context.cluster}": proxy-url is not supported`);
  const user: KubeconfigUser = config.users?.find((u) => u.name === context.user)?.user ?? {};
  const dir = path.dirname(path.resolve(file));
  const material = async (fileKey: string | undefined, data: string | undefined, what: string): Promise<Buffer | undefined> => {
    if (data) return Buffer.from(data, "base64");
    if (!fileKey) return undefined;
    const p = path.resolve(dir, fileKey);
    return readFile(p).catch((cause: unknown) => {
      throw new SlipwayError(p, `cannot read the ${what}`, { cause });
    });
  };
  const tls: KubeCredentials["tls"] = {
    ca: await material(cluster["certificate-authority"], cluster["certificate-authority-data"], "certificate authority"),
    cert: await material(user["client-certificate"], user["client-certificate-data"], "client certificate"),
    key: await material(user["client-key"], user["client-key-data"], "client key"),
    rejectUnauthorized: cluster["insecure-skip-tls-verify"] !== true,
    servername: cluster["tls-server-name"],
  };
  const source = `kubeconfig ${file} (context ${name})`;
  const extra: Record<string, string> = user.as ? { "Impersonate-User": user.as } : {};
  let headers: KubeCredentials["headers"];
  if (user.exec || user["auth-provider"]) {
    headers = await pluginHeaders(file, name);
  } else if (user.token) {
    registerSecret(user.token);
    const h = { ...extra, Authorization: `Bearer ${user.token}` };
    headers = async () => h;
  } else if (user.tokenFile) {
    headers = tokenFileHeaders(path.resolve(dir, user.tokenFile), extra);
  } else if (user.username && user.password) {
    registerSecret(user.password);
    const h = { ...extra, Authorization: `Basic ${Buffer.from(`${user.username}:${user.password}`).toString("base64")}` };
    headers = async () => h;
  } else {
    headers = async () => extra;
  }
  return { server: cluster.server.replace(/\/+$/, ""), tls, headers, source };
}

/** Exec plugins (e.g. `aws eks get-token`) and auth-providers, through the client library's KubeConfig. */
async function pluginHeaders(file: string, context: string): Promise<KubeCredentials["headers"]> {
  // A computed specifier keeps bundlers from inlining the library (18 MiB of source, ~50 MiB of
  // RSS at load) into dist/ bundles that never need it; it loads from node_modules when used.
  const library: string = "@kubernetes/client-node";
  const { KubeConfig } = (await import(library)) as typeof import("@kubernetes/client-node");
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  kc.setCurrentContext(context);
  let cached: { at: number; headers: Record<string, string> } | undefined;
  return async () => {
    // The library caches exec credentials until they expire; we only avoid asking it per request.
    if (cached && Date.now() - cached.at < 30_000) return cached.headers;
    const opts: { headers?: Record<string, string> } = {};
    await kc.applyToHTTPSOptions(opts);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.headers ?? {})) {
      if (typeof v === "string") headers[k] = v;
    }
    const auth = headers.Authorization;
    if (auth) registerSecret(auth.replace(/^Bearer\s+/, ""));
    cached = { at: Date.now(), headers };
    return headers;
  };
}
