/**
 * Discovery results: which REST resource serves a given apiVersion + kind, and whether it is
 * namespaced. Pure parsing of the API server's APIResourceList; the cache lives in the client.
 */

/** Where the API server serves one kind. */
export interface ResourceMapping {
  /** API group, `""` for the core group. */
  group: string;
  version: string;
  /** `group/version`, or `v1` for the core group. */
  apiVersion: string;
  kind: string;
  /** Plural resource name used in URLs, e.g. `deployments`. */
  resource: string;
  namespaced: boolean;
  /** Verbs the resource supports (`get`, `list`, `patch`, `delete`, …). */
  verbs: string[];
}

interface ApiResource {
  name?: string;
  kind?: string;
  namespaced?: boolean;
  verbs?: string[];
}

/**
 * Parses an APIResourceList (the body of `GET /api/v1` or `GET /apis/<group>/<version>`) into
 * mappings by kind. Subresources (`deployments/scale`) are skipped.
 */
export function parseResourceList(apiVersion: string, body: unknown): Map<string, ResourceMapping> {
  const out = new Map<string, ResourceMapping>();
  const slash = apiVersion.indexOf("/");
  const group = slash < 0 ? "" : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const resources = (body as { resources?: ApiResource[] } | null)?.resources ?? [];
  for (const r of resources) {
    if (!r.name || !r.kind || r.name.includes("/")) continue;
    out.set(r.kind, { group, version, apiVersion, kind: r.kind, resource: r.name, namespaced: r.namespaced === true, verbs: r.verbs ?? [] });
  }
  return out;
}

/** The discovery URL path for an apiVersion: `/api/v1` for the core group, `/apis/<group>/<version>` otherwise. */
export function discoveryPath(apiVersion: string): string {
  return apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

/** The collection or object URL path for a mapping (namespace ignored for cluster-scoped kinds). */
export function resourcePath(mapping: ResourceMapping, namespace?: string, name?: string): string {
  let p = discoveryPath(mapping.apiVersion);
  if (mapping.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${mapping.resource}`;
  if (name !== undefined) p += `/${encodeURIComponent(name)}`;
  return p;
}
