/**
 * Flux's notification Provider and Alert objects (`notification.toolkit.fluxcd.io` v1beta1,
 * v1beta2, v1beta3) read into what the notifier runs. Fields are Flux's:
 *
 * - Provider: `type` (generic, generic-hmac, slack, msteams, discord, github, gitlab), `address`,
 *   `channel`, `username`, `secretRef` (keys `address`, `token`, `headers`, `proxy`), `proxy`
 *   (an `http://` or `https://` proxy URL, credentials in it allowed), `timeout`, `suspend`.
 * - Alert: `providerRef`, `eventSources` (kind Kustomization or GitRepository, name or `*`,
 *   namespace defaulting to the Alert's, matchLabels), `eventSeverity` (info, error),
 *   `inclusionList`, `exclusionList` (RE2), `summary`, `eventMetadata`, `suspend`.
 *
 * A wrong object is an error naming it and the field; it never stops the others. Pure.
 */
import { parseDuration } from "../../core/duration.ts";
import { compileTagFilter } from "../../core/policy/tag-filter.ts";
import { errorMessage } from "../../core/errors.ts";
import { objectId, type KubeObject } from "../kube/kube-object.ts";

/** The provider types the notifier sends to. */
export const providerTypes = ["generic", "generic-hmac", "slack", "msteams", "discord", "github", "gitlab"] as const;

/** One of {@link providerTypes}. */
export type ProviderType = (typeof providerTypes)[number];

/** A Provider as the notifier uses it. */
export interface ProviderSpec {
  /** `Provider/ns/name`. */
  id: string;
  namespace: string;
  name: string;
  type: ProviderType;
  address?: string;
  channel?: string;
  username?: string;
  /** Secret in the Provider's namespace with `address`, `token`, `headers`, `proxy`. */
  secretName?: string;
  /** The HTTP(S) proxy to send through (`spec.proxy`; the Secret's `proxy` key wins). */
  proxy?: string;
  /** Limit of one delivery, ms. Default 15 s. */
  timeoutMs: number;
  suspend: boolean;
}

/** One entry of an Alert's `eventSources`. */
export interface EventSourceSpec {
  kind: "Kustomization" | "GitRepository";
  name: string;
  namespace: string;
  matchLabels?: Record<string, string>;
}

/** An Alert as the notifier uses it. */
export interface AlertSpec {
  id: string;
  namespace: string;
  name: string;
  providerRef: string;
  eventSources: EventSourceSpec[];
  eventSeverity: "info" | "error";
  /** Whether the message passes the inclusion and exclusion lists. */
  passes(message: string): boolean;
  summary?: string;
  eventMetadata: Record<string, string>;
  suspend: boolean;
}

/** What reading the objects of a build gave. */
export interface NotificationSpecs {
  providers: ProviderSpec[];
  alerts: AlertSpec[];
  /** `Kind/ns/name: field: why`, one per problem. */
  errors: string[];
  warnings: string[];
}

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Rec) : {});
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

function stringMap(v: unknown, field: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(rec(v))) {
    if (typeof x !== "string") throw new Error(`${field}.${k}: must be a string`);
    out[k] = x;
  }
  return out;
}

/** Whether `url` is an `http://` or `https://` URL with a host (a proxy's address). */
export function isProxyUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return (u.protocol === "http:" || u.protocol === "https:") && u.hostname !== "";
  } catch {
    return false;
  }
}

function readProvider(obj: KubeObject): { spec?: ProviderSpec; error?: string; warnings: string[] } {
  const spec = rec(obj.spec);
  const namespace = obj.metadata.namespace ?? "default";
  const id = objectId({ kind: "Provider", metadata: { name: obj.metadata.name, namespace } });
  const type = str(spec.type);
  if (!type) return { error: `${id}: spec.type: is required`, warnings: [] };
  if (!(providerTypes as readonly string[]).includes(type)) return { error: `${id}: spec.type: "${type}" is not supported by Slipway yet (${providerTypes.join(", ")})`, warnings: [] };
  let timeoutMs = 15_000;
  if (spec.timeout !== undefined) {
    const t = typeof spec.timeout === "string" ? parseDuration(spec.timeout) : undefined;
    if (!t) return { error: `${id}: spec.timeout: "${String(spec.timeout)}" is not a positive duration`, warnings: [] };
    timeoutMs = t;
  }
  const warnings: string[] = [];
  const proxy = str(spec.proxy);
  if (spec.proxy !== undefined && !(proxy && isProxyUrl(proxy))) return { error: `${id}: spec.proxy: is not an http:// or https:// URL`, warnings };
  const secretName = str(rec(spec.secretRef).name);
  const address = str(spec.address);
  if (!address && !secretName) return { error: `${id}: spec.address: is required (or a secretRef with an address key)`, warnings };
  const channel = str(spec.channel);
  const username = str(spec.username);
  return {
    warnings,
    spec: {
      id,
      namespace,
      name: obj.metadata.name,
      type: type as ProviderType,
      ...(address ? { address } : {}),
      ...(channel ? { channel } : {}),
      ...(username ? { username } : {}),
      ...(secretName ? { secretName } : {}),
      ...(proxy ? { proxy } : {}),
      timeoutMs,
      suspend: spec.suspend === true,
    },
  };
}

function readAlert(obj: KubeObject): AlertSpec | { error: string } {
  const spec = rec(obj.spec);
  const namespace = obj.metadata.namespace ?? "default";
  const id = objectId({ kind: "Alert", metadata: { name: obj.metadata.name, namespace } });
  const providerRef = str(rec(spec.providerRef).name);
  if (!providerRef) return { error: `${id}: spec.providerRef.name: is required` };
  if (!Array.isArray(spec.eventSources) || spec.eventSources.length === 0) return { error: `${id}: spec.eventSources: needs at least one entry` };
  const eventSources: EventSourceSpec[] = [];
  for (const [i, raw] of spec.eventSources.entries()) {
    const e = rec(raw);
    const kind = str(e.kind);
    if (kind !== "Kustomization" && kind !== "GitRepository") return { error: `${id}: spec.eventSources[${i}].kind: "${String(e.kind)}" is not Kustomization or GitRepository (the objects Slipway runs)` };
    const name = str(e.name);
    if (!name) return { error: `${id}: spec.eventSources[${i}].name: is required (a name or *)` };
    try {
      const matchLabels = e.matchLabels === undefined ? undefined : stringMap(e.matchLabels, `spec.eventSources[${i}].matchLabels`);
      eventSources.push({ kind, name, namespace: str(e.namespace) ?? namespace, ...(matchLabels ? { matchLabels } : {}) });
    } catch (err) {
      return { error: `${id}: ${errorMessage(err)}` };
    }
  }
  const severity = str(spec.eventSeverity) ?? "info";
  if (severity !== "info" && severity !== "error") return { error: `${id}: spec.eventSeverity: "${severity}" is not info or error` };
  const lists: { include: ((m: string) => boolean)[]; exclude: ((m: string) => boolean)[] } = { include: [], exclude: [] };
  for (const [field, into] of [["inclusionList", lists.include], ["exclusionList", lists.exclude]] as const) {
    const patterns = spec[field];
    if (patterns === undefined) continue;
    if (!Array.isArray(patterns)) return { error: `${id}: spec.${field}: must be a list of regular expressions` };
    for (const p of patterns) {
      try {
        const f = compileTagFilter(String(p), "", `spec.${field}`);
        into.push((m) => f.apply(m) !== undefined);
      } catch (err) {
        return { error: `${id}: ${errorMessage(err)}` };
      }
    }
  }
  let eventMetadata: Record<string, string>;
  try {
    eventMetadata = stringMap(spec.eventMetadata, "spec.eventMetadata");
  } catch (err) {
    return { error: `${id}: ${errorMessage(err)}` };
  }
  return {
    id,
    namespace,
    name: obj.metadata.name,
    providerRef,
    eventSources,
    eventSeverity: severity,
    passes: (m) => (lists.include.length === 0 || lists.include.some((f) => f(m))) && !lists.exclude.some((f) => f(m)),
    ...(str(spec.summary) ? { summary: str(spec.summary) } : {}),
    eventMetadata,
    suspend: spec.suspend === true,
  };
}

/** Reads the Provider and Alert objects of one or more builds. Pure. */
export function readNotificationObjects(objects: readonly KubeObject[]): NotificationSpecs {
  const out: NotificationSpecs = { providers: [], alerts: [], errors: [], warnings: [] };
  for (const obj of objects) {
    if (obj.kind === "Provider") {
      const p = readProvider(obj);
      out.warnings.push(...p.warnings);
      if (p.spec) out.providers.push(p.spec);
      else if (p.error) out.errors.push(p.error);
    } else if (obj.kind === "Alert") {
      const a = readAlert(obj);
      if ("error" in a) out.errors.push(a.error);
      else out.alerts.push(a);
    }
  }
  for (const a of out.alerts) {
    if (!out.providers.some((p) => p.namespace === a.namespace && p.name === a.providerRef) && !out.errors.some((e) => e.startsWith(`Provider/${a.namespace}/${a.providerRef}:`))) {
      out.errors.push(`${a.id}: spec.providerRef.name: Provider/${a.namespace}/${a.providerRef} not found`);
    }
  }
  return out;
}
