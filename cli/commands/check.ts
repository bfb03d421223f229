/**
 * `slipway check [--pre] [--config FILE] [--namespace NS] [--kubeconfig FILE] [--output json]`:
 * pre-flight checks before installing or running the agent — the runtime and programs it needs,
 * the cluster's version and the agent's permissions, the configuration file, and whether each
 * source's git repository answers with its credentials. Exit 1 when any check fails.
 */
import { errorMessage } from "../../core/errors.ts";
import { run as runProgram } from "../../core/exec.ts";
import { createGitClient } from "../../core/git/git-client.ts";
import type { KubeClient } from "../../agent/kube/kube-client.ts";
import { loadConfig } from "../../agent/config/load-config.ts";
import type { AgentConfig, SourceConfig } from "../../agent/config/agent-config.ts";
import { createKubeSecretReader, resolveSourceAuth, type SecretReader } from "../../agent/source/source-credentials.ts";
import { fail, ok, step, type CliIO, type CommandRun } from "../io.ts";
import { clusterFlags, clusterFlagsUsage, kubeClientFromFlags, parseFlags, noPositionals, outputFormat } from "../flags.ts";

const USAGE = `Usage: slipway check [--pre] [--config FILE] [--namespace NS] [--kubeconfig FILE] [--output text|json]

Checks what the agent needs: Node.js 24, git, kustomize (or kubectl kustomize), a reachable
Kubernetes API server of a supported version, the permissions of the current identity in the
agent's namespace, the configuration file, and each source's git repository.

Flags:
  --pre               only the checks that need no installed agent (runtime, programs, cluster version)
  --config FILE       validate this agent configuration and reach each source
${clusterFlagsUsage(20)}  -o, --output FMT    text (default) or json
`;

/** The oldest Kubernetes minor version the agent supports (server-side apply, ApplySet labels). */
export const minKubeMinor = 26;

/** The outcome of one check. */
export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
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

/** The resource verbs the agent needs in its own namespace (ApplySet parents, Events, Secrets). */
export const requiredAccess: readonly { verb: string; group: string; resource: string }[] = [
  { verb: "get", resource: "configmaps", group: "" },
  { verb: "create", resource: "configmaps", group: "" },
  { verb: "patch", resource: "configmaps", group: "" },
  { verb: "get", resource: "secrets", group: "" },
  { verb: "create", resource: "events", group: "events.k8s.io" },
];

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

async function checkAccess(client: KubeClient, namespace: string, signal: AbortSignal): Promise<CheckResult> {
  const denied: string[] = [];
  try {
    for (const a of requiredAccess) {
      const review = {
        apiVersion: "authorization.k8s.io/v1",
        kind: "SelfSubjectAccessReview",
        spec: { resourceAttributes: { namespace, verb: a.verb, group: a.group, resource: a.resource } },
      };
      const { body } = await client.request<{ status?: { allowed?: boolean } }>({
        method: "POST",
        path: "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        body: JSON.stringify(review),
        signal,
      });
      if (body.status?.allowed !== true) denied.push(`${a.verb} ${a.resource}${a.group ? "." + a.group : ""}`);
    }
  } catch (err) {
    return { name: "permissions", ok: false, detail: errorMessage(err) };
  }
  return denied.length === 0
    ? { name: "permissions", ok: true, detail: `can manage ApplySet parents, read Secrets and record Events in ${namespace}` }
    : { name: "permissions", ok: false, detail: `namespace ${namespace}: not allowed to ${denied.join(", ")}` };
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
      if (cluster.ok && !options.pre) results.push(await checkAccess(client, namespace, signal));
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
