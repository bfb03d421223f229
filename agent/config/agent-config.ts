/**
 * The agent's configuration: one zod schema per shape (root, source, ref, secretRef, sync) that
 * is at once the YAML form, the validation of each field, the defaults and, through its output,
 * the TypeScript types the agent uses (durations in milliseconds, every default filled in).
 * Rules that span entries (unique names, references that resolve, no dependency cycle, which URL
 * a provider takes) and the mapping of issues to `file:line` are in load-config.ts.
 */
import * as z from "zod";
import { parseDuration } from "../../core/duration.ts";
import type { LogLevel } from "../../core/log.ts";
import { defaultAgentNamespace } from "../../core/well-known.ts";
import { parseCodeCommitUrl } from "../../core/git/codecommit-url.ts";
import { receiversSchema } from "../receivers/receiver-config.ts";
import { sqsConfigSchema } from "../triggers/sqs-trigger.ts";

const logLevels: readonly LogLevel[] = ["debug", "info", "warn", "error"];
const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A strict mapping whose unknown keys are reported one by one, listing the keys it allows; `missing` is the message when it is absent. */
function mapping<S extends z.core.$ZodLooseShape>(shape: S, missing = "is required") {
  const allowed = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (iss) =>
      iss.code === "unrecognized_keys" ? `unknown field (allowed: ${allowed})` : iss.code === "invalid_type" ? (iss.input === undefined ? missing : "must be a mapping") : undefined,
  });
}

/** A non-empty string, optionally matching `pattern` (`"x" is not <what>` otherwise). */
function text(pattern?: RegExp, what?: string) {
  const base = z.string({ error: (iss) => (iss.input === undefined ? "is required" : "must be a non-empty string") }).min(1, { error: "must be a non-empty string" });
  if (!pattern) return base;
  return base.refine((v) => pattern.test(v), { error: (iss) => `"${String(iss.input)}" is not ${what ?? `a valid value (${pattern.source})`}` });
}

/** An optional {@link text}; null reads as absent, as an empty YAML value does. */
function optionalText(pattern?: RegExp, what?: string) {
  return text(pattern, what)
    .nullish()
    .transform((v) => v ?? undefined);
}

/** true or false; absent or null is `def`. */
function flag(def: boolean) {
  return z
    .boolean({ error: "must be true or false" })
    .nullish()
    .transform((v) => v ?? def);
}

/**
 * A schema for a positive Go-style duration (`30s`, `1m`, `1h30m`) in milliseconds; absent or
 * null is undefined (the caller's default). `examples` end the message for anything else, in the
 * notation the file's readers write (Flux's objects say `1m0s`).
 */
export function positiveDurationSchema(examples = "30s, 1m or 1h30m"): z.ZodType<number | undefined, unknown> {
  return z.unknown().transform((v, ctx): number | undefined => {
    if (v === undefined || v === null) return undefined;
    const ms = typeof v === "string" ? parseDuration(v) : undefined;
    if (ms === undefined || ms <= 0) {
      ctx.addIssue({ code: "custom", message: `"${String(v)}" is not a positive duration such as ${examples}` });
      return z.NEVER;
    }
    return ms;
  });
}
const duration = positiveDurationSchema();
const optionalDuration = duration.optional();

/** An optional integer from 1 to 64, `fallback` when absent; anything else is an issue at its line. */
function concurrency(fallback: number) {
  return z
    .unknown()
    .optional()
    .transform((v, ctx): number => {
      if (v === undefined || v === null) return fallback;
      if (typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= 64) return v;
      ctx.addIssue({ code: "custom", message: `${JSON.stringify(v)} is not an integer from 1 to 64` });
      return z.NEVER;
    });
}

/** Which commit of a source to track: exactly one of branch, tag or commit. */
const refSchema = mapping(
  {
    branch: optionalText(/^[^\s~^:?*[\\]+$/, "a valid git ref name"),
    tag: optionalText(/^[^\s~^:?*[\\]+$/, "a valid git ref name"),
    commit: optionalText(/^[0-9a-f]{40}$/, "a full 40-character commit SHA"),
  },
  "is required: { branch: NAME } or { tag: NAME } or { commit: SHA }",
)
  .refine((r) => ["branch", "tag", "commit"].filter((k) => (r as Record<string, unknown>)[k] !== undefined).length === 1, {
    error: "needs exactly one of branch, tag or commit",
    when: (payload) => typeof payload.value === "object" && payload.value !== null,
  })
  .transform((r): SourceRef => (r.branch !== undefined ? { branch: r.branch } : r.tag !== undefined ? { tag: r.tag } : { commit: r.commit ?? "" }));

/**
 * Which commit of a source to track: a branch, a tag, a commit, or (GitRepository objects in git
 * only) the highest tag in a semver range or any git ref name (`refs/pull/1/head`).
 */
export type SourceRef = { branch: string } | { tag: string } | { commit: string } | { semver: string } | { name: string };

/** A Secret with git credentials; its namespace defaults to the agent's (filled in by the root). */
const secretRefSchema = mapping({
  name: text(dnsSubdomain, "a valid Secret name"),
  namespace: optionalText(dnsLabel, "a valid namespace"),
});

/** A reference to a Secret holding git credentials. */
export interface SecretRef {
  name: string;
  /** Default: the agent's namespace. */
  namespace: string;
}

/** One git repository the agent follows. */
const sourceSchema = mapping({
  name: text(dnsLabel, "a lowercase DNS label"),
  url: text(),
  ref: refSchema,
  interval: optionalDuration,
  timeout: optionalDuration,
  secretRef: secretRefSchema.optional(),
  provider: z
    .enum(["generic", "aws"], { error: (iss) => `"${String(iss.input)}" is not generic or aws` })
    .nullish()
    .transform((p) => p ?? "generic"),
}).transform((s) => ({
  name: s.name,
  /** https://, http://, ssh:// (or scp-like `git@host:path`), or a CodeCommit https URL (`codecommit::<region>://<name>` is rewritten to it). */
  url: s.provider === "aws" ? (parseCodeCommitUrl(s.url)?.url ?? s.url) : s.url,
  ref: s.ref,
  /** How often the source is fetched. Default 1m. */
  intervalMs: s.interval ?? 60_000,
  /** Timeout of one fetch. Default 60s. */
  timeoutMs: s.timeout ?? 60_000,
  /** `generic` (credentials from secretRef) or `aws` (CodeCommit, SigV4 from the AWS credential chain). Default generic. */
  provider: s.provider,
  /** Secret with `username`+`password`, or `bearerToken`, or `identity`+`known_hosts` (SSH). Default: none (anonymous). */
  secretRef: s.secretRef as { name: string; namespace?: string } | undefined,
}));

/** One git repository the agent follows (see the schema for each field's default). */
export type SourceConfig = Omit<z.output<typeof sourceSchema>, "secretRef"> & { secretRef?: SecretRef };

/** A sync's default timeout: interval − 30 s, never below 30 s. */
export function defaultSyncTimeout(intervalMs: number): number {
  return Math.max(30_000, intervalMs - 30_000);
}

/** Whether a relative path climbs above its root (`../x`, `a/../../x`). */
function leavesRoot(p: string): boolean {
  let depth = 0;
  for (const seg of p.split("/")) {
    if (seg === "..") depth--;
    else if (seg !== "." && seg !== "") depth++;
    if (depth < 0) return true;
  }
  return false;
}

/** One path of one source applied to the cluster. */
const syncSchema = mapping({
  name: text(/^[a-z0-9]([-a-z0-9]{0,53}[a-z0-9])?$/, "a lowercase DNS label of at most 55 characters"),
  sourceRef: text(),
  path: text()
    .refine((p) => !p.startsWith("/"), { error: (iss) => `"${String(iss.input)}" must be relative to the repository root` })
    .refine((p) => !leavesRoot(p), { error: (iss) => `"${String(iss.input)}" leaves the repository` })
    .nullish(),
  interval: optionalDuration,
  retryInterval: optionalDuration,
  timeout: optionalDuration,
  prune: flag(true),
  wait: flag(true),
  dependsOn: z
    .array(z.string({ error: "must be a sync name" }).min(1, { error: "must be a sync name" }), { error: "must be a list of sync names" })
    .nullish()
    .transform((d) => d ?? []),
  targetNamespace: optionalText(dnsLabel, "a valid namespace"),
  suspend: flag(false),
  force: flag(false),
  allowEmpty: flag(false),
  serviceAccountName: optionalText(dnsSubdomain, "a valid ServiceAccount name"),
  serviceAccountNamespace: optionalText(dnsLabel, "a valid namespace"),
}).transform((s) => {
  const intervalMs = s.interval ?? 600_000;
  return {
    name: s.name,
    /** Name of a source in `sources`. */
    sourceRef: s.sourceRef,
    /** Directory inside the repository, relative to its root. Default `./`. */
    path: s.path ?? "./",
    /** Reconcile (and drift-correct) this often, ±5 % jitter. Default 10m. */
    intervalMs,
    /** First delay after a failure, doubled up to `intervalMs`. Default: intervalMs. */
    retryIntervalMs: s.retryInterval ?? intervalMs,
    /** Timeout of one apply, health wait included. Default interval − 30s, at least 30s. */
    timeoutMs: s.timeout ?? defaultSyncTimeout(intervalMs),
    /** Delete objects that left git. Default true. */
    prune: s.prune,
    /** Wait for applied objects to become healthy. Default true. */
    wait: s.wait,
    /** Syncs that must be Ready at the same revision (of the same source) first. Default []. */
    dependsOn: s.dependsOn,
    /** Skip this sync. Default false. */
    suspend: s.suspend,
    /** Recreate objects whose immutable fields changed. Default false. */
    force: s.force,
    /** Allow a build that produces no objects to prune everything. Default false. */
    allowEmpty: s.allowEmpty,
    /** Namespace set on every namespaced object. Default: unset (keep the manifests' own). */
    ...(s.targetNamespace ? { targetNamespace: s.targetNamespace } : {}),
    /** Apply as this ServiceAccount (in the agent's namespace), by impersonation. Default: the agent's own. */
    ...(s.serviceAccountName ? { serviceAccountName: s.serviceAccountName } : {}),
    /** Namespace of `serviceAccountName` (the agent's or, in namespaced mode, one of `namespaces`). Default: the agent's namespace. */
    ...(s.serviceAccountNamespace ? { serviceAccountNamespace: s.serviceAccountNamespace } : {}),
  };
});

/** One path of one source applied to the cluster (see the schema for each field's default). */
export type SyncConfig = z.output<typeof syncSchema>;

/** The whole file: `[host]:port` listen address, log level, sources and syncs. */
export const agentConfigSchema = mapping({
  /** Namespace of the ApplySet parents, Events and default Secrets. Default `slipway-system`. */
  namespace: optionalText(dnsLabel, "a valid namespace").transform((v) => v ?? defaultAgentNamespace),
  /**
   * Namespaced mode: the only namespaces syncs may write to. A build with a cluster-scoped object
   * or an object in any other namespace is refused before anything is applied, so that the agent
   * needs only a Role in each of them (deploy/namespaced/). Default: unset (cluster-wide).
   */
  namespaces: z
    .array(text(dnsLabel, "a valid namespace"), { error: "must be a list of namespaces" })
    .min(1, { error: "must list at least one namespace (leave it out for the cluster-wide mode)" })
    .nullish()
    .transform((l) => l ?? undefined),
  /** HTTP listen address `[host]:port` for /metrics, /healthz and /readyz (a bare number is a port). Default `:8080`. */
  listen: z
    .unknown()
    .transform((v) => (v === undefined ? ":8080" : typeof v === "number" ? `:${v}` : v))
    .refine((v): v is string => typeof v === "string" && /^(\[[0-9a-f:.]+\]|[\w.-]*):\d{1,5}$/.test(v), {
      error: (iss) => `"${String(iss.input)}" is not an address such as :8080 or 127.0.0.1:8080`,
    })
    .optional()
    .transform((v) => v ?? ":8080"),
  /** Lowest log level written. Default `info`. */
  logLevel: z
    .enum(logLevels as [LogLevel, ...LogLevel[]], { error: (iss) => `"${String(iss.input)}" is not one of ${logLevels.join(", ")}` })
    .nullish()
    .transform((v) => v ?? "info"),
  sources: z
    .array(sourceSchema, { error: "must be a list" })
    .nullish()
    .transform((l) => l ?? []),
  syncs: z
    .array(syncSchema, { error: "must be a list" })
    .nullish()
    .transform((l) => l ?? []),
  /**
   * Objects applied (dry-run, written) at once within one stage of a sync, and LISTs and prune
   * DELETEs at once; an integer from 1 to 64. Default 4 (kustomize-controller's --concurrent-ssa).
   */
  applyConcurrency: concurrency(4),
  /**
   * Syncs the daemon reconciles at once; the others wait their turn in the order they woke. An
   * integer from 1 to 64. Default 4 (kustomize-controller's --concurrent). Each sync in flight
   * holds its build, so the default bounds memory; a fleet of many small syncs can take more.
   */
  syncConcurrency: concurrency(4),
  /** Webhook receivers on their own port (agent/receivers/receiver-config.ts). Default: none. */
  receivers: receiversSchema,
  /** An SQS queue the leader long-polls for pushes (agent/triggers/sqs-trigger.ts). Default: none. */
  sqs: sqsConfigSchema,
}).transform((c) => ({
  ...c,
  sources: c.sources.map((s): SourceConfig => {
    const { secretRef, ...rest } = s;
    return secretRef ? { ...rest, secretRef: { name: secretRef.name, namespace: secretRef.namespace ?? c.namespace } } : rest;
  }),
}));

/** The whole agent configuration, every default filled in. */
export type AgentConfig = z.output<typeof agentConfigSchema>;

/** Formats a source ref for people: `branch eks`, `tag v1`, `commit abc…`. */
export function describeRef(ref: SourceRef): string {
  if ("branch" in ref) return `branch ${ref.branch}`;
  if ("tag" in ref) return `tag ${ref.tag}`;
  if ("semver" in ref) return `semver range ${ref.semver}`;
  if ("name" in ref) return `ref ${ref.name}`;
  return `commit ${ref.commit}`;
}
