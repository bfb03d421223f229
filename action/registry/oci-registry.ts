/**
 * Any OCI distribution registry through its HTTP API (`/v2/`): tags with `Link` paging,
 * manifests by tag or digest, and the registry's own auth flow — Basic, or a Bearer token from
 * the realm named by `WWW-Authenticate`. Repositories are created by the first push.
 *
 * Hand-written on purpose: the CI step needs four calls of the distribution API (list tags, get
 * and put a manifest, the token exchange) over Node's fetch. A client library would wrap the same
 * HTTP calls behind its own auth, retry and logging, around the project's AbortSignal handling,
 * retry policy and redaction of tokens, and bring more than these calls.
 */
import { SlipwayError } from "../../core/errors.ts";
import { registerSecret } from "../../core/redact.ts";
import { retry } from "../../core/retry.ts";
import { VERSION } from "../../core/version.ts";
import { MANIFEST_MEDIA_TYPES, manifestDigest } from "./image-manifest.ts";
import type { ImageManifest } from "./image-manifest.ts";
import { nextLink } from "./link-header.ts";
import { collectPages } from "./paginate.ts";
import type { RegistryClient, RegistryCredentials } from "./registry-client.ts";
import { ALL_TAGS_MUTABLE } from "./tag-mutability.ts";
import { parseWwwAuthenticate } from "./www-authenticate.ts";

/** Options for {@link createOciRegistry}. */
export interface OciRegistryOptions {
  /** Registry host with optional port, e.g. `ghcr.io` or `127.0.0.1:5000` (`docker.io` is reached at `registry-1.docker.io`). */
  host: string;
  /** User name for Basic auth or the token service. Default: anonymous. */
  username?: string;
  /** Password or token; registered as a secret. */
  password?: string;
  /** Talk plain HTTP instead of HTTPS. Default: true for loopback hosts (127.0.0.0/8, localhost, [::1]), as docker does, else false. */
  insecure?: boolean;
  /** Timeout of one HTTP request, in ms. Default 30,000. */
  timeoutMs?: number;
  /** Attempts per request on network errors, 429 and 5xx, the first included. Default 3. */
  attempts?: number;
  /** Tags asked for per page of `/tags/list` (`n`). Default 1000. */
  pageSize?: number;
  /** Most `/tags/list` pages followed before the listing fails (a registry that pages forever). Default 10,000. */
  maxTagPages?: number;
  /** Counts every HTTP request sent (token requests included), for benchmarks. */
  onRequest?: () => void;
}

/** Whether `host` (with optional port) is a loopback address, which registries serve over plain HTTP. */
export function isLoopbackHost(host: string): boolean {
  const name = host.replace(/:\d+$/, "").replace(/^\[(.*)\]$/, "$1");
  return name === "localhost" || name === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

/** An HTTP status the registry answered with; retried when 429 or 5xx. */
class RegistryHttpError extends SlipwayError {
  readonly status: number;
  constructor(subject: string, message: string, status: number) {
    super(subject, message);
    this.status = status;
  }
}

/** The `code: message` pairs of a registry error body, if it has the standard shape. */
async function registryErrors(res: Response): Promise<string> {
  const text = await res.text().catch(() => "");
  try {
    const parsed = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
    const list = (parsed.errors ?? []).map((e) => [e.code, e.message].filter(Boolean).join(": "));
    if (list.length > 0) return ` ${list.join("; ")}`;
  } catch {
    /* not JSON */
  }
  return text ? ` ${text.slice(0, 200).trim()}` : "";
}

/** Creates a RegistryClient for one OCI registry host. */
export function createOciRegistry(options: OciRegistryOptions): RegistryClient {
  const host = options.host;
  // Docker Hub's API lives on another host than the one images are named by.
  const apiHost = host === "docker.io" || host === "index.docker.io" ? "registry-1.docker.io" : host;
  const base = `${(options.insecure ?? isLoopbackHost(host)) ? "http" : "https"}://${apiHost}`;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const attempts = options.attempts ?? 3;
  const subject = `registry ${host}`;
  if (options.password) registerSecret(options.password);
  const basic = options.username !== undefined ? `Basic ${Buffer.from(`${options.username}:${options.password ?? ""}`).toString("base64")}` : undefined;
  if (basic) registerSecret(basic.slice("Basic ".length));
  /** Authorization header per scope key (`<repository>:pull` / `<repository>:push`). */
  const authorization = new Map<string, string>();

  /** Answers a 401 challenge: the Authorization header to try next. */
  async function authenticate(res: Response, what: string, signal?: AbortSignal): Promise<string> {
    const challenge = parseWwwAuthenticate(res.headers.get("www-authenticate"));
    if (!challenge || challenge.scheme === "basic") {
      if (!basic) throw new SlipwayError(subject, `${what}: the registry requires credentials and none were given`);
      return basic;
    }
    if (challenge.scheme !== "bearer" || !challenge.params.realm) {
      throw new SlipwayError(subject, `${what}: unsupported auth challenge "${challenge.scheme}"`);
    }
    const url = new URL(challenge.params.realm);
    if (challenge.params.service) url.searchParams.set("service", challenge.params.service);
    if (challenge.params.scope) for (const s of challenge.params.scope.split(" ")) url.searchParams.append("scope", s);
    const headers: Record<string, string> = { "user-agent": `slipway/${VERSION}` };
    if (basic) headers.authorization = basic;
    options.onRequest?.();
    const tokenRes = await fetch(url, { headers, signal: withTimeout(signal) });
    if (!tokenRes.ok) {
      const detail = await registryErrors(tokenRes);
      const who = options.username !== undefined ? ` for user "${options.username}"` : " anonymously";
      throw new SlipwayError(subject, `${what}: token service ${url.origin}${url.pathname} refused${who}: HTTP ${tokenRes.status}${detail}`);
    }
    const body = (await tokenRes.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new SlipwayError(subject, `${what}: token service ${url.origin}${url.pathname} returned no token`);
    registerSecret(token);
    return `Bearer ${token}`;
  }

  function withTimeout(signal?: AbortSignal): AbortSignal {
    const timeout = AbortSignal.timeout(timeoutMs);
    return signal ? AbortSignal.any([signal, timeout]) : timeout;
  }

  /**
   * One request with auth: tries the cached Authorization for `scopeKey`, answers one 401
   * challenge, and retries network errors, 429 and 5xx with backoff. Statuses in `accept` are returned.
   */
  async function request(
    method: string,
    url: string,
    scopeKey: string,
    init: { headers?: Record<string, string>; body?: string; accept: number[] },
    signal?: AbortSignal,
  ): Promise<Response> {
    const what = `${method} ${url.startsWith(base) ? url.slice(base.length) : url}`;
    return retry(
      async () => {
        let res: Response | undefined;
        for (let round = 0; round < 2; round++) {
          const headers: Record<string, string> = { "user-agent": `slipway/${VERSION}`, ...init.headers };
          const auth = authorization.get(scopeKey);
          if (auth) headers.authorization = auth;
          try {
            options.onRequest?.();
            res = await fetch(url, { method, headers, body: init.body, signal: withTimeout(signal), redirect: "follow" });
          } catch (err) {
            if (signal?.aborted) throw err;
            throw new SlipwayError(subject, `${what}: ${err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err)}`, { cause: err });
          }
          if (res.status !== 401 || round === 1) break;
          await res.body?.cancel();
          authorization.set(scopeKey, await authenticate(res, what, signal));
        }
        if (!res) throw new SlipwayError(subject, `${what}: no response`);
        if (init.accept.includes(res.status)) return res;
        const detail = await registryErrors(res);
        if (res.status === 401 || res.status === 403) {
          const who = options.username !== undefined ? `user "${options.username}"` : "anonymous access";
          throw new RegistryHttpError(subject, `${what}: HTTP ${res.status}: the registry refused ${who}${detail}`, res.status);
        }
        throw new RegistryHttpError(subject, `${what}: HTTP ${res.status}${detail}`, res.status);
      },
      {
        attempts,
        signal,
        retryable: (err) => !(err instanceof RegistryHttpError) || err.status === 429 || err.status >= 500,
      },
    );
  }

  const repoUrl = (repository: string, rest: string): string => `${base}/v2/${repository}/${rest}`;

  const registry: RegistryClient = {
    host,
    kind: "oci",

    async login(signal): Promise<RegistryCredentials | undefined> {
      const res = await request("GET", `${base}/v2/`, "", { accept: [200] }, signal);
      await res.body?.cancel();
      if (options.username === undefined) return undefined;
      return { username: options.username, password: options.password ?? "" };
    },

    async ensureRepository() {
      return "exists";
    },

    async listTags(repository, signal) {
      return collectPages<string>(
        async (cursor) => {
          const url = cursor ? new URL(cursor, base).toString() : repoUrl(repository, `tags/list?n=${options.pageSize ?? 1000}`);
          const res = await request("GET", url, `${repository}:pull`, { accept: [200, 404] }, signal);
          if (res.status === 404) {
            throw new SlipwayError(`image ${host}/${repository}`, `the registry has no such repository:${await registryErrors(res)}`);
          }
          const body = (await res.json()) as { tags?: string[] | null };
          return { items: body.tags ?? [], next: nextLink(res.headers.get("link")) };
        },
        { subject: `image ${host}/${repository}`, signal, maxPages: options.maxTagPages },
      );
    },

    async headDigest(repository, reference, signal) {
      const res = await request(
        "HEAD",
        repoUrl(repository, `manifests/${reference}`),
        `${repository}:pull`,
        { headers: { accept: MANIFEST_MEDIA_TYPES.join(", ") }, accept: [200, 404] },
        signal,
      );
      await res.body?.cancel();
      if (res.status === 404) return undefined;
      const digest = res.headers.get("docker-content-digest");
      if (digest) return digest;
      // A registry that does not send the header: the digest of the bytes it serves.
      return (await registry.getManifest(repository, reference, signal))?.digest;
    },

    async getManifest(repository, reference, signal): Promise<ImageManifest | undefined> {
      const res = await request(
        "GET",
        repoUrl(repository, `manifests/${reference}`),
        `${repository}:pull`,
        { headers: { accept: MANIFEST_MEDIA_TYPES.join(", ") }, accept: [200, 404] },
        signal,
      );
      if (res.status === 404) {
        await res.body?.cancel();
        return undefined;
      }
      const body = Buffer.from(await res.arrayBuffer()).toString("utf8");
      const mediaType = (res.headers.get("content-type") ?? "").split(";")[0]?.trim() || "application/vnd.oci.image.manifest.v1+json";
      return { body, mediaType, digest: manifestDigest(body) };
    },

    async putManifest(repository, tag, manifest, signal) {
      const res = await request(
        "PUT",
        repoUrl(repository, `manifests/${tag}`),
        `${repository}:push`,
        { headers: { "content-type": manifest.mediaType }, body: manifest.body, accept: [200, 201] },
        signal,
      );
      await res.body?.cancel();
      return "created";
    },

    async tagImmutability() {
      return ALL_TAGS_MUTABLE;
    },
  };
  return registry;
}
