/**
 * `slipway health -f OBJECT.yaml` / `slipway health KIND/NAMESPACE/NAME`: the health the agent
 * computes for an object (kstatus' rules, a paused Deployment Suspended, a workload whose Pods
 * cannot start Failed), from a file offline or from the live object through the kubeconfig; the
 * answer to "why is my sync still progressing?". Prints one line per object (or JSON) and exits
 * by the worst status: 0 Current, 1 Failed, 3 InProgress, 4 Terminating, 5 NotFound,
 * 6 Suspended (2 is bad usage).
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import { computeStatus } from "../../agent/health/compute-status.ts";
import type { HealthResult, HealthStatus } from "../../agent/health/health-status.ts";
import { workloadPodFailure } from "../../agent/health/pod-failures.ts";
import { workloadPodFailureLive } from "../../agent/health/workload-pods.ts";
import { isKubeObject, objectId, type KubeObject } from "../../agent/kube/kube-object.ts";
import { SlipwayError } from "../../core/errors.ts";
import { table, type CliIO, type CommandRun } from "../io.ts";
import { outputFormat, parseFlags } from "../flags.ts";

const USAGE = `Usage: slipway health -f OBJECT.yaml [-o json]
       slipway health KIND/NAMESPACE/NAME | KIND/NAME [--kubeconfig FILE] [--context CTX] [-o json]

Prints the health of an object as the agent computes it (kstatus' rules): Current, InProgress,
Failed, Terminating, NotFound or Suspended, and why. With -f the objects of the file (several
documents allowed; Pods in the file count for the workloads' fail-fast check); otherwise the live
object. KIND is a kind name (Deployment, deploy, deployments…) or Kind.version.group for other
kinds (Widget.v1.example.com).

Exit code: 0 Current, 1 Failed, 3 InProgress, 4 Terminating, 5 NotFound, 6 Suspended, 2 bad usage
(the worst status of all objects).

Flags:
  -f, --file FILE      read objects from FILE ("-" for stdin) instead of the cluster
  --kubeconfig FILE    default $KUBECONFIG or ~/.kube/config
  --context CTX        kubeconfig context (default its current-context)
  -o, --output FMT     "text" (default) or "json"
`;

/** Exit codes by status, and the order in which a worse status wins. */
export const HEALTH_EXIT_CODES: Readonly<Record<HealthStatus, number>> = { Current: 0, Failed: 1, InProgress: 3, Terminating: 4, NotFound: 5, Suspended: 6 };
const SEVERITY: readonly HealthStatus[] = ["Current", "Suspended", "InProgress", "Terminating", "NotFound", "Failed"];

/** Built-in kinds by the names people type: kind, short name, plural (lower case). */
const KINDS: readonly [string, string, string[]][] = [
  ["apps/v1", "Deployment", ["deploy", "deployments"]],
  ["apps/v1", "StatefulSet", ["sts", "statefulsets"]],
  ["apps/v1", "DaemonSet", ["ds", "daemonsets"]],
  ["apps/v1", "ReplicaSet", ["rs", "replicasets"]],
  ["batch/v1", "Job", ["jobs"]],
  ["batch/v1", "CronJob", ["cj", "cronjobs"]],
  ["v1", "Pod", ["po", "pods"]],
  ["v1", "Service", ["svc", "services"]],
  ["v1", "PersistentVolumeClaim", ["pvc", "persistentvolumeclaims"]],
  ["v1", "ConfigMap", ["cm", "configmaps"]],
  ["v1", "Secret", ["secrets"]],
  ["v1", "Namespace", ["ns", "namespaces"]],
  ["policy/v1", "PodDisruptionBudget", ["pdb", "poddisruptionbudgets"]],
  ["apiextensions.k8s.io/v1", "CustomResourceDefinition", ["crd", "crds", "customresourcedefinitions"]],
];

/** A reference to a live object: `KIND/NAMESPACE/NAME` or `KIND/NAME` (cluster-scoped). */
export interface ObjectReference {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** Parses `KIND/NAMESPACE/NAME` or `KIND/NAME`; throws a SlipwayError naming the argument. */
export function parseObjectReference(text: string): ObjectReference {
  const parts = text.split("/");
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === "")) throw new SlipwayError(text, "want KIND/NAMESPACE/NAME or KIND/NAME");
  const [kindText = "", ...rest] = parts;
  const name = rest[rest.length - 1] ?? "";
  const namespace = rest.length === 2 ? rest[0] : undefined;
  const lower = kindText.toLowerCase();
  const known = KINDS.find(([, kind, aliases]) => kind.toLowerCase() === lower || aliases.includes(lower));
  if (known) return { apiVersion: known[0], kind: known[1], name, ...(namespace ? { namespace } : {}) };
  const m = /^([A-Za-z][A-Za-z0-9]*)\.(v[0-9][a-z0-9]*)\.([a-z0-9.-]+)$/.exec(kindText);
  if (!m) throw new SlipwayError(text, `unknown kind "${kindText}": write it as Kind.version.group (e.g. Widget.v1.example.com)`);
  return { apiVersion: `${m[3]}/${m[2]}`, kind: m[1] ?? "", name, ...(namespace ? { namespace } : {}) };
}

/** One object's verdict. */
export interface ObjectVerdict extends HealthResult {
  object: string;
}

/** The health of the objects of a YAML text (offline): Pods in it count for their workloads' fail-fast check. */
export function healthOfDocuments(text: string, source: string, now = new Date()): ObjectVerdict[] {
  const objects: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      const err = doc.errors[0];
      const line = err?.linePos?.[0]?.line;
      throw new SlipwayError(`${source}${line ? `:${line}` : ""}`, err?.message.split("\n")[0] ?? "invalid YAML");
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (!isKubeObject(value)) {
      const line = doc.contents?.range ? text.slice(0, doc.contents.range[0]).split("\n").length : undefined;
      throw new SlipwayError(`${source}${line ? `:${line}` : ""}`, "not a Kubernetes object (apiVersion, kind and metadata.name are needed)");
    }
    objects.push(value);
  }
  if (objects.length === 0) throw new SlipwayError(source, "no object in the file");
  const pods = objects.filter((o) => o.kind === "Pod" && o.apiVersion === "v1");
  return objects.map((obj) => {
    let result = computeStatus(obj, now);
    if (result.status === "InProgress") result = workloadPodFailure(obj, pods) ?? result;
    return { object: objectId(obj), ...result };
  });
}

/** The exit code of a list of verdicts: that of the worst status. */
export function exitCodeOf(verdicts: readonly HealthResult[]): number {
  let worst: HealthStatus = "Current";
  for (const v of verdicts) if (SEVERITY.indexOf(v.status) > SEVERITY.indexOf(worst)) worst = v.status;
  return HEALTH_EXIT_CODES[worst];
}

async function liveHealth(ref: ObjectReference, kubeconfig: string | undefined, context: string | undefined, signal: AbortSignal): Promise<ObjectVerdict> {
  const { createKubeClient } = await import("../../agent/kube/kube-client.ts");
  const client = await createKubeClient({ ...(kubeconfig ? { kubeconfig } : {}), ...(context ? { context } : {}) });
  try {
    const mapping = await client.resource(ref.apiVersion, ref.kind, signal);
    const res = await client.request<KubeObject>({ method: "GET", path: client.objectPath(mapping, ref.namespace, ref.name), allowNotFound: true, signal });
    const id = `${ref.kind}/${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`;
    if (res.status === 404) return { object: id, status: "NotFound", message: `${ref.kind.toLowerCase()} "${ref.name}" not found` };
    let result = computeStatus(res.body);
    if (result.status === "InProgress") result = (await workloadPodFailureLive(client, res.body, signal)) ?? result;
    return { object: objectId(res.body), ...result };
  } finally {
    client.close();
  }
}

/** Runs `slipway health …`. */
export const run: CommandRun = async (args: string[], io: CliIO): Promise<number> => {
  const parsed = parseFlags(
    io,
    args,
    USAGE,
    {
      file: { type: "string", short: "f" },
      kubeconfig: { type: "string" },
      context: { type: "string" },
      output: { type: "string", short: "o", default: "text" },
      help: { type: "boolean", short: "h" },
    },
    ({ values, positionals }) => {
      const output = outputFormat(values.output);
      if (values.file !== undefined) {
        if (positionals.length > 0) throw new SlipwayError(positionals[0] ?? "", "unexpected argument (with -f, the objects come from the file)");
        return { output, file: values.file, kubeconfig: values.kubeconfig, context: values.context };
      }
      if (positionals.length !== 1) throw new SlipwayError("health", "want -f OBJECT.yaml or one KIND/NAMESPACE/NAME");
      return { output, ref: parseObjectReference(positionals[0] ?? ""), kubeconfig: values.kubeconfig, context: values.context };
    },
  );
  if (!parsed.ok) return parsed.exit;
  const flags = parsed.flags;
  let verdicts: ObjectVerdict[];
  if ("file" in flags && flags.file !== undefined) {
    const source = flags.file === "-" ? "stdin" : flags.file;
    let text: string;
    try {
      text = flags.file === "-" ? await io.readStdin() : await readFile(path.resolve(io.cwd, flags.file), "utf8");
    } catch (err) {
      throw new SlipwayError(source, "cannot read the file", { cause: err });
    }
    verdicts = healthOfDocuments(text, source);
  } else if ("ref" in flags && flags.ref) {
    verdicts = [await liveHealth(flags.ref, flags.kubeconfig, flags.context, io.signal)];
  } else {
    return 2;
  }
  if (flags.output === "json") io.stdout(JSON.stringify(verdicts.length === 1 ? verdicts[0] : verdicts, null, 2) + "\n");
  else io.stdout(table(["OBJECT", "STATUS", "MESSAGE"], verdicts.map((v) => [v.object, v.status, v.message])));
  return exitCodeOf(verdicts);
};
