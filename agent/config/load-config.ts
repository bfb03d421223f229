/**
 * Reading and validating the agent's YAML configuration (normally mounted from a ConfigMap). The
 * shapes, field rules and defaults are the schema in agent-config.ts (the README's configuration
 * table describes them); this file adds the rules that span entries (unique names, a sourceRef
 * and every dependsOn that resolve, no dependency cycle, the URL each provider takes) and maps
 * every issue to its line. Every problem is reported at once, sorted by line, each as
 * `FILE:LINE: sources[1].url: what is wrong`, and nothing starts until the file is valid.
 */
import { readFile } from "node:fs/promises";
import { LineCounter, parseDocument, isNode, type Document } from "yaml";
import { SlipwayError } from "../../core/errors.ts";
import { parseWithSchema, showPath } from "../../core/schema-issues.ts";
import { agentConfigSchema, type AgentConfig } from "./agent-config.ts";
import { findDependencyCycle } from "../reconcile/dependency-order.ts";
import { parseCodeCommitUrl } from "../../core/git/codecommit-url.ts";
import { credentialsInGitUrl } from "../../core/git/url-credentials.ts";
import { defaultAgentNamespace } from "../../core/well-known.ts";

/** One validation problem: where (file:line and the key path) and what. */
export interface ConfigIssue {
  /** `sources[1].url` */
  path: string;
  /** 1-based line in the file, 0 when unknown. */
  line: number;
  message: string;
}

type Path = (string | number)[];

const codeCommitHost = /^git-codecommit\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;

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

/** The line of the node at `path`, or of its nearest ancestor that has one; 0 when none. */
function lineOf(doc: Document, lines: LineCounter, path: Path): number {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
  }
  return 0;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const nonEmpty = (v: unknown): v is string => typeof v === "string" && v !== "";

/**
 * The rules that span fields or entries, checked on the raw document so that they are found in
 * the same pass as the schema's issues, whatever else is wrong with an entry.
 */
function crossIssues(root: Record<string, unknown>): { path: Path; message: string }[] {
  const out: { path: Path; message: string }[] = [];
  const sources = Array.isArray(root.sources) ? root.sources : [];
  const syncs = Array.isArray(root.syncs) ? root.syncs : [];
  sources.forEach((s: unknown, i: number) => {
    if (!isRecord(s)) return;
    const aws = s.provider === "aws";
    if (nonEmpty(s.url) && credentialsInGitUrl(s.url)) {
      // Checked first, and the value never echoed: the other messages quote the URL.
      out.push({
        path: ["sources", i, "url"],
        message: "must not contain credentials (user:password@ or token@); the value is not shown. Put them in the Secret that secretRef names",
      });
    } else if (nonEmpty(s.url)) {
      if (aws) {
        const cc = parseCodeCommitUrl(s.url);
        if (!cc || !codeCommitHost.test(cc.host)) {
          out.push({
            path: ["sources", i, "url"],
            message: `provider aws needs a CodeCommit URL (https://git-codecommit.<region>.amazonaws.com/v1/repos/<name> or codecommit::<region>://<name>), got "${s.url}"`,
          });
        }
      } else if (!isSupportedGitUrl(s.url)) {
        out.push({ path: ["sources", i, "url"], message: `"${s.url}" is not an https://, http://, ssh:// or user@host:path git URL` });
      }
    }
    if (aws && s.secretRef !== undefined) out.push({ path: ["sources", i, "secretRef"], message: "is not used with provider aws (credentials come from the AWS credential chain)" });
  });
  for (const [key, list] of [["sources", sources], ["syncs", syncs]] as const) {
    const seen = new Map<string, number>();
    list.forEach((entry: unknown, i: number) => {
      const name = isRecord(entry) ? entry.name : undefined;
      if (!nonEmpty(name)) return;
      const first = seen.get(name);
      if (first !== undefined) out.push({ path: [key, i, "name"], message: `"${name}" is already used by ${key}[${first}]` });
      else seen.set(name, i);
    });
  }
  const sourceNames = new Set(sources.map((s: unknown) => (isRecord(s) ? s.name : undefined)).filter(nonEmpty));
  const syncNames = new Set(syncs.map((s: unknown) => (isRecord(s) ? s.name : undefined)).filter(nonEmpty));
  // The first sync of each name, with the dependencies written as names, for the cycle check.
  const graph = new Map<string, { name: string; dependsOn: string[]; index: number }>();
  syncs.forEach((s: unknown, i: number) => {
    if (!isRecord(s)) return;
    if (nonEmpty(s.sourceRef) && !sourceNames.has(s.sourceRef)) out.push({ path: ["syncs", i, "sourceRef"], message: `no source named "${s.sourceRef}"` });
    const deps = Array.isArray(s.dependsOn) ? (s.dependsOn as unknown[]) : [];
    deps.forEach((d, j) => {
      if (!nonEmpty(d)) return;
      if (d === s.name) out.push({ path: ["syncs", i, "dependsOn", j], message: "a sync cannot depend on itself" });
      else if (!syncNames.has(d)) out.push({ path: ["syncs", i, "dependsOn", j], message: `no sync named "${d}"` });
    });
    if (nonEmpty(s.name) && !graph.has(s.name)) graph.set(s.name, { name: s.name, dependsOn: deps.filter(nonEmpty).filter((d) => d !== s.name), index: i });
  });
  out.push(...namespaceIssues(root, sources, syncs));
  const cycle = findDependencyCycle([...graph.values()]);
  if (cycle) out.push({ path: ["syncs", graph.get(cycle[0] ?? "")?.index ?? 0, "dependsOn"], message: `dependency cycle: ${cycle.join(" → ")}` });
  return out;
}

/**
 * Namespaced mode (`namespaces:` set): each namespace listed once, and every namespace a sync or
 * source names (targetNamespace, serviceAccountNamespace, secretRef.namespace) is the agent's own
 * or a listed one, since the namespaced install grants nothing elsewhere.
 */
function namespaceIssues(root: Record<string, unknown>, sources: unknown[], syncs: unknown[]): { path: Path; message: string }[] {
  const out: { path: Path; message: string }[] = [];
  if (!Array.isArray(root.namespaces)) return out;
  const listed = root.namespaces.filter(nonEmpty);
  const seen = new Set<string>();
  root.namespaces.forEach((n: unknown, i: number) => {
    if (!nonEmpty(n)) return;
    if (seen.has(n)) out.push({ path: ["namespaces", i], message: `"${n}" is listed twice` });
    seen.add(n);
  });
  const agentNs = nonEmpty(root.namespace) ? root.namespace : defaultAgentNamespace;
  const shown = listed.join(", ");
  syncs.forEach((s: unknown, i: number) => {
    if (!isRecord(s)) return;
    if (nonEmpty(s.targetNamespace) && !seen.has(s.targetNamespace)) out.push({ path: ["syncs", i, "targetNamespace"], message: `"${s.targetNamespace}" is not one of namespaces (${shown})` });
    if (nonEmpty(s.serviceAccountNamespace) && s.serviceAccountNamespace !== agentNs && !seen.has(s.serviceAccountNamespace)) {
      out.push({ path: ["syncs", i, "serviceAccountNamespace"], message: `"${s.serviceAccountNamespace}" is neither the agent's namespace (${agentNs}) nor one of namespaces (${shown})` });
    }
  });
  sources.forEach((s: unknown, i: number) => {
    const ns = isRecord(s) && isRecord(s.secretRef) ? s.secretRef.namespace : undefined;
    if (nonEmpty(ns) && ns !== agentNs && !seen.has(ns)) out.push({ path: ["sources", i, "secretRef", "namespace"], message: `"${ns}" is neither the agent's namespace (${agentNs}) nor one of namespaces (${shown})` });
  });
  return out;
}

/**
 * Validates configuration text. Returns the configuration with defaults filled in, or every
 * problem found, sorted by line (never both). Pure.
 */
export function validateConfig(text: string): { config: AgentConfig; issues: [] } | { config?: undefined; issues: ConfigIssue[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return { issues: doc.errors.map((e) => ({ path: "", line: e.linePos?.[0]?.line ?? 0, message: e.message.split("\n")[0] ?? e.message })) };
  }
  const raw: unknown = doc.toJS() ?? {};
  const parsed = parseWithSchema(agentConfigSchema, raw);
  const found = [...(parsed.ok ? [] : parsed.issues), ...(isRecord(raw) ? crossIssues(raw) : [])];
  if (parsed.ok && found.length === 0) return { config: parsed.value, issues: [] };
  const issues = found.map((i) => ({ path: showPath(i.path), line: lineOf(doc, lines, i.path), message: i.message }));
  // Stable: issues on one line keep the order the schema and the cross checks found them in.
  issues.sort((a, b) => a.line - b.line);
  return { issues };
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
