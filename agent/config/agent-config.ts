/**
 * The agent's configuration after validation: every default filled in, durations in
 * milliseconds. The YAML form and its rules are in load-config.ts.
 */
import type { LogLevel } from "../../core/log.ts";
import { defaultAgentNamespace } from "../../core/well-known.ts";

/** Which commit of a source to track: exactly one of branch, tag or commit. */
export type SourceRef = { branch: string } | { tag: string } | { commit: string };

/** A reference to a Secret holding git credentials. */
export interface SecretRef {
  name: string;
  /** Default: the agent's namespace. */
  namespace: string;
}

/** One git repository the agent follows. */
export interface SourceConfig {
  name: string;
  /** https://, http://, ssh:// (or scp-like `git@host:path`), or a CodeCommit https URL. */
  url: string;
  ref: SourceRef;
  /** How often the source is fetched. Default 1m. */
  intervalMs: number;
  /** Timeout of one fetch. Default 60s. */
  timeoutMs: number;
  /**
   * Secret with `username`+`password`, or `bearerToken`, or `identity`+`known_hosts` (SSH).
   * Default: none (anonymous).
   */
  secretRef?: SecretRef;
  /** `generic` (credentials from secretRef) or `aws` (CodeCommit, SigV4 from the AWS credential chain). Default generic. */
  provider: "generic" | "aws";
}

/** One path of one source applied to the cluster. */
export interface SyncConfig {
  name: string;
  /** Name of a source in `sources`. */
  sourceRef: string;
  /** Directory inside the repository, relative to its root. Default `./`. */
  path: string;
  /** Reconcile (and drift-correct) this often, ±5 % jitter. Default 10m. */
  intervalMs: number;
  /** First delay after a failure, doubled up to `intervalMs`. Default: intervalMs. */
  retryIntervalMs: number;
  /** Timeout of one apply, health wait included. Default interval − 30s, at least 30s. */
  timeoutMs: number;
  /** Delete objects that left git. Default true. */
  prune: boolean;
  /** Wait for applied objects to become healthy. Default true. */
  wait: boolean;
  /** Syncs that must be Ready at the same revision (of the same source) first. Default []. */
  dependsOn: string[];
  /** Namespace set on every namespaced object. Default: unset (keep the manifests' own). */
  targetNamespace?: string;
  /** Skip this sync. Default false. */
  suspend: boolean;
  /** Recreate objects whose immutable fields changed. Default false. */
  force: boolean;
  /** Allow a build that produces no objects to prune everything. Default false. */
  allowEmpty: boolean;
  /** Apply as this ServiceAccount (in the agent's namespace), by impersonation. Default: the agent's own. */
  serviceAccountName?: string;
}

/** The whole agent configuration. */
export interface AgentConfig {
  /** Namespace of the ApplySet parents, Events and default Secrets. Default `slipway-system`. */
  namespace: string;
  /** HTTP listen address `[host]:port` for /metrics, /healthz, /readyz, /hook. Default `:8080`. */
  listen: string;
  /** Lowest log level written. Default `info`. */
  logLevel: LogLevel;
  sources: SourceConfig[];
  syncs: SyncConfig[];
}

/** Defaults, in milliseconds where they are durations. */
export const configDefaults = {
  namespace: defaultAgentNamespace,
  listen: ":8080",
  logLevel: "info" as LogLevel,
  sourceIntervalMs: 60_000,
  sourceTimeoutMs: 60_000,
  syncIntervalMs: 600_000,
  minTimeoutMs: 30_000,
  path: "./",
} as const;

/** A sync's default timeout: interval − 30 s, never below 30 s. */
export function defaultSyncTimeout(intervalMs: number): number {
  return Math.max(configDefaults.minTimeoutMs, intervalMs - 30_000);
}

/** Formats a source ref for people: `branch eks`, `tag v1`, `commit abc…`. */
export function describeRef(ref: SourceRef): string {
  if ("branch" in ref) return `branch ${ref.branch}`;
  if ("tag" in ref) return `tag ${ref.tag}`;
  return `commit ${ref.commit}`;
}
