/**
 * `slipway get [kustomizations|sources git|source all|all] [-A] [--namespace NS] [--output json]`:
 * the status of every sync, read from the ApplySet parents in the agent namespace. Bare `slipway
 * get` prints NAME READY MESSAGE REVISION SUSPENDED (the seed's `flux get` order); Flux's nouns
 * print Flux's current columns NAME REVISION SUSPENDED READY MESSAGE, with NAMESPACE first under
 * `-A`. Without `-A` the nouns show the syncs of the agent's namespace and of Flux's
 * `flux-system`, where a Flux repository keeps its objects. A source's row is its own status
 * (agent/status/source-status.ts: the last fetch's outcome, the last good revision, its time);
 * a source that never fetched (an invalid definition) is shown from its syncs' status.
 */
import { SlipwayError } from "../../core/errors.ts";
import { fluxNamespace } from "../../core/well-known.ts";
import { createStatusStore, type ParentView } from "../../agent/status/status-store.ts";
import { splitKey } from "../../agent/flux/sync-key.ts";
import { createSourceStatusStore, type SourceView } from "../../agent/status/source-status.ts";
import { table, type CliIO, type CommandRun } from "../io.ts";
import { run as getHelmReleases } from "./get-helmreleases.ts";
import { clusterFlagsUsage, kubeClientFromFlags, listFlags, parseFlags, outputFormat } from "../flags.ts";

const USAGE = `Usage: slipway get [kustomizations|sources git|source all|all|helmreleases] [-A] [--namespace NS] [--output text|json] [--kubeconfig FILE]

Without a noun: NAME READY MESSAGE REVISION SUSPENDED for every sync of the agent in NS.
With Flux's nouns (kustomizations, ks; sources git, source git; source all; all):
NAME REVISION SUSPENDED READY MESSAGE, as flux get prints them.
helmreleases (hr): every HelmRelease the agent renders, with its chart and version.
images policy|repository|update: Flux's image views, from git and the registries
(slipway get images --help).

Flags:
  -A, --all-namespaces show syncs and sources of every namespace, with a NAMESPACE column
  -o, --output FMT     text (default) or json
${clusterFlagsUsage(21)}`;

/** What to list. */
type Noun = "default" | "kustomizations" | "sources" | "all";

/** Parses the positional words after `get`. */
function nounOf(words: readonly string[]): Noun {
  const w = words.join(" ");
  if (w === "") return "default";
  if (["kustomizations", "kustomization", "ks"].includes(w)) return "kustomizations";
  if (["sources git", "source git", "source all", "sources all", "sources", "gitrepositories", "gitrepository"].includes(w)) return "sources";
  if (w === "all") return "all";
  throw new SlipwayError(`get ${w}`, "unknown noun (kustomizations, sources git, source all, all)");
}

/** The table rows of `slipway get`. Pure. */
export function statusRows(views: readonly ParentView[]): string[][] {
  return views.map((v) => [
    v.sync,
    v.status?.ready ?? "Unknown",
    (v.status?.message ?? "not reconciled yet").replace(/\s*\n\s*/g, " "),
    v.status?.lastAppliedRevision ?? "",
    v.suspended || v.status?.suspended ? "True" : "False",
  ]);
}

/** One row of Flux's tables. */
export interface FluxRow {
  namespace: string;
  name: string;
  revision: string;
  suspended: boolean;
  ready: string;
  message: string;
  /** Sources only: Flux's reason, the URL, the tracked ref and when the last fetch ended. */
  reason?: string;
  url?: string;
  ref?: string;
  lastFetchTime?: string;
}

/** The Kustomizations' rows: every sync, by namespace and name. Pure. */
export function kustomizationRows(views: readonly ParentView[], agentNamespace: string): FluxRow[] {
  return views
    .map((v) => {
      const { namespace, name } = splitKey(v.sync, agentNamespace);
      return {
        namespace,
        name,
        revision: v.status?.lastAppliedRevision ?? "",
        suspended: v.suspended || v.status?.suspended === true,
        ready: v.status?.ready ?? "Unknown",
        message: (v.status?.message ?? "not reconciled yet").replace(/\s*\n\s*/g, " "),
      };
    })
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}

/** The GitRepositories' rows: each source's own status, else what its syncs last fetched. Pure. */
export function sourceRows(views: readonly ParentView[], agentNamespace: string, sources: readonly SourceView[] = []): FluxRow[] {
  const bySource = new Map<string, ParentView[]>();
  for (const v of views) {
    const src = v.status?.source;
    if (src) bySource.set(src, [...(bySource.get(src) ?? []), v]);
  }
  const rows: FluxRow[] = [];
  for (const { source, status } of sources) {
    const { namespace, name } = splitKey(source, agentNamespace);
    rows.push({ namespace, name, revision: status.revision ?? "", suspended: status.suspended === true, ready: status.ready, message: status.message.replace(/\s*\n\s*/g, " "), reason: status.reason, url: status.url, ref: status.ref, lastFetchTime: status.lastFetchTime });
  }
  for (const [key, list] of bySource) {
    if (sources.some((s) => s.source === key)) continue;
    const { namespace, name } = splitKey(key, agentNamespace);
    // The most recent fetch among its syncs decides (syncs that never fetched say nothing).
    const fetched = list.filter((v) => v.status?.lastAttemptedRevision !== undefined || v.status?.reason === "ArtifactFailed");
    const latest = [...(fetched.length ? fetched : list)].sort((a, b) => (b.status?.lastReconcileTime ?? "").localeCompare(a.status?.lastReconcileTime ?? ""))[0];
    const failed = latest?.status?.reason === "ArtifactFailed";
    const revision = latest?.status?.lastAttemptedRevision ?? "";
    rows.push({
      namespace,
      name,
      revision,
      suspended: false,
      ready: failed ? "False" : revision ? "True" : "Unknown",
      message: failed ? (latest?.status?.message ?? "") : revision ? `Fetched revision: ${revision}` : "not fetched yet",
    });
  }
  return rows.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}

/** Flux's table: NAME REVISION SUSPENDED READY MESSAGE, NAMESPACE first with `-A`; `prefix` names the kind (`gitrepository/`). Pure. */
export function fluxTable(rows: readonly FluxRow[], allNamespaces: boolean, prefix = ""): string {
  const header = ["NAME", "REVISION", "SUSPENDED", "READY", "MESSAGE"];
  const body = rows.map((r) => [`${prefix}${r.name}`, r.revision, r.suspended ? "True" : "False", r.ready, r.message]);
  return allNamespaces ? table(["NAMESPACE", ...header], body.map((b, i) => [rows[i]?.namespace ?? "", ...b])) : table(header, body);
}

/** Runs `slipway get`. */
export const run: CommandRun = async (args: string[], io: CliIO): Promise<number> => {
  const hr = args.findIndex((a) => ["helmreleases", "helmrelease", "hr"].includes(a));
  if (hr >= 0) return getHelmReleases([...args.slice(0, hr), ...args.slice(hr + 1)], io);
  // Flux's image views are computed from git and the registries, not the cluster (get-images.ts).
  if (args[0] === "images" || args[0] === "image") return (await import("./get-images.ts")).run(args, io);
  const parsed = parseFlags(
    io,
    args,
    USAGE,
    listFlags,
    ({ values, positionals }) => {
      outputFormat(values.output);
      return { values, noun: nounOf(positionals) };
    },
  );
  if (!parsed.ok) return parsed.exit;
  const { values, noun } = parsed.flags;
  const client = await kubeClientFromFlags(values);
  try {
    const views = await createStatusStore(client, values.namespace).list(io.signal);
    if (noun === "default") {
      if (values.output === "json") {
        io.stdout(JSON.stringify(views.map((v) => ({ name: v.sync, suspended: v.suspended || v.status?.suspended === true, ...v.status })), null, 2) + "\n");
        return 0;
      }
      if (views.length === 0) {
        io.stderr(`no syncs found in namespace ${values.namespace}\n`);
        return 0;
      }
      io.stdout(table(["NAME", "READY", "MESSAGE", "REVISION", "SUSPENDED"], statusRows(views)));
      return 0;
    }
    const all = values["all-namespaces"];
    const visible = (r: FluxRow): boolean => all || r.namespace === values.namespace || r.namespace === fluxNamespace;
    const ks = kustomizationRows(views, values.namespace).filter(visible);
    const srcs = sourceRows(views, values.namespace, noun === "kustomizations" ? [] : await createSourceStatusStore(client, values.namespace).list(io.signal)).filter(visible);
    if (values.output === "json") {
      const out = noun === "kustomizations" ? { kustomizations: ks } : noun === "sources" ? { gitrepositories: srcs } : { gitrepositories: srcs, kustomizations: ks };
      io.stdout(JSON.stringify(out, null, 2) + "\n");
      return 0;
    }
    const parts: string[] = [];
    if (noun === "sources" || noun === "all") parts.push(srcs.length ? fluxTable(srcs, all, noun === "all" || args.includes("all") ? "gitrepository/" : "") : "");
    if (noun === "kustomizations" || noun === "all") parts.push(ks.length ? fluxTable(ks, all, noun === "all" ? "kustomization/" : "") : "");
    const text = parts.filter(Boolean).join("\n");
    if (!text) io.stderr(`no ${noun === "sources" ? "sources" : noun === "kustomizations" ? "kustomizations" : "objects"} found${all ? "" : ` in ${values.namespace} or ${fluxNamespace} (-A for every namespace)`}\n`);
    else io.stdout(text);
    return 0;
  } finally {
    client.close();
  }
};
