/**
 * Getting a chart: from an HTTPS repository, its `index.yaml` is read (basic auth from the
 * repository's Secret when set), the highest version that satisfies the release's range (Helm's
 * Masterminds semver rules, prereleases only when the range names one) is chosen, and its
 * archive is downloaded and checked against the index's digest; from an OCI registry, the
 * highest tag in the range (agent/helm/oci-chart.ts). Archives are cached by their sha256
 * digest (`<cacheDir>/<digest>.tgz`), so a chart is downloaded once per digest and a cached one
 * is never trusted without its digest matching. Every failure names the repository and chart.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { SlipwayError, errorMessage } from "../../core/errors.ts";
import { registerSecret } from "../../core/redact.ts";
import { parseSemverRange, satisfiesRange } from "../../core/policy/semver-range.ts";
import { compareVersions, parseLooseVersion } from "../../core/policy/semver-version.ts";
import { pullOciChart } from "./oci-chart.ts";
import type { HelmRepositorySpec } from "./helm-specs.ts";

/** A chart archive on disk and what it is. */
export interface ChartArchive {
  file: string;
  name: string;
  version: string;
  /** `sha256:<hex>` of the archive. */
  digest: string;
}

/** Credentials of a repository (from its `secretRef`, or ECR's token). */
export interface RepositoryCredentials {
  username: string;
  password: string;
}

/** Options for {@link fetchChart}. */
export interface FetchChartOptions {
  repository: HelmRepositorySpec;
  chart: string;
  /** Semver range. */
  version: string;
  credentials?: RepositoryCredentials;
  cacheDir: string;
  signal?: AbortSignal;
}

interface IndexEntry {
  version?: unknown;
  urls?: unknown;
  digest?: unknown;
}

/** Picks the highest version of `entries` in `range`; undefined when none. Pure. */
export function pickVersion(versions: readonly string[], range: string): string | undefined {
  const r = parseSemverRange(range);
  let best: { text: string; v: NonNullable<ReturnType<typeof parseLooseVersion>> } | undefined;
  for (const text of versions) {
    const v = parseLooseVersion(text);
    if (!v || !satisfiesRange(r, v)) continue;
    if (!best || compareVersions(v, best.v) > 0) best = { text, v };
  }
  return best?.text;
}

const sha256 = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

async function cached(cacheDir: string, digest: string | undefined): Promise<string | undefined> {
  if (!digest) return undefined;
  const file = path.join(cacheDir, `${digest}.tgz`);
  if (!existsSync(file)) return undefined;
  return sha256(await readFile(file)) === digest ? file : undefined;
}

async function store(cacheDir: string, data: Buffer): Promise<{ file: string; digest: string }> {
  await mkdir(cacheDir, { recursive: true });
  const digest = sha256(data);
  const file = path.join(cacheDir, `${digest}.tgz`);
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, file);
  return { file, digest };
}

async function get(url: string, subject: string, options: FetchChartOptions): Promise<Buffer> {
  const headers: Record<string, string> = {};
  if (options.credentials) {
    const basic = Buffer.from(`${options.credentials.username}:${options.credentials.password}`).toString("base64");
    registerSecret(basic);
    headers.authorization = `Basic ${basic}`;
  }
  const timeout = AbortSignal.timeout(options.repository.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let res: Response;
  try {
    res = await fetch(url, { headers, signal });
  } catch (err) {
    options.signal?.throwIfAborted();
    throw new SlipwayError(subject, `cannot reach ${url}: ${timeout.aborted ? `timed out after ${options.repository.timeoutMs / 1000}s` : errorMessage(err)}`, { cause: err });
  }
  if (!res.ok) throw new SlipwayError(subject, `${url} answered ${res.status} ${res.statusText}`);
  return Buffer.from(await res.arrayBuffer());
}

/** Gets the chart archive for a release (see the file comment). */
export async function fetchChart(options: FetchChartOptions): Promise<ChartArchive> {
  const repo = options.repository;
  const subject = `HelmRepository/${repo.key}`;
  if (repo.type === "oci") return pullOciChart(options);
  const indexUrl = `${repo.url}/index.yaml`;
  let index: { entries?: Record<string, IndexEntry[]> };
  try {
    index = (parseYaml((await get(indexUrl, subject, options)).toString("utf8")) ?? {}) as typeof index;
  } catch (err) {
    if (err instanceof SlipwayError) throw err;
    throw new SlipwayError(subject, `${indexUrl} is not a chart repository index: ${errorMessage(err)}`, { cause: err });
  }
  const entries = index.entries?.[options.chart];
  if (!Array.isArray(entries) || entries.length === 0) throw new SlipwayError(subject, `chart "${options.chart}" not found in ${indexUrl}`);
  const versions = entries.map((e) => (typeof e.version === "string" ? e.version : "")).filter(Boolean);
  let chosen: string | undefined;
  try {
    chosen = pickVersion(versions, options.version);
  } catch (err) {
    throw new SlipwayError(`chart ${options.chart}`, `spec.chart.spec.version: ${errorMessage(err)}`, { cause: err });
  }
  if (!chosen) throw new SlipwayError(subject, `no version of chart "${options.chart}" satisfies "${options.version}" (versions: ${versions.slice(0, 10).join(", ")}${versions.length > 10 ? ", …" : ""})`);
  const entry = entries.find((e) => e.version === chosen) as IndexEntry;
  const digest = typeof entry.digest === "string" ? entry.digest.replace(/^sha256:/, "") : undefined;
  const hit = await cached(options.cacheDir, digest);
  if (hit && digest) return { file: hit, name: options.chart, version: chosen, digest: `sha256:${digest}` };
  const first = Array.isArray(entry.urls) && typeof entry.urls[0] === "string" ? entry.urls[0] : undefined;
  if (!first) throw new SlipwayError(subject, `chart ${options.chart} ${chosen} has no download URL in the index`);
  const url = new URL(first, `${repo.url}/`).toString();
  const data = await get(url, subject, options);
  if (digest && sha256(data) !== digest) throw new SlipwayError(subject, `chart ${options.chart} ${chosen}: the archive's sha256 does not match the index's digest`);
  const stored = await store(options.cacheDir, data);
  return { file: stored.file, name: options.chart, version: chosen, digest: `sha256:${stored.digest}` };
}
