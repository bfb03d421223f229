/**
 * Test helper: the namespaced install (deploy/ with the deploy/namespaced component) built by
 * kustomize, and its RBAC applied to the real control plane under a test's own namespaces, with
 * the agent's ServiceAccount and a kubeconfig holding a real token of it.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { TestContext } from "node:test";
import { parseAllDocuments, stringify } from "yaml";
import { run } from "../../../core/exec.ts";
import { kubectl, type TestEnv } from "../../env/harness.ts";

const repoRoot = path.resolve(import.meta.dirname, "../../..");

/** One object of the install, as far as the tests read it. */
export interface InstallObject {
  kind: string;
  metadata: { name: string; namespace?: string };
  data?: Record<string, string>;
  subjects?: { kind: string; name: string; namespace?: string }[];
  [key: string]: unknown;
}

/** The namespaced install as `kubectl kustomize` builds it from a kustomization outside deploy/ (the way the README says to use it). */
export async function buildNamespacedInstall(): Promise<InstallObject[]> {
  // Kustomize refuses an overlay inside its base, and absolute paths: a sibling directory of deploy/.
  const dir = mkdtempSync(path.join(repoRoot, ".namespaced-install-"));
  try {
    writeFileSync(path.join(dir, "kustomization.yaml"), "resources: [../deploy]\ncomponents: [../deploy/namespaced]\n");
    const out = (await run("kubectl", ["kustomize", dir])).stdout;
    return parseAllDocuments(out).map((d) => d.toJS() as InstallObject);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What {@link applyNamespacedRbac} set up. */
export interface NamespacedAgent {
  /** A kubeconfig that authenticates as the agent's ServiceAccount with a real token. */
  kubeconfig: string;
  token: string;
}

/**
 * Applies the namespaced install's Roles and RoleBindings with its namespaces renamed
 * (`slipway-system` → `agentNs`, `team-a`/`team-b` → `tenants`), creates the ServiceAccount
 * `slipway-agent` in `agentNs` and returns a kubeconfig with a token of it.
 */
export async function applyNamespacedRbac(env: TestEnv, t: TestContext, agentNs: string, tenants: readonly [string, string]): Promise<NamespacedAgent> {
  const rename: Record<string, string> = { "slipway-system": agentNs, "team-a": tenants[0], "team-b": tenants[1] };
  const rbac = (await buildNamespacedInstall()).filter((o) => o.kind === "Role" || o.kind === "RoleBinding");
  for (const o of rbac) {
    o.metadata.namespace = rename[o.metadata.namespace ?? ""] ?? o.metadata.namespace;
    for (const s of o.subjects ?? []) s.namespace = rename[s.namespace ?? ""] ?? s.namespace;
  }
  await kubectl(env, ["create", "serviceaccount", "slipway-agent", "-n", agentNs]);
  await kubectl(env, ["apply", "-f", "-"], { input: rbac.map((o) => stringify(o)).join("---\n") });
  const token = (await kubectl(env, ["create", "token", "slipway-agent", "-n", agentNs, "--duration=1h"])).trim();
  const admin = JSON.parse(await kubectl(env, ["config", "view", "--raw", "--minify", "-o", "json"])) as { clusters: { name: string }[] };
  const dir = mkdtempSync(path.join(env.dir, "namespaced-agent-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const kubeconfig = path.join(dir, "kubeconfig");
  const cluster = admin.clusters[0]?.name ?? "";
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: admin.clusters,
      users: [{ name: "slipway-agent", user: { token } }],
      contexts: [{ name: "slipway-agent", context: { cluster, user: "slipway-agent" } }],
      "current-context": "slipway-agent",
    }),
  );
  return { kubeconfig, token };
}
