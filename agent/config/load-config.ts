/**
 * Reading and validating the agent's YAML configuration (normally mounted from a ConfigMap).
 * Every problem is reported at once, each as `FILE:LINE: sources[1].url: what is wrong`, and
 * nothing starts until the file is valid.
 *
 * ```yaml
 * namespace: slipway-system        # default slipway-system
 * listen: ":8080"                  # default :8080
 * logLevel: info                   # debug | info | warn | error, default info
 * sources:
 *   - name: shop
 *     url: https://github.com/acme/shop-manifests.git
 *     ref: { branch: eks }         # or { tag: v1.2.0 } or { commit: <40 hex> }
 *     interval: 1m                 # default 1m
 *     timeout: 60s                 # default 60s
 *     secretRef: { name: git-auth } # namespace defaults to the agent's
 *     provider: generic            # generic | aws (CodeCommit), default generic
 * syncs:
 *   - name: shop
 *     sourceRef: shop
 *     path: ./clusters/eks         # default ./
 *     interval: 10m                # default 10m
 *     retryInterval: 2m            # default: interval
 *     timeout: 5m                  # default interval − 30s, at least 30s
 *     prune: true                  # default true
 *     wait: true                   # default true
 *     dependsOn: [infra]           # default []
 *     targetNamespace: shop        # default unset
 *     suspend: false               # default false
 *     force: false                 # default false
 *     allowEmpty: false            # default false
 *     serviceAccountName: deployer # default unset (the agent's own account)
 * ```
 */
import { readFile } from "node:fs/promises";
import { LineCounter, parseDocument, isNode, type Document } from "yaml";
import { SlipwayError } from "../../core/errors.ts";
import type { LogLevel } from "../../core/log.ts";
import {
  configDefaults,
  defaultSyncTimeout,
  type AgentConfig,
  type SecretRef,
  type SourceConfig,
  type SourceRef,
  type SyncConfig,
} from "./agent-config.ts";
import { parseDuration } from "../../core/duration.ts";
import { findDependencyCycle } from "../reconcile/dependency-order.ts";
import { parseCodeCommitUrl } from "../../core/git/codecommit-url.ts";

/** One validation problem: where (file:line and the key path) and what. */
export interface ConfigIssue {
  /** `sources[1].url` */
  path: string;
  /** 1-based line in the file, 0 when unknown. */
  line: number;
  message: string;
}

type Path = (string | number)[];

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const logLevels: readonly string[] = ["debug", "info", "warn", "error"];
const codeCommitHost = /^git-codecommit\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;

function showPath(path: Path): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out ? `.${p}` : p;
  return out;
}

/** Whether a URL is one the agent can fetch: https/http/ssh URLs or scp-like `user@host:path`. */
export function isSupportedGitUrl(url: string): boolean {
  if (/^[\w.-]+@[\w.-]+:[^/].*/.test(url) && !url.includes("://")) return true;
  try {
    const u = new URL(url);
    return ["https:", "http:", "ssh:"].includes(u.protocol) && u.hostname !== "" && u.pathname.length > 1;
  } catch {
    return false;
  }
}

class Checker {
  readonly issues: ConfigIssue[] = [];
  private readonly doc: Document;
  private readonly lines: LineCounter;

  constructor(doc: Document, lines: LineCounter) {
    this.doc = doc;
    this.lines = lines;
  }

  lineOf(path: Path): number {
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? this.doc.contents : this.doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) return this.lines.linePos(node.range[0]).line;
    }
    return 0;
  }

  fail(path: Path, message: string): void {
    this.issues.push({ path: showPath(path), line: this.lineOf(path), message });
  }

  record(value: unknown, path: Path, allowed: readonly string[]): Record<string, unknown> | undefined {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      this.fail(path, "must be a mapping");
      return undefined;
    }
    const rec = value as Record<string, unknown>;
    for (const key of Object.keys(rec)) {
      if (!allowed.includes(key)) this.fail([...path, key], `unknown field (allowed: ${allowed.join(", ")})`);
    }
    return rec;
  }

  string(rec: Record<string, unknown>, key: string, path: Path, required: boolean, pattern?: RegExp, what?: string): string | undefined {
    const v = rec[key];
    if (v === undefined || v === null) {
      if (required) this.fail([...path, key], "is required");
      return undefined;
    }
    if (typeof v !== "string" || v === "") {
      this.fail([...path, key], "must be a non-empty string");
      return undefined;
    }
    if (pattern && !pattern.test(v)) {
      this.fail([...path, key], `"${v}" is not ${what ?? `a valid value (${pattern.source})`}`);
      return undefined;
    }
    return v;
  }

  bool(rec: Record<string, unknown>, key: string, path: Path, def: boolean): boolean {
    const v = rec[key];
    if (v === undefined || v === null) return def;
    if (typeof v !== "boolean") {
      this.fail([...path, key], "must be true or false");
      return def;
    }
    return v;
  }

  duration(rec: Record<string, unknown>, key: string, path: Path, def: number): number {
    const v = rec[key];
    if (v === undefined || v === null) return def;
    const ms = typeof v === "string" ? parseDuration(v) : undefined;
    if (ms === undefined || ms <= 0) {
      this.fail([...path, key], `"${String(v)}" is not a positive duration such as 30s, 1m or 1h30m`);
      return def;
    }
    return ms;
  }
}

function checkSource(c: Checker, value: unknown, i: number, agentNamespace: string): SourceConfig | undefined {
  const path: Path = ["sources", i];
  const rec = c.record(value, path, ["name", "url", "ref", "interval", "timeout", "secretRef", "provider"]);
  if (!rec) return undefined;
  const name = c.string(rec, "name", path, true, dnsLabel, "a lowercase DNS label");
  const provider = (c.string(rec, "provider", path, false, /^(generic|aws)$/, "generic or aws") ?? "generic") as "generic" | "aws";
  let url = c.string(rec, "url", path, true);
  const codeCommit = url ? parseCodeCommitUrl(url) : undefined;
  if (provider === "aws" && url) {
    // `codecommit::<region>://<repo>` is accepted and fetched over its HTTPS form.
    if (!codeCommit || !codeCommitHost.test(codeCommit.host)) {
      c.fail([...path, "url"], `provider aws needs a CodeCommit URL (https://git-codecommit.<region>.amazonaws.com/v1/repos/<name> or codecommit::<region>://<name>), got "${url}"`);
    } else url = codeCommit.url;
  } else if (url && !isSupportedGitUrl(url)) c.fail([...path, "url"], `"${url}" is not an https://, http://, ssh:// or user@host:path git URL`);
  let ref: SourceRef | undefined;
  const refRec = rec.ref === undefined ? undefined : c.record(rec.ref, [...path, "ref"], ["branch", "tag", "commit"]);
  if (rec.ref === undefined) c.fail([...path, "ref"], "is required: { branch: NAME } or { tag: NAME } or { commit: SHA }");
  if (refRec) {
    const keys = Object.keys(refRec).filter((k) => ["branch", "tag", "commit"].includes(k));
    if (keys.length !== 1) c.fail([...path, "ref"], "needs exactly one of branch, tag or commit");
    else {
      const key = keys[0] as "branch" | "tag" | "commit";
      const v = c.string(refRec, key, [...path, "ref"], true, key === "commit" ? /^[0-9a-f]{40}$/ : /^[^\s~^:?*[\\]+$/, key === "commit" ? "a full 40-character commit SHA" : "a valid git ref name");
      if (v) ref = key === "branch" ? { branch: v } : key === "tag" ? { tag: v } : { commit: v };
    }
  }
  let secretRef: SecretRef | undefined;
  if (rec.secretRef !== undefined) {
    const s = c.record(rec.secretRef, [...path, "secretRef"], ["name", "namespace"]);
    if (s) {
      const sName = c.string(s, "name", [...path, "secretRef"], true, dnsSubdomain, "a valid Secret name");
      const sNs = c.string(s, "namespace", [...path, "secretRef"], false, dnsLabel, "a valid namespace");
      if (sName) secretRef = { name: sName, namespace: sNs ?? agentNamespace };
    }
    if (provider === "aws") c.fail([...path, "secretRef"], "is not used with provider aws (credentials come from the AWS credential chain)");
  }
  const intervalMs = c.duration(rec, "interval", path, configDefaults.sourceIntervalMs);
  const timeoutMs = c.duration(rec, "timeout", path, configDefaults.sourceTimeoutMs);
  if (!name || !url || !ref) return undefined;
  return { name, url, ref, intervalMs, timeoutMs, provider, ...(secretRef ? { secretRef } : {}) };
}

function checkSync(c: Checker, value: unknown, i: number): SyncConfig | undefined {
  const path: Path = ["syncs", i];
  const rec = c.record(value, path, [
    "name", "sourceRef", "path", "interval", "retryInterval", "timeout", "prune", "wait", "dependsOn",
    "targetNamespace", "suspend", "force", "allowEmpty", "serviceAccountName",
  ]);
  if (!rec) return undefined;
  const name = c.string(rec, "name", path, true, /^[a-z0-9]([-a-z0-9]{0,53}[a-z0-9])?$/, "a lowercase DNS label of at most 55 characters");
  const sourceRef = c.string(rec, "sourceRef", path, true);
  const syncPath = c.string(rec, "path", path, false) ?? configDefaults.path;
  if (syncPath.startsWith("/")) c.fail([...path, "path"], `"${syncPath}" must be relative to the repository root`);
  else if (syncPath.split("/").reduce((depth, seg) => (depth < 0 ? depth : seg === ".." ? depth - 1 : seg === "." || seg === "" ? depth : depth + 1), 0) < 0) {
    c.fail([...path, "path"], `"${syncPath}" leaves the repository`);
  }
  const intervalMs = c.duration(rec, "interval", path, configDefaults.syncIntervalMs);
  const retryIntervalMs = c.duration(rec, "retryInterval", path, intervalMs);
  const timeoutMs = c.duration(rec, "timeout", path, defaultSyncTimeout(intervalMs));
  const dependsOn: string[] = [];
  if (rec.dependsOn !== undefined && rec.dependsOn !== null) {
    if (!Array.isArray(rec.dependsOn)) c.fail([...path, "dependsOn"], "must be a list of sync names");
    else
      rec.dependsOn.forEach((d: unknown, j: number) => {
        if (typeof d === "string" && d) dependsOn.push(d);
        else c.fail([...path, "dependsOn", j], "must be a sync name");
      });
  }
  const targetNamespace = c.string(rec, "targetNamespace", path, false, dnsLabel, "a valid namespace");
  const serviceAccountName = c.string(rec, "serviceAccountName", path, false, dnsSubdomain, "a valid ServiceAccount name");
  const sync: SyncConfig = {
    name: name ?? "",
    sourceRef: sourceRef ?? "",
    path: syncPath,
    intervalMs,
    retryIntervalMs,
    timeoutMs,
    prune: c.bool(rec, "prune", path, true),
    wait: c.bool(rec, "wait", path, true),
    dependsOn,
    suspend: c.bool(rec, "suspend", path, false),
    force: c.bool(rec, "force", path, false),
    allowEmpty: c.bool(rec, "allowEmpty", path, false),
    ...(targetNamespace ? { targetNamespace } : {}),
    ...(serviceAccountName ? { serviceAccountName } : {}),
  };
  return name && sourceRef ? sync : undefined;
}

/**
 * Validates configuration text. Returns the configuration with defaults filled in, or every
 * problem found (never both). Pure.
 */
export function validateConfig(text: string): { config: AgentConfig; issues: [] } | { config?: undefined; issues: ConfigIssue[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  const c = new Checker(doc, lines);
  if (doc.errors.length > 0) {
    return { issues: doc.errors.map((e) => ({ path: "", line: e.linePos?.[0]?.line ?? 0, message: e.message.split("\n")[0] ?? e.message })) };
  }
  const root = c.record(doc.toJS() ?? {}, [], ["namespace", "listen", "logLevel", "sources", "syncs"]);
  if (!root) return { issues: c.issues };
  const namespace = c.string(root, "namespace", [], false, dnsLabel, "a valid namespace") ?? configDefaults.namespace;
  const listenRaw = root.listen === undefined ? configDefaults.listen : typeof root.listen === "number" ? `:${root.listen}` : root.listen;
  const listen = typeof listenRaw === "string" && /^(\[[0-9a-f:.]+\]|[\w.-]*):\d{1,5}$/.test(listenRaw) ? listenRaw : undefined;
  if (!listen) c.fail(["listen"], `"${String(listenRaw)}" is not an address such as :8080 or 127.0.0.1:8080`);
  const logLevel = (c.string(root, "logLevel", [], false, /^(debug|info|warn|error)$/, `one of ${logLevels.join(", ")}`) ?? configDefaults.logLevel) as LogLevel;

  const sources: SourceConfig[] = [];
  const syncs: SyncConfig[] = [];
  for (const [key, check, out] of [
    ["sources", (v: unknown, i: number) => checkSource(c, v, i, namespace), sources],
    ["syncs", (v: unknown, i: number) => checkSync(c, v, i), syncs],
  ] as const) {
    const list = root[key];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) {
      c.fail([key], "must be a list");
      continue;
    }
    const seen = new Map<string, number>();
    list.forEach((v: unknown, i: number) => {
      const item = check(v, i);
      if (!item) return;
      const first = seen.get(item.name);
      if (first !== undefined) c.fail([key, i, "name"], `"${item.name}" is already used by ${key}[${first}]`);
      else {
        seen.set(item.name, i);
        (out as (SourceConfig | SyncConfig)[]).push(item);
      }
    });
  }
  const rawSyncs = Array.isArray(root.syncs) ? (root.syncs as unknown[]) : [];
  const indexOf = (name: string): number => rawSyncs.findIndex((s) => (s as Record<string, unknown> | null)?.name === name);
  // Names of every source entry, valid or not, so an invalid source is not reported twice.
  const rawSources = Array.isArray(root.sources) ? (root.sources as unknown[]) : [];
  const sourceNames = new Set(rawSources.map((s) => (s as Record<string, unknown> | null)?.name));
  const syncNames = new Set(syncs.map((s) => s.name));
  for (const sync of syncs) {
    const i = indexOf(sync.name);
    if (!sourceNames.has(sync.sourceRef)) c.fail(["syncs", i, "sourceRef"], `no source named "${sync.sourceRef}"`);
    sync.dependsOn.forEach((d, j) => {
      if (d === sync.name) c.fail(["syncs", i, "dependsOn", j], "a sync cannot depend on itself");
      else if (!syncNames.has(d)) c.fail(["syncs", i, "dependsOn", j], `no sync named "${d}"`);
    });
  }
  const cycle = findDependencyCycle(syncs);
  if (cycle) c.fail(["syncs", indexOf(cycle[0] ?? ""), "dependsOn"], `dependency cycle: ${cycle.join(" → ")}`);
  if (c.issues.length > 0) return { issues: c.issues };
  return { config: { namespace, listen: listen ?? configDefaults.listen, logLevel, sources, syncs }, issues: [] };
}

/** Formats one issue as `FILE:LINE: path: message`. */
export function formatIssue(file: string, issue: ConfigIssue): string {
  return `${file}${issue.line ? `:${issue.line}` : ""}: ${issue.path ? `${issue.path}: ` : ""}${issue.message}`;
}

/** Reads and validates the configuration file; throws one SlipwayError listing every problem. */
export async function loadConfig(file: string, signal?: AbortSignal): Promise<AgentConfig> {
  let text: string;
  try {
    text = await readFile(file, { encoding: "utf8", signal });
  } catch (err) {
    throw new SlipwayError(file, "cannot read the configuration", { cause: err });
  }
  const result = validateConfig(text);
  if (result.config) return result.config;
  const first = result.issues[0];
  const subject = first ? `${file}${first.line ? `:${first.line}` : ""}` : file;
  const lines = result.issues.map((i) => formatIssue(file, i));
  throw new SlipwayError(subject, `invalid configuration (${lines.length} problem${lines.length === 1 ? "" : "s"}):\n  ${lines.join("\n  ")}`);
}
