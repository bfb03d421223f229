/**
 * A release's values, as Flux's helm-controller composes them: each `valuesFrom` ConfigMap or
 * Secret in the release's namespace, in order, read at its `valuesKey` (default `values.yaml`):
 * without `targetPath` the key's YAML is merged in (maps merged deeply, anything else replaced),
 * with `targetPath` the key's raw text is set at that dotted path (`a.b[0].c`); then
 * `spec.values` is merged over them all. A missing object or key fails the release naming it,
 * unless `optional`; a values document that does not parse (or is not a mapping) fails naming the
 * object, key and line. Secret values are registered with the redactor as they are read.
 */
import { parse as parseYaml, YAMLParseError } from "yaml";
import { SlipwayError } from "../../core/errors.ts";
import { registerSecret } from "../../core/redact.ts";
import type { KubeClient } from "../kube/kube-client.ts";
import type { HelmReleaseSpec } from "./helm-specs.ts";

type Values = Record<string, unknown>;

const isMap = (v: unknown): v is Values => typeof v === "object" && v !== null && !Array.isArray(v);

/** Helm's merge: maps merged key by key, every other value replaced. Pure. */
export function mergeValues(base: Values, over: Values): Values {
  const out: Values = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isMap(b) && isMap(v) ? mergeValues(b, v) : v;
  }
  return out;
}

/** Sets `value` at a dotted `path` (`a.b`, `list[0].x`), creating maps on the way. Pure. */
export function setAtPath(values: Values, path: string, value: unknown): Values {
  const parts = path.split(/\.(?![^[]*\])/).flatMap((p) => {
    const m = /^([^[]+)((?:\[\d+\])*)$/.exec(p);
    if (!m) return [p];
    return [m[1] as string, ...[...(m[2] ?? "").matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1]))];
  });
  const root: Values = structuredClone(values);
  let cur: Values | unknown[] = root;
  parts.forEach((part, i) => {
    const last = i === parts.length - 1;
    const next = parts[i + 1];
    const container = cur as Record<string | number, unknown>;
    if (last) container[part] = value;
    else {
      if (typeof container[part] !== "object" || container[part] === null) container[part] = typeof next === "number" ? [] : {};
      cur = container[part] as Values | unknown[];
    }
  });
  return root;
}

/** The release's values (see the file comment). */
export async function composeValues(client: KubeClient, release: HelmReleaseSpec, signal?: AbortSignal): Promise<Values> {
  let values: Values = {};
  for (const [i, from] of release.valuesFrom.entries()) {
    const subject = `HelmRelease/${release.key}: spec.valuesFrom[${i}]: ${from.kind}/${release.namespace}/${from.name}`;
    const res = await client.request<{ data?: Record<string, string> }>({
      method: "GET",
      path: `/api/v1/namespaces/${encodeURIComponent(release.namespace)}/${from.kind === "Secret" ? "secrets" : "configmaps"}/${encodeURIComponent(from.name)}`,
      allowNotFound: true,
      signal,
    });
    if (res.status === 404) {
      if (from.optional) continue;
      throw new SlipwayError(subject, "not found (mark it optional: true if it may be absent)");
    }
    const raw = res.body.data?.[from.valuesKey];
    if (raw === undefined) {
      if (from.optional) continue;
      throw new SlipwayError(subject, `has no key "${from.valuesKey}"`);
    }
    const text = from.kind === "Secret" ? Buffer.from(raw, "base64").toString("utf8") : raw;
    if (from.kind === "Secret") registerSecret(text);
    if (from.targetPath) {
      values = setAtPath(values, from.targetPath, text);
      continue;
    }
    let doc: unknown;
    try {
      doc = parseYaml(text);
    } catch (err) {
      const line = err instanceof YAMLParseError && err.linePos ? `:${err.linePos[0].line}` : "";
      throw new SlipwayError(`${subject}: ${from.valuesKey}${line}`, `does not parse as YAML: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`, { cause: err });
    }
    if (doc === null || doc === undefined) continue;
    if (!isMap(doc)) throw new SlipwayError(`${subject}: ${from.valuesKey}`, "is not a mapping of values");
    values = mergeValues(values, doc);
  }
  return mergeValues(values, release.values);
}
