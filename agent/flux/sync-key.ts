/**
 * How sources and syncs are identified. Flux identifies GitRepository and Kustomization objects by
 * namespace/name; the agent's own configuration has names only, and they belong to the agent's
 * namespace. A key is the bare name for the agent's namespace (so the configuration's names, the
 * parents `slipway-<name>` and `slipway get NAME` stay as they were) and `namespace/name` for any
 * other namespace. The parent of `flux-system/monitoring-stack` is `slipway-flux-system.monitoring-stack`
 * (a namespace never holds a dot, so the first dot separates it). Pure.
 */

/** The key of `namespace/name` for an agent in `agentNamespace`. */
export function syncKey(namespace: string, name: string, agentNamespace: string): string {
  return namespace === agentNamespace ? name : `${namespace}/${name}`;
}

/** The namespace and name a key stands for. */
export function splitKey(key: string, agentNamespace: string): { namespace: string; name: string } {
  const slash = key.indexOf("/");
  return slash < 0 ? { namespace: agentNamespace, name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** The key as it appears in object names and label values (`/` is not allowed there): `ns.name`. */
export function keyToLabel(key: string): string {
  return key.replace("/", ".");
}

/** The key a {@link keyToLabel} value stands for. */
export function labelToKey(value: string): string {
  return value.replace(".", "/");
}
