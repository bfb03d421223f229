/**
 * Getting a chart from an OCI registry without a registry login on disk: the distribution API
 * directly (`/v2/<repo>/tags/list`, the manifest, the chart layer
 * `application/vnd.cncf.helm.chart.content.v1.tar+gzip`), with the registry's own challenge:
 * Basic with the repository's credentials, or a Bearer token fetched from the realm it names
 * (with those credentials when there are some). The version is the highest tag in the range
 * (Helm writes `+` as `_` in tags); the layer is checked against its digest and cached by it, so
 * a chart already pulled costs the tag list and the manifest only.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { SlipwayError, errorMessage } from "../../core/errors.ts";
import { registerSecret } from "../../core/redact.ts";
import type { ChartArchive, FetchChartOptions } from "./chart-source.ts";
import { pickVersion } from "./chart-source.ts";

const chartLayer = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";
const manifestTypes = "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";

/** Parses a `WWW-Authenticate` challenge (`Bearer realm="…",service="…",scope="…"`). Pure. */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const scheme = header.split(" ")[0]?.toLowerCase() ?? "";
  const params: Record<string, string> = {};
  for (const m of header.slice(scheme.length).matchAll(/([a-zA-Z_]+)="([^"]*)"/g)) if (m[1]) params[m[1]] = m[2] ?? "";
  return { scheme, params };
}

/** Pulls `options.chart` from the OCI repository (see the file comment). */
export async function pullOciChart(options: FetchChartOptions): Promise<ChartArchive> {
  const repo = options.repository;
  const subject = `HelmRepository/${repo.key}`;
  const [host, ...rest] = repo.url.replace(/^oci:\/\//, "").split("/");
  const repoPath = [...rest, options.chart].filter(Boolean).join("/");
  const base = `${repo.insecure ? "http" : "https"}://${host ?? ""}`;
  const creds = options.credentials;
  const basic = creds ? `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString("base64")}` : undefined;
  registerSecret(basic?.slice(6));
  let authorization: string | undefined;
  const timeout = AbortSignal.timeout(repo.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const get = async (p: string, accept?: string): Promise<Response> => {
    const url = `${base}${p}`;
    const send = (): Promise<Response> => fetch(url, { headers: { ...(accept ? { accept } : {}), ...(authorization ? { authorization } : {}) }, signal });
    try {
      let res = await send();
      if (res.status === 401 && !authorization) {
        const challenge = parseChallenge(res.headers.get("www-authenticate") ?? "");
        if (challenge.scheme === "basic" && basic) authorization = basic;
        else if (challenge.scheme === "bearer" && challenge.params.realm) {
          const q = new URLSearchParams({ ...(challenge.params.service ? { service: challenge.params.service } : {}), scope: challenge.params.scope ?? `repository:${repoPath}:pull` });
          const tr = await fetch(`${challenge.params.realm}?${q.toString()}`, { headers: basic ? { authorization: basic } : {}, signal });
          if (!tr.ok) throw new SlipwayError(subject, `${challenge.params.realm} refused a pull token (${tr.status} ${tr.statusText})`);
          const body = (await tr.json()) as { token?: string; access_token?: string };
          const token = body.token ?? body.access_token;
          if (!token) throw new SlipwayError(subject, `${challenge.params.realm} answered no token`);
          registerSecret(token);
          authorization = `Bearer ${token}`;
        }
        if (authorization) res = await send();
      }
      if (!res.ok) throw new SlipwayError(subject, `${url} answered ${res.status} ${res.statusText}`);
      return res;
    } catch (err) {
      options.signal?.throwIfAborted();
      if (err instanceof SlipwayError) throw err;
      throw new SlipwayError(subject, `cannot reach ${url}: ${timeout.aborted ? `timed out after ${repo.timeoutMs / 1000}s` : errorMessage(err)}`, { cause: err });
    }
  };
  const tags = ((await (await get(`/v2/${repoPath}/tags/list?n=1000`)).json()) as { tags?: string[] | null }).tags ?? [];
  const versions = tags.map((t) => t.replace(/_/g, "+"));
  if (versions.length === 0) throw new SlipwayError(subject, `chart "${options.chart}" not found at ${repo.url}/${options.chart} (no tags)`);
  const version = pickVersion(versions, options.version);
  if (!version) throw new SlipwayError(subject, `no version of chart "${options.chart}" satisfies "${options.version}" (versions: ${versions.slice(0, 10).join(", ")}${versions.length > 10 ? ", …" : ""})`);
  const manifest = (await (await get(`/v2/${repoPath}/manifests/${version.replace(/\+/g, "_")}`, manifestTypes)).json()) as { layers?: { mediaType?: string; digest?: string }[] };
  const digest = manifest.layers?.find((l) => l.mediaType === chartLayer)?.digest;
  if (!digest?.startsWith("sha256:")) throw new SlipwayError(subject, `${options.chart}:${version} is not a Helm chart (no ${chartLayer} layer)`);
  const hex = digest.slice(7);
  const file = path.join(options.cacheDir, `${hex}.tgz`);
  const sha = (b: Buffer): string => createHash("sha256").update(b).digest("hex");
  if (existsSync(file) && sha(await readFile(file)) === hex) return { file, name: options.chart, version, digest };
  const data = Buffer.from(await (await get(`/v2/${repoPath}/blobs/${digest}`)).arrayBuffer());
  if (sha(data) !== hex) throw new SlipwayError(subject, `${options.chart}:${version}: the chart layer does not match its digest`);
  await mkdir(options.cacheDir, { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, file);
  return { file, name: options.chart, version, digest };
}
