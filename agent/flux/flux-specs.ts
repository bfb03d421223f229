/**
 * Flux's GitRepository and Kustomization objects read from git, as zod schemas (one per shape, all
 * of v1beta1, v1beta2 and v1), turned into the agent's own source and sync settings with Flux's
 * defaults: a Kustomization's `sourceRef.namespace` defaults to its own, `retryInterval` and
 * `timeout` to `interval`, `prune`, `wait`, `force` and `suspend` to false; a GitRepository
 * without `ref` follows branch `master`, its `timeout` is 60s and its Secret is in its namespace;
 * `ref` precedence is Flux's: commit, then name, then semver, then tag, then branch.
 * Fields Flux defines that the agent does not run yet, and fields nobody defines, are returned as
 * warnings naming the field, never dropped silently; a `decryption` provider other than sops
 * is an error on that object alone. Issues carry the key path inside the object; the caller maps it to `file:line`. Pure.
 */
import * as z from "zod";
import { parseWithSchema, showPath, type SchemaIssue } from "../../core/schema-issues.ts";
import { defaultSyncTimeout, positiveDurationSchema, type SourceConfig, type SourceRef, type SyncConfig } from "../config/agent-config.ts";
import type { KubeObject } from "../kube/kube-object.ts";
import { syncKey } from "./sync-key.ts";
import { parseCodeCommitUrl } from "../../core/git/codecommit-url.ts";
import { refNameProblem, semverRangeProblem } from "../source/semver-ref.ts";

/** A positive Go duration in ms (`1m0s`, `3m0s`, `1h`); absent is undefined. */
const duration = positiveDurationSchema("30s, 1m0s or 1h");
const optDuration = duration.optional();
const str = z.string();
const bool = z.boolean().optional();
const nameRef = z.object({ name: str.min(1) });
const keyValues = z.record(z.string(), z.string());

/** What the agent does with a field of Flux's API it does not run itself. */
type Support = "ignored" | "unsupported";

/** `spec.ref` of a GitRepository. */
const gitRefSchema = z.object({ branch: str.optional(), tag: str.optional(), semver: str.optional(), name: str.optional(), commit: str.optional() });

/** `spec` of a GitRepository, the fields of every version. */
const gitRepositorySpec = z.object({
  url: str.min(1),
  ref: gitRefSchema.optional(),
  interval: optDuration,
  timeout: optDuration,
  secretRef: nameRef.optional(),
  ignore: str.optional(),
  suspend: bool,
  provider: str.optional(),
});
/** GitRepository fields Flux defines that the agent does not act on, and how it treats them. */
const gitRepositoryOther: Readonly<Record<string, Support>> = { gitImplementation: "ignored", recurseSubmodules: "unsupported", include: "unsupported", verify: "unsupported", proxySecretRef: "unsupported", sparseCheckout: "unsupported", accessFrom: "ignored" };

/** `spec` of a Kustomization, the fields of every version. */
const kustomizationSpec = z.object({
  sourceRef: z.object({ kind: str, name: str.min(1), namespace: str.optional(), apiVersion: str.optional() }),
  path: str.optional(),
  interval: optDuration,
  retryInterval: optDuration,
  timeout: optDuration,
  prune: bool,
  wait: bool,
  force: bool,
  suspend: bool,
  healthChecks: z.array(z.object({ apiVersion: str.optional(), kind: str, name: str, namespace: str.optional() })).optional(),
  dependsOn: z.array(z.object({ name: str.min(1), namespace: str.optional() })).optional(),
  targetNamespace: str.optional(),
  serviceAccountName: str.optional(),
  namePrefix: str.optional(),
  nameSuffix: str.optional(),
  commonMetadata: z.object({ labels: keyValues.optional(), annotations: keyValues.optional() }).optional(),
  patches: z.array(z.object({ patch: str, target: z.record(z.string(), z.unknown()).optional() })).optional(),
  images: z.array(z.object({ name: str, newName: str.optional(), newTag: str.optional(), digest: str.optional() })).optional(),
  components: z.array(str).optional(),
  postBuild: z
    .object({
      substitute: keyValues.optional(),
      substituteFrom: z.array(z.object({ kind: z.enum(["ConfigMap", "Secret"]), name: str.min(1), optional: bool })).optional(),
    })
    .optional(),
  decryption: z.object({ provider: str, secretRef: nameRef.optional() }).optional(),
  validation: z.unknown().optional(),
});
/** Kustomization fields Flux defines that the agent does not act on, and how it treats them. */
const kustomizationOther: Readonly<Record<string, Support>> = {
  kubeConfig: "unsupported",
  patchesStrategicMerge: "unsupported",
  patchesJson6902: "unsupported",
  deletionPolicy: "unsupported",
  ignoreMissingComponents: "unsupported",
};

/** An issue (error or warning) inside one object: the key path from the object's root and what. */
export interface SpecIssue {
  path: (string | number)[];
  message: string;
}

/** The outcome of reading one object: its settings, or the errors; warnings either way. */
export type SpecResult<T> = { ok: true; value: T; warnings: SpecIssue[] } | { ok: false; errors: SpecIssue[]; warnings: SpecIssue[] };

/** Kustomize settings of a Kustomization laid over its path (a generated kustomization, as Flux does). */
export interface KustomizeOverlay {
  namePrefix?: string;
  nameSuffix?: string;
  commonMetadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  patches?: { patch: string; target?: Record<string, unknown> }[];
  images?: { name: string; newName?: string; newTag?: string; digest?: string }[];
  components?: string[];
}

/** `postBuild` of a Kustomization. */
export interface PostBuild {
  substitute: Record<string, string>;
  substituteFrom: { kind: "ConfigMap" | "Secret"; name: string; optional: boolean }[];
}

/** A sync defined in git: the configuration's settings plus what only Kustomizations have. */
export type FluxSync = SyncConfig & {
  /** The Kustomization's namespace (ServiceAccounts, substituteFrom and labels use it). */
  namespace: string;
  overlay?: KustomizeOverlay;
  postBuild?: PostBuild;
  /** Objects outside the build to wait for after each apply (kstatus rules), within the timeout. */
  healthChecks?: { apiVersion: string; kind: string; name: string; namespace: string }[];
  /** SOPS decryption (agent/sops): the Secret of keys, in the Kustomization's namespace. */
  decryption?: { provider: "sops"; secretRef?: string };
};

/** Issues of unknown and not-run fields of `spec` (`spec.<key>`), as warnings. */
function otherFields(spec: Record<string, unknown>, known: readonly string[], other: Readonly<Record<string, Support>>, kind: string): SpecIssue[] {
  const out: SpecIssue[] = [];
  for (const key of Object.keys(spec)) {
    if (known.includes(key)) continue;
    const support = other[key];
    out.push({
      path: ["spec", key],
      message: support === "ignored" ? "is ignored by Slipway" : support === "unsupported" ? "is not supported by Slipway yet; the field is ignored" : `is not a field of ${kind}; ignored`,
    });
  }
  return out;
}

function specOf(obj: KubeObject): { spec?: Record<string, unknown>; errors: SpecIssue[] } {
  const spec = (obj as { spec?: unknown }).spec;
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) return { errors: [{ path: ["spec"], message: "is required (a mapping)" }] };
  return { spec: spec as Record<string, unknown>, errors: [] };
}

const prefixed = (issues: SchemaIssue[]): SpecIssue[] => issues.map((i) => ({ path: ["spec", ...i.path], message: i.message }));

/** The source a GitRepository defines (its key as name); `agentNamespace` decides the key. */
export function readGitRepository(obj: KubeObject, agentNamespace: string): SpecResult<SourceConfig & { ignore?: string; suspend?: boolean }> {
  const namespace = obj.metadata.namespace ?? "default";
  const { spec, errors } = specOf(obj);
  if (!spec) return { ok: false, errors, warnings: [] };
  const warnings = otherFields(spec, Object.keys(gitRepositorySpec.shape), gitRepositoryOther, "GitRepository");
  const parsed = parseWithSchema(gitRepositorySpec, spec);
  if (!parsed.ok) return { ok: false, errors: prefixed(parsed.issues), warnings };
  const s = parsed.value;
  const problems: SpecIssue[] = [];
  if (s.interval === undefined) problems.push({ path: ["spec", "interval"], message: "is required" });
  let ref: SourceRef = { branch: "master" };
  const r = s.ref ?? {};
  if (r.commit !== undefined) ref = { commit: r.commit };
  else if (r.name !== undefined) {
    const problem = refNameProblem(r.name);
    if (problem) problems.push({ path: ["spec", "ref", "name"], message: problem });
    ref = { name: r.name };
  } else if (r.semver !== undefined) {
    const problem = semverRangeProblem(r.semver);
    if (problem) problems.push({ path: ["spec", "ref", "semver"], message: `is not a semver range: ${problem}` });
    ref = { semver: r.semver };
  } else if (r.tag !== undefined) ref = { tag: r.tag };
  else if (r.branch !== undefined) ref = { branch: r.branch };
  if (r.commit !== undefined && !/^[0-9a-f]{40}$/.test(r.commit)) problems.push({ path: ["spec", "ref", "commit"], message: `"${r.commit}" is not a full 40-character commit SHA` });
  const provider = s.provider ?? "generic";
  if (provider !== "generic" && provider !== "aws") problems.push({ path: ["spec", "provider"], message: `"${provider}" is not supported by Slipway (generic, or aws for CodeCommit)` });
  if (problems.length > 0) return { ok: false, errors: problems, warnings };
  return {
    ok: true,
    warnings,
    value: {
      name: syncKey(namespace, obj.metadata.name, agentNamespace),
      // Slipway's addition: provider aws signs CodeCommit requests (codecommit::<region>://<name> is rewritten to its https URL).
      url: provider === "aws" ? (parseCodeCommitUrl(s.url)?.url ?? s.url) : s.url,
      ref,
      intervalMs: s.interval ?? 60_000,
      timeoutMs: s.timeout ?? 60_000,
      provider: provider === "aws" ? "aws" : "generic",
      ...(s.secretRef ? { secretRef: { name: s.secretRef.name, namespace } } : {}),
      ...(s.ignore !== undefined ? { ignore: s.ignore } : {}),
      // Suspended: not fetched; its syncs keep the revision fetched last.
      ...(s.suspend ? { suspend: true } : {}),
    },
  };
}

/** Whether a path stays inside the repository. */
function insideRepository(p: string): boolean {
  if (p.startsWith("/")) return false;
  let depth = 0;
  for (const seg of p.split("/")) {
    if (seg === "..") depth--;
    else if (seg !== "." && seg !== "") depth++;
    if (depth < 0) return false;
  }
  return true;
}

/** The sync a Kustomization defines (its key as name, sourceRef and dependsOn as keys). */
export function readKustomization(obj: KubeObject, agentNamespace: string): SpecResult<FluxSync> {
  const namespace = obj.metadata.namespace ?? "default";
  const { spec, errors } = specOf(obj);
  if (!spec) return { ok: false, errors, warnings: [] };
  const warnings = otherFields(spec, Object.keys(kustomizationSpec.shape), kustomizationOther, "Kustomization");
  const parsed = parseWithSchema(kustomizationSpec, spec);
  if (!parsed.ok) return { ok: false, errors: prefixed(parsed.issues), warnings };
  const s = parsed.value;
  const problems: SpecIssue[] = [];
  if (s.interval === undefined) problems.push({ path: ["spec", "interval"], message: "is required" });
  if (s.sourceRef.kind !== "GitRepository") problems.push({ path: ["spec", "sourceRef", "kind"], message: `"${s.sourceRef.kind}" is not supported by Slipway yet (GitRepository)` });
  if (s.decryption && s.decryption.provider !== "sops") problems.push({ path: ["spec", "decryption", "provider"], message: `"${s.decryption.provider}" is not supported (sops); this Kustomization is not applied` });
  if (s.path !== undefined && !insideRepository(s.path)) problems.push({ path: ["spec", "path"], message: `"${s.path}" leaves the repository` });
  (s.healthChecks ?? []).forEach((h, i) => {
    if (!h.apiVersion) problems.push({ path: ["spec", "healthChecks", i, "apiVersion"], message: "is required by Slipway (e.g. apps/v1)" });
  });
  if (s.validation !== undefined) warnings.push({ path: ["spec", "validation"], message: "is ignored: the API server validates every object by server-side dry-run" });
  if (problems.length > 0) return { ok: false, errors: problems, warnings };
  const intervalMs = s.interval ?? 600_000;
  const overlay: KustomizeOverlay = {
    ...(s.namePrefix ? { namePrefix: s.namePrefix } : {}),
    ...(s.nameSuffix ? { nameSuffix: s.nameSuffix } : {}),
    ...(s.commonMetadata ? { commonMetadata: s.commonMetadata } : {}),
    ...(s.patches?.length ? { patches: s.patches } : {}),
    ...(s.images?.length ? { images: s.images } : {}),
    ...(s.components?.length ? { components: s.components } : {}),
  };
  const sourceNs = s.sourceRef.namespace ?? namespace;
  return {
    ok: true,
    warnings,
    value: {
      name: syncKey(namespace, obj.metadata.name, agentNamespace),
      namespace,
      sourceRef: syncKey(sourceNs, s.sourceRef.name, agentNamespace),
      path: s.path ?? "./",
      intervalMs,
      retryIntervalMs: s.retryInterval ?? intervalMs,
      // Flux: the timeout defaults to the interval. Never below the configuration's floor.
      timeoutMs: s.timeout ?? Math.max(intervalMs, defaultSyncTimeout(0)),
      prune: s.prune ?? false,
      wait: s.wait ?? false,
      dependsOn: (s.dependsOn ?? []).map((d) => syncKey(d.namespace ?? namespace, d.name, agentNamespace)),
      suspend: s.suspend ?? false,
      force: s.force ?? false,
      allowEmpty: false,
      ...(s.targetNamespace ? { targetNamespace: s.targetNamespace } : {}),
      ...(s.serviceAccountName ? { serviceAccountName: s.serviceAccountName } : {}),
      ...(Object.keys(overlay).length > 0 ? { overlay } : {}),
      ...(s.postBuild ? { postBuild: { substitute: s.postBuild.substitute ?? {}, substituteFrom: (s.postBuild.substituteFrom ?? []).map((f) => ({ kind: f.kind, name: f.name, optional: f.optional ?? false })) } } : {}),
      ...(s.decryption ? { decryption: { provider: "sops" as const, ...(s.decryption.secretRef ? { secretRef: s.decryption.secretRef.name } : {}) } } : {}),
      ...(s.healthChecks?.length ? { healthChecks: s.healthChecks.map((h) => ({ apiVersion: h.apiVersion ?? "", kind: h.kind, name: h.name, namespace: h.namespace ?? namespace })) } : {}),
    },
  };
}

/** `spec.interval: is required`: one issue as it reads after the object. */
export function specIssueText(issue: SpecIssue): string {
  return `${showPath(issue.path)}: ${issue.message}`;
}
