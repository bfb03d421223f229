/**
 * Flux's HelmRepository (`source.toolkit.fluxcd.io` v1beta1, v1beta2, v1) and HelmRelease
 * (`helm.toolkit.fluxcd.io` v2beta1, v2beta2, v2) as read from git, as zod schemas, turned into
 * the agent's settings with Flux's defaults: a release is named after its object (prefixed with
 * `targetNamespace-` when one is set), installed into `targetNamespace` or its own namespace,
 * the chart's `sourceRef.namespace` defaults to the release's, `version` to `*`, `install.crds`
 * to Create and `upgrade.crds` to Skip, a repository's `type` to `default` (an HTTPS index).
 * Fields Flux defines that the agent does not act on are warnings naming the field. Pure.
 */
import * as z from "zod";
import { parseWithSchema, type SchemaIssue } from "../../core/schema-issues.ts";
import { positiveDurationSchema } from "../config/agent-config.ts";
import type { KubeObject } from "../kube/kube-object.ts";
import type { SpecIssue, SpecResult } from "../flux/flux-specs.ts";

const str = z.string();
const duration = positiveDurationSchema("30s, 1m0s or 1h").optional();
const crdPolicy = z.enum(["Skip", "Create", "CreateReplace"]).optional();

/** `spec` of a HelmRepository. */
const helmRepositorySpec = z.object({
  url: str.min(1),
  type: z.enum(["default", "oci"]).optional(),
  secretRef: z.object({ name: str.min(1) }).optional(),
  provider: z.enum(["generic", "aws", "azure", "gcp"]).optional(),
  interval: duration,
  timeout: duration,
  insecure: z.boolean().optional(),
  suspend: z.boolean().optional(),
  passCredentials: z.boolean().optional(),
  certSecretRef: z.unknown().optional(),
  accessFrom: z.unknown().optional(),
});

/** `spec` of a HelmRelease, the fields of every version. */
const helmReleaseSpec = z.object({
  chart: z
    .object({
      spec: z.object({
        chart: str.min(1),
        version: str.optional(),
        sourceRef: z.object({ kind: str, name: str.min(1), namespace: str.optional(), apiVersion: str.optional() }),
        interval: duration,
        reconcileStrategy: str.optional(),
        valuesFiles: z.array(str).optional(),
        valuesFile: str.optional(),
      }),
    })
    .optional(),
  chartRef: z.unknown().optional(),
  interval: duration,
  timeout: duration,
  suspend: z.boolean().optional(),
  releaseName: str.optional(),
  targetNamespace: str.optional(),
  storageNamespace: str.optional(),
  serviceAccountName: str.optional(),
  dependsOn: z.array(z.object({ name: str.min(1), namespace: str.optional() })).optional(),
  values: z.record(z.string(), z.unknown()).optional(),
  valuesFrom: z.array(z.object({ kind: z.enum(["ConfigMap", "Secret"]), name: str.min(1), valuesKey: str.optional(), targetPath: str.optional(), optional: z.boolean().optional() })).optional(),
  install: z.object({ crds: crdPolicy, createNamespace: z.boolean().optional() }).loose().optional(),
  upgrade: z.object({ crds: crdPolicy }).loose().optional(),
  postRenderers: z.array(z.object({ kustomize: z.object({ patches: z.array(z.object({ patch: str, target: z.record(z.string(), z.unknown()).optional() })).optional(), images: z.array(z.record(z.string(), z.unknown())).optional() }).loose().optional() })).optional(),
  test: z.unknown().optional(),
  rollback: z.unknown().optional(),
  uninstall: z.unknown().optional(),
  driftDetection: z.unknown().optional(),
  maxHistory: z.unknown().optional(),
  kubeConfig: z.unknown().optional(),
  persistentClient: z.unknown().optional(),
});

/** Fields of a HelmRelease that are read but not acted on (warned about when present). */
const releaseNotRun: Readonly<Record<string, string>> = {
  storageNamespace: "is ignored: Slipway keeps no Helm release storage (the ApplySet is the record)",
  test: "is ignored: test hooks are never run",
  rollback: "is ignored: a failed apply leaves the last good objects in place, nothing is rolled back",
  uninstall: "is ignored: a release removed from git is pruned with its sync",
  driftDetection: "is ignored: server-side apply corrects drift on every run",
  maxHistory: "is ignored: Slipway keeps no Helm release history",
  kubeConfig: "is not supported by Slipway; the field is ignored",
  persistentClient: "is ignored",
};

/** A chart repository. */
export interface HelmRepositorySpec {
  /** `namespace/name`. */
  key: string;
  url: string;
  type: "default" | "oci";
  provider: "generic" | "aws";
  /** A Secret in the repository's namespace with `username` and `password`. */
  secretRef?: { name: string; namespace: string };
  /** Plain HTTP for an OCI registry. */
  insecure: boolean;
  timeoutMs: number;
}

/** A release. */
export interface HelmReleaseSpec {
  /** `namespace/name` of the HelmRelease. */
  key: string;
  namespace: string;
  name: string;
  releaseName: string;
  /** Namespace of the release's objects. */
  targetNamespace: string;
  chart: string;
  /** The semver range (Masterminds rules), `*` when absent. */
  version: string;
  /** `namespace/name` of the HelmRepository. */
  repository: string;
  values: Record<string, unknown>;
  valuesFrom: { kind: "ConfigMap" | "Secret"; name: string; valuesKey: string; targetPath?: string; optional: boolean }[];
  installCrds: "Skip" | "Create" | "CreateReplace";
  upgradeCrds: "Skip" | "Create" | "CreateReplace";
  suspend: boolean;
  /** `spec.interval`, when set. */
  intervalMs?: number;
  timeoutMs?: number;
  /** Impersonated to apply the release's objects, as for a Kustomization. */
  serviceAccountName?: string;
  /** `namespace/name` of each HelmRelease this one waits for. */
  dependsOn: string[];
  postRenderPatches: { patch: string; target?: Record<string, unknown> }[];
}

const prefixed = (issues: SchemaIssue[]): SpecIssue[] => issues.map((i) => ({ path: ["spec", ...i.path], message: i.message }));

function specOf(obj: KubeObject): Record<string, unknown> | undefined {
  const spec = (obj as { spec?: unknown }).spec;
  return typeof spec === "object" && spec !== null && !Array.isArray(spec) ? (spec as Record<string, unknown>) : undefined;
}

function unknownFields(spec: Record<string, unknown>, known: readonly string[], kind: string): SpecIssue[] {
  return Object.keys(spec)
    .filter((k) => !known.includes(k))
    .map((k) => ({ path: ["spec", k], message: `is not a field of ${kind}; ignored` }));
}

/** Reads a HelmRepository. */
export function readHelmRepository(obj: KubeObject): SpecResult<HelmRepositorySpec> {
  const namespace = obj.metadata.namespace ?? "default";
  const spec = specOf(obj);
  if (!spec) return { ok: false, errors: [{ path: ["spec"], message: "is required (a mapping)" }], warnings: [] };
  const warnings = unknownFields(spec, Object.keys(helmRepositorySpec.shape), "HelmRepository");
  const parsed = parseWithSchema(helmRepositorySpec, spec);
  if (!parsed.ok) return { ok: false, errors: prefixed(parsed.issues), warnings };
  const s = parsed.value;
  const type = s.type ?? "default";
  const errors: SpecIssue[] = [];
  if (s.provider === "azure" || s.provider === "gcp") errors.push({ path: ["spec", "provider"], message: `"${s.provider}" is not supported by Slipway (generic, or aws for ECR)` });
  if (type === "oci" && !s.url.startsWith("oci://")) errors.push({ path: ["spec", "url"], message: `"${s.url}" must start with oci:// for type oci` });
  if (type === "default" && !/^https?:\/\//.test(s.url)) errors.push({ path: ["spec", "url"], message: `"${s.url}" must be an http(s) URL (or set type: oci)` });
  if (s.certSecretRef !== undefined) warnings.push({ path: ["spec", "certSecretRef"], message: "is not supported by Slipway yet; the system's CAs are used" });
  if (errors.length > 0) return { ok: false, errors, warnings };
  return {
    ok: true,
    warnings,
    value: {
      key: `${namespace}/${obj.metadata.name}`,
      url: s.url.replace(/\/+$/, ""),
      type,
      provider: s.provider === "aws" ? "aws" : "generic",
      ...(s.secretRef ? { secretRef: { name: s.secretRef.name, namespace } } : {}),
      insecure: s.insecure ?? false,
      timeoutMs: s.timeout ?? 60_000,
    },
  };
}

/** Reads a HelmRelease. */
export function readHelmRelease(obj: KubeObject): SpecResult<HelmReleaseSpec> {
  const namespace = obj.metadata.namespace ?? "default";
  const spec = specOf(obj);
  if (!spec) return { ok: false, errors: [{ path: ["spec"], message: "is required (a mapping)" }], warnings: [] };
  const warnings = unknownFields(spec, Object.keys(helmReleaseSpec.shape), "HelmRelease");
  for (const [k, why] of Object.entries(releaseNotRun)) if (spec[k] !== undefined) warnings.push({ path: ["spec", k], message: why });
  const parsed = parseWithSchema(helmReleaseSpec, spec);
  if (!parsed.ok) return { ok: false, errors: prefixed(parsed.issues), warnings };
  const s = parsed.value;
  const errors: SpecIssue[] = [];
  if (s.chartRef !== undefined) errors.push({ path: ["spec", "chartRef"], message: "is not supported by Slipway yet (use chart.spec with a HelmRepository)" });
  else if (!s.chart) errors.push({ path: ["spec", "chart"], message: "is required" });
  const chart = s.chart?.spec;
  if (chart && chart.sourceRef.kind !== "HelmRepository") errors.push({ path: ["spec", "chart", "spec", "sourceRef", "kind"], message: `"${chart.sourceRef.kind}" is not supported by Slipway yet (HelmRepository)` });
  if (chart?.valuesFiles?.length || chart?.valuesFile) warnings.push({ path: ["spec", "chart", "spec", "valuesFiles"], message: "is not supported by Slipway yet; the chart's values.yaml is used" });
  (s.postRenderers ?? []).forEach((p, i) => {
    if (!p.kustomize) errors.push({ path: ["spec", "postRenderers", i], message: "only kustomize post-renderers exist" });
    else if (p.kustomize.images?.length) errors.push({ path: ["spec", "postRenderers", i, "kustomize", "images"], message: "is not supported by Slipway yet (patches are)" });
  });
  if (errors.length > 0 || !chart) return { ok: false, errors, warnings };
  const targetNamespace = s.targetNamespace ?? namespace;
  return {
    ok: true,
    warnings,
    value: {
      key: `${namespace}/${obj.metadata.name}`,
      namespace,
      name: obj.metadata.name,
      releaseName: s.releaseName ?? (s.targetNamespace ? `${s.targetNamespace}-${obj.metadata.name}` : obj.metadata.name),
      targetNamespace,
      chart: chart.chart,
      version: chart.version ?? "*",
      repository: `${chart.sourceRef.namespace ?? namespace}/${chart.sourceRef.name}`,
      values: s.values ?? {},
      valuesFrom: (s.valuesFrom ?? []).map((v) => ({ kind: v.kind, name: v.name, valuesKey: v.valuesKey ?? "values.yaml", ...(v.targetPath ? { targetPath: v.targetPath } : {}), optional: v.optional ?? false })),
      installCrds: s.install?.crds ?? "Create",
      upgradeCrds: s.upgrade?.crds ?? "Skip",
      suspend: s.suspend ?? false,
      ...(s.interval !== undefined ? { intervalMs: s.interval } : {}),
      ...(s.timeout !== undefined ? { timeoutMs: s.timeout } : {}),
      ...(s.serviceAccountName ? { serviceAccountName: s.serviceAccountName } : {}),
      dependsOn: (s.dependsOn ?? []).map((d) => `${d.namespace ?? namespace}/${d.name}`),
      postRenderPatches: (s.postRenderers ?? []).flatMap((p) => p.kustomize?.patches ?? []),
    },
  };
}
