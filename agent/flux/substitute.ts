/**
 * Flux's post-build variable substitution (`spec.postBuild`): in each built object's YAML,
 * `${var}` is replaced by the variable's value and `${var:=default}` (or `${var:-default}`) by the
 * default when the variable is unset or empty; `$${var}` is an escaped literal `${var}`. A variable
 * with no value and no default is left as written and reported. Values come from
 * `substituteFrom` (ConfigMaps and Secrets, in order, later ones win) and then `substitute`,
 * which wins over all. An object labelled or annotated `kustomize.toolkit.fluxcd.io/substitute:
 * disabled` is left untouched. Pure.
 */
import { parse, stringify } from "yaml";
import { SlipwayError } from "../../core/errors.ts";
import { marker, objectId, type KubeObject } from "../kube/kube-object.ts";

/** The opt-out marker (label or annotation), value `disabled`. */
export const substituteMarker = "kustomize.toolkit.fluxcd.io/substitute";

const varName = /^[_a-zA-Z][_a-zA-Z0-9]*$/;
const pattern = /\$(\$)?\{([^}:]*)(?::([=-])([^}]*))?\}/g;

/** Checks the variable names of `substitute` (Flux refuses other names); returns the bad ones. */
export function invalidVariableNames(vars: Readonly<Record<string, string>>): string[] {
  return Object.keys(vars).filter((k) => !varName.test(k));
}

/** The result of substituting one build. */
export interface SubstituteResult {
  objects: KubeObject[];
  /** `Kind/ns/name: ${var} has no value and no default; left as written`, once per object and variable. */
  warnings: string[];
}

/** Substitutes `vars` into `text`; returns the text and the names left without a value. */
export function substituteText(text: string, vars: Readonly<Record<string, string>>): { text: string; missing: string[] } {
  const missing: string[] = [];
  const out = text.replace(pattern, (whole: string, escaped: string | undefined, name: string, op: string | undefined, def: string | undefined) => {
    if (escaped) return whole.slice(1);
    if (!varName.test(name)) return whole;
    const value = vars[name];
    if (op !== undefined) return value !== undefined && value !== "" ? value : (def ?? "");
    if (value !== undefined) return value;
    if (!missing.includes(name)) missing.push(name);
    return whole;
  });
  return { text: out, missing };
}

/** Substitutes into every object that does not opt out. Throws naming the object when the result is not YAML any more. */
export function substituteObjects(objects: readonly KubeObject[], vars: Readonly<Record<string, string>>): SubstituteResult {
  const warnings: string[] = [];
  const out = objects.map((o) => {
    if (marker(o, substituteMarker) === "disabled") return o;
    const { text, missing } = substituteText(stringify(o), vars);
    for (const m of missing) warnings.push(`${objectId(o)}: \${${m}} has no value and no default; left as written`);
    try {
      return parse(text) as KubeObject;
    } catch (err) {
      throw new SlipwayError(objectId(o), "is not valid YAML after variable substitution (quote the value, or use substitute: disabled)", { cause: err });
    }
  });
  return { objects: out, warnings };
}
