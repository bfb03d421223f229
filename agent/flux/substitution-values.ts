/**
 * The values of a Kustomization's `postBuild`: each `substituteFrom` ConfigMap's `data` or
 * Secret's decoded `data`, read from the Kustomization's namespace in order (later ones win), then
 * `substitute`, which wins over all. A missing object fails the sync naming it, unless marked
 * `optional`. Secret values are registered with the redactor as they are read.
 */
import { SlipwayError } from "../../core/errors.ts";
import { registerSecret } from "../../core/redact.ts";
import type { KubeClient } from "../kube/kube-client.ts";
import type { PostBuild } from "./flux-specs.ts";
import { invalidVariableNames } from "./substitute.ts";

/** Reads every value of `postBuild` for a Kustomization in `namespace`. */
export async function readSubstitutions(client: KubeClient, namespace: string, postBuild: PostBuild, signal?: AbortSignal): Promise<Record<string, string>> {
  const vars: Record<string, string> = {};
  for (const from of postBuild.substituteFrom) {
    const subject = `${from.kind}/${namespace}/${from.name}`;
    const res = await client
      .request<{ data?: Record<string, string> }>({
        method: "GET",
        path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/${from.kind === "Secret" ? "secrets" : "configmaps"}/${encodeURIComponent(from.name)}`,
        allowNotFound: true,
        signal,
      })
      .catch((err: unknown) => {
        throw new SlipwayError(subject, "cannot read the substitution values (spec.postBuild.substituteFrom)", { cause: err });
      });
    if (res.status === 404) {
      if (from.optional) continue;
      throw new SlipwayError(subject, "not found (spec.postBuild.substituteFrom; mark it optional: true if it may be absent)");
    }
    for (const [k, v] of Object.entries(res.body.data ?? {})) {
      const value = from.kind === "Secret" ? Buffer.from(v, "base64").toString("utf8") : v;
      if (from.kind === "Secret") registerSecret(value);
      vars[k] = value;
    }
  }
  Object.assign(vars, postBuild.substitute);
  const bad = invalidVariableNames(vars);
  if (bad.length > 0) throw new SlipwayError("spec.postBuild", `variable names must match ^[_a-zA-Z][_a-zA-Z0-9]*$: ${bad.join(", ")}`);
  return vars;
}
