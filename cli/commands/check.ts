/**
 * `slipway check [--pre] [--config FILE] [--agent-namespace NS] [--agent-service-account NAME] …`:
 * pre-flight checks before installing or running the agent — the runtime and programs it needs,
 * the cluster's version, the configuration file, whether each source's git repository answers
 * with its credentials, and the rights of the agent's ServiceAccount (agent-access.ts) for what
 * each sync's build holds. Exit 1 when any check fails.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { SlipwayError, errorMessage } from "../../core/errors.ts";
import { createLogger } from "../../core/log.ts";
import { run as runProgram } from "../../core/exec.ts";
import { createGitClient } from "../../core/git/git-client.ts";
import type { KubeClient } from "../../agent/kube/kube-client.ts";
import { loadConfig } from "../../agent/config/load-config.ts";
import type { AgentConfig, SourceConfig, SyncConfig } from "../../agent/config/agent-config.ts";
import { createSourceManager, type SourceManager } from "../../agent/reconcile/source-manager.ts";
import { createKustomize, type Kustomize } from "../../agent/build/kustomize-runner.ts";
import { createWorkspace } from "../../agent/build/workspace.ts";
import { applySourceIgnore } from "../../agent/source/apply-sourceignore.ts";
import { buildSync } from "../../agent/build/build-sync.ts";
import { validateObjects } from "../../agent/sync/validate-objects.ts";
import { agentNamespaceNeeds, formatMissing, missingAccess, serviceAccountUser, syncNeeds, type AccessNeed, type PlannedKind } from "./agent-access.ts";
import { createKubeSecretReader, resolveSourceAuth, type SecretReader } from "../../agent/source/source-credentials.ts";
import { fail, ok, step, type CliIO, type CommandRun } from "../io.ts";
import { clusterFlags, clusterFlagsUsage, kubeClientFromFlags, parseFlags, noPositionals, outputFormat } from "../flags.ts";

/** The agent's ServiceAccount as deploy/ installs it. */
export const defaultAgentServiceAccount = "slipway-agent";

const USAGE = `Usage: slipway check [--pre] [--config FILE] [--agent-namespace NS] [--agent-service-account NAME] [--namespace NS] [--kubeconfig FILE] [--output text|json]

Checks what the agent needs: Node.js 24, git, kustomize (or kubectl kustomize), a reachable
Kubernetes API server of a supported version, the configuration file, each source's git
repository, and the rights of the agent's ServiceAccount (not the caller's; asked as
SubjectAccessReviews): its bookkeeping in its namespace and, with --config, every kind and
namespace each sync's build applies and prunes. Missing rights are listed as a table.

Flags:
  --pre                         only the checks that need no installed agent (runtime, programs, cluster version)
  --config FILE                 validate this agent configuration, reach each source, and check what its syncs need
  --agent-namespace NS          the agent ServiceAccount's namespace (default: the configuration's namespace, else -n)
  --agent-service-account NAME  the agent's ServiceAccount (default ${defaultAgentServiceAccount}, as deploy/ installs it)
${clusterFlagsUsage(30)}  -o, --output FMT              text (default) or json
`;

/** The oldest Kubernetes minor version the agent supports (server-side apply, ApplySet labels). */
export const minKubeMinor = 26;

/** The outcome of one check. */
export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
  /** The permissions check's denied rights, when any. */
  missing?: AccessNeed[];
}

/** Parses a Kubernetes `/version` answer into `{major, minor}`; minor strips a `+` suffix. */
export function parseKubeVersion(body: unknown): { major: number; minor: number; gitVersion: string } | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const v = body as Record<string, unknown>;
  const major = Number.parseInt(String(v.major ?? ""), 10);
  const minor = Number.parseInt(String(v.minor ?? "").replace(/\+$/, ""), 10);
  if (!Number.isFinite(major) || !Number.isFinite(minor)) return undefined;
  return { major, minor, gitVersion: String(v.gitVersion ?? `v${major}.${minor}`) };
}

async function checkProgram(name: string, command: string, args: string[], signal: AbortSignal): Promise<CheckResult> {
  try {
    const r = await runProgram(command, args, { signal });
    return { name, ok: true, detail: (r.stdout || r.stderr).trim().split("\n")[0] ?? "" };
  } catch (err) {
    return { name, ok: false, detail: errorMessage(err) };
  }
}

async function checkKustomize(signal: AbortSignal): Promise<CheckResult> {
  const standalone = await checkProgram("kustomize", "kustomize", ["version"], signal);
  if (standalone.ok) return standalone;
  const viaKubectl = await checkProgram("kustomize", "kubectl", ["version", "--client"], signal);
  if (viaKubectl.ok) return { name: "kustomize", ok: true, detail: `kubectl kustomize (${viaKubectl.detail})` };
  return { name: "kustomize", ok: false, detail: "neither kustomize nor kubectl is on PATH: install one of them" };
}

async function checkCluster(client: KubeClient, signal: AbortSignal): Promise<CheckResult> {
  try {
    const { body } = await client.request<unknown>({ method: "GET", path: "/version", signal });
    const v = parseKubeVersion(body);
    if (!v) return { name: "kubernetes", ok: false, detail: `${client.server}: unreadable /version answer` };
    const supported = v.major > 1 || (v.major === 1 && v.minor >= minKubeMinor);
    return {
      name: "kubernetes",
      ok: supported,
      detail: supported ? `${v.gitVersion} at ${client.server}` : `${v.gitVersion} at ${client.server}: want 1.${minKubeMinor} or newer`,
    };
  } catch (err) {
    return { name: "kubernetes", ok: false, detail: errorMessage(err) };
  }
}

/** Builds one sync as the agent would (fetch, export, `.sourceignore`, kustomize) and returns the kinds it plans in which namespaces. */
async function planSync(sync: SyncConfig, sources: SourceManager, kustomize: Kustomize, client: KubeClient, signal: AbortSignal): Promise<PlannedKind[]> {
  const fetched = await sources.revision(sync.sourceRef, { signal });
  const ws = await createWorkspace();
  try {
    await sources.export(sync.sourceRef, fetched.sha, ws.root, signal);
    await applySourceIgnore(ws.root, signal, sources.ignore(sync.sourceRef));
    const built = await buildSync({ root: ws.root, path: sync.path, kustomize, ...(sync.targetNamespace ? { targetNamespace: sync.targetNamespace } : {}), signal });
    const valid = await validateObjects({ client, objects: built.objects, ...(sync.targetNamespace ? { targetNamespace: sync.targetNamespace } : {}), signal });
    if (valid.errors.length > 0) throw new SlipwayError(`sync ${sync.name}`, valid.errors.map((e) => e.message).join("; "));
    const planned: PlannedKind[] = [];
    for (const o of valid.objects) planned.push({ mapping: await client.resource(o.apiVersion, o.kind, signal), ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) });
    return planned;
  } finally {
    await ws.dispose();
  }
}

/**
 * The agent ServiceAccount's rights, asked as SubjectAccessReviews: its bookkeeping in its
 * namespace, the Secrets its sources name, and with a configuration each sync's build (apply,
 * prune, the impersonation of a sync's account and that account's own rights). A sync whose build
 * cannot be planned is a failed check of its own.
 */
async function checkAgentAccess(client: KubeClient, agent: { namespace: string; serviceAccount: string }, config: AgentConfig | undefined, signal: AbortSignal): Promise<CheckResult[]> {
  const user = serviceAccountUser(agent.namespace, agent.serviceAccount);
  const name = `permissions of ${user}`;
  const needs: AccessNeed[] = agentNamespaceNeeds(user, agent.namespace);
  const results: CheckResult[] = [];
  if (config) {
    for (const src of config.sources) {
      if (src.secretRef) needs.push({ user, verb: "get", group: "", resource: "secrets", namespace: src.secretRef.namespace, name: src.secretRef.name, purpose: `credentials of source ${src.name}` });
    }
    const cacheDir = await mkdtemp(path.join(tmpdir(), "slipway-check-"));
    const sources = createSourceManager({ sources: config.sources, cacheDir, secrets: createKubeSecretReader(client), log: createLogger({ level: "error" }) });
    try {
      const kustomize = await createKustomize();
      for (const sync of config.syncs) {
        try {
          const planned = await planSync(sync, sources, kustomize, client, signal);
          let as = user;
          if (sync.serviceAccountName) {
            const ns = sync.serviceAccountNamespace ?? config.namespace;
            as = serviceAccountUser(ns, sync.serviceAccountName);
            needs.push({ user, verb: "impersonate", group: "", resource: "serviceaccounts", namespace: ns, name: sync.serviceAccountName, purpose: `impersonation for sync ${sync.name}` });
          }
          needs.push(...syncNeeds(as, sync.name, planned, sync.prune));
        } catch (err) {
          results.push({ name: `sync ${sync.name}`, ok: false, detail: `cannot plan its build: ${errorMessage(err)}` });
        }
      }
    } finally {
      await rm(cacheDir, { recursive: true, force: true });
    }
  }
  let missing: AccessNeed[];
  try {
    missing = await missingAccess(client, needs, signal);
  } catch (err) {
    return [{ name, ok: false, detail: `cannot ask the API server (SubjectAccessReview): ${errorMessage(err)}` }, ...results];
  }
  const checked = new Set(needs.map((n) => `${n.user}|${n.verb}|${n.group}|${n.resource}|${n.namespace}|${n.name ?? ""}`)).size;
  const access: CheckResult =
    missing.length === 0
      ? { name, ok: true, detail: `all ${checked} rights the agent${config ? " and its syncs" : ""} need${config ? "" : "s"} in ${agent.namespace}${config ? " and the syncs' namespaces" : ""}` }
      : { name, ok: false, detail: `${missing.length} of ${checked} rights missing:\n    ${formatMissing(missing, user).join("\n    ")}`, missing };
  return [access, ...results];
}

async function checkSource(source: SourceConfig, secrets: SecretReader | undefined, signal: AbortSignal): Promise<CheckResult> {
  const name = `source ${source.name}`;
  try {
    const auth = await resolveSourceAuth(source, secrets, signal);
    if (auth.kind === "bearer") {
      return { name, ok: true, detail: `${source.url}: bearer-token credentials found (not probed)` };
    }
    const git = await createGitClient({ auth });
    try {
      const ref = source.ref;
      if ("branch" in ref) {
        const heads = await git.lsRemote(source.url, [ref.branch], signal);
        const sha = heads.get(ref.branch);
        if (!sha) return { name, ok: false, detail: `${source.url}: branch "${ref.branch}" does not exist` };
        return { name, ok: true, detail: `${source.url} ${ref.branch}@sha1:${sha}` };
      }
      await git.lsRemote(source.url, [], signal);
      return { name, ok: true, detail: `${source.url} answers` };
    } finally {
      await git.close();
    }
  } catch (err) {
    return { name, ok: false, detail: errorMessage(err) };
  }
}

/** Runs every check that applies and returns the results in order. */
export async function runChecks(options: {
  pre: boolean;
  namespace: string;
  /** The agent's ServiceAccount: namespace (default: the configuration's, else `namespace`) and name (default `slipway-agent`). */
  agentNamespace?: string;
  agentServiceAccount?: string;
  config?: string;
  kubeconfig?: string;
  signal: AbortSignal;
}): Promise<CheckResult[]> {
  const { signal } = options;
  const results: CheckResult[] = [];
  const nodeMajor = Number.parseInt(process.versions.node.split(".")[0] ?? "0", 10);
  results.push({
    name: "node",
    ok: nodeMajor >= 24,
    detail: nodeMajor >= 24 ? `v${process.versions.node}` : `v${process.versions.node}: Node.js 24 or newer is required`,
  });
  results.push(await checkProgram("git", "git", ["--version"], signal));
  results.push(await checkKustomize(signal));

  let config: AgentConfig | undefined;
  if (options.config) {
    try {
      config = await loadConfig(options.config, signal);
      results.push({ name: "config", ok: true, detail: `${options.config}: ${config.sources.length} source(s), ${config.syncs.length} sync(s)` });
    } catch (err) {
      results.push({ name: "config", ok: false, detail: errorMessage(err) });
    }
  }
  const namespace = config?.namespace ?? options.namespace;

  let client: KubeClient | undefined;
  try {
    client = await kubeClientFromFlags(options);
  } catch (err) {
    results.push({ name: "kubernetes", ok: false, detail: errorMessage(err) });
  }
  try {
    if (client) {
      const cluster = await checkCluster(client, signal);
      results.push(cluster);
      if (cluster.ok && !options.pre) results.push(...(await checkAgentAccess(client, { namespace: options.agentNamespace ?? namespace, serviceAccount: options.agentServiceAccount ?? defaultAgentServiceAccount }, config, signal)));
    }
    if (config && !options.pre) {
      const secrets = client ? createKubeSecretReader(client) : undefined;
      for (const source of config.sources) results.push(await checkSource(source, secrets, signal));
    }
  } finally {
    client?.close();
  }
  return results;
}

/** Runs `slipway check`. */
export const run: CommandRun = async (args: string[], io: CliIO): Promise<number> => {
  const parsed = parseFlags(
    io,
    args,
    USAGE,
    {
      pre: { type: "boolean", default: false },
      config: { type: "string" },
      "agent-namespace": { type: "string" },
      "agent-service-account": { type: "string", default: defaultAgentServiceAccount },
      ...clusterFlags,
      output: { type: "string", short: "o", default: "text" },
      help: { type: "boolean", short: "h" },
    },
    ({ values, positionals }) => {
      noPositionals(positionals);
      outputFormat(values.output);
      return values;
    },
  );
  if (!parsed.ok) return parsed.exit;
  const values = parsed.flags;
  if (values.output === "text") step(io, values.pre ? "checking prerequisites" : "checking prerequisites, permissions and sources");
  const results = await runChecks({
    pre: values.pre,
    namespace: values.namespace,
    ...(values["agent-namespace"] ? { agentNamespace: values["agent-namespace"] } : {}),
    agentServiceAccount: values["agent-service-account"],
    config: values.config,
    kubeconfig: values.kubeconfig,
    signal: io.signal,
  });
  if (values.output === "json") {
    io.stdout(JSON.stringify(results, null, 2) + "\n");
  } else {
    for (const r of results) (r.ok ? ok : fail)(io, `${r.name}: ${r.detail}`);
    if (results.every((r) => r.ok)) ok(io, "all checks passed");
  }
  return results.every((r) => r.ok) ? 0 : 1;
};
