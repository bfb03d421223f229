/**
 * Test helper: runs the agent container with docker the way the kubelet would run
 * `deploy/deployment.yaml`'s pod. Everything that decides how the agent runs is read from that
 * file: the container's command and args (none of a command means the image's entrypoint
 * stays), its env (literal values; an optional secretKeyRef with no value given is left out, as
 * the kubelet does for a missing optional Secret), its volume mounts (the ConfigMap volume from a
 * directory, emptyDirs as tmpfs), the pod's and container's security context (user, group,
 * fsGroup, read-only root, dropped capabilities, no privilege escalation), the memory limit and
 * the termination grace period. What a kubelet adds on its own is added here too: the
 * service-account token, ca.crt and namespace at /var/run/secrets/kubernetes.io/serviceaccount,
 * KUBERNETES_SERVICE_HOST/PORT, and POD_NAME through the downward API.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseAllDocuments } from "yaml";

const deployDir = path.resolve(import.meta.dirname, "../../../deploy");

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean }; fieldRef?: { fieldPath: string } };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  ports?: { name: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  resources?: { limits?: { memory?: string } };
  securityContext?: { allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean; capabilities?: { drop?: string[] } };
  livenessProbe?: { httpGet?: { path: string } };
  readinessProbe?: { httpGet?: { path: string } };
}
/** The parts of the Deployment the helper reads. */
export interface AgentDeployment {
  spec: {
    replicas: number;
    template: {
      spec: {
        terminationGracePeriodSeconds?: number;
        securityContext?: { runAsUser?: number; runAsGroup?: number; fsGroup?: number; runAsNonRoot?: boolean };
        containers: Container[];
        volumes: { name: string; configMap?: { name: string }; emptyDir?: object }[];
      };
    };
  };
}

/** deploy/deployment.yaml, parsed. */
export function readDeployment(): AgentDeployment {
  const docs = parseAllDocuments(readFileSync(path.join(deployDir, "deployment.yaml"), "utf8")).map((d) => d.toJS() as { kind: string } & AgentDeployment);
  const dep = docs.find((d) => d.kind === "Deployment");
  if (!dep) throw new Error("deploy/deployment.yaml has no Deployment");
  return dep;
}

/** What the pod gets from outside the Deployment. */
export interface PodInputs {
  image: string;
  /** Container name (unique per test). */
  name: string;
  /** Directory with token, ca.crt and namespace. */
  serviceAccountDir: string;
  /** Directory per ConfigMap volume name, mounted in its place. */
  configMaps: Record<string, string>;
  /** The API server as a pod sees it. */
  serviceHost: string;
  servicePort: string;
  /** Values of secretKeyRef env vars, by variable name (those left out are optional and absent). */
  secretEnv?: Record<string, string>;
  /** The pod's name (POD_NAME). Default the container name. */
  podName?: string;
}

/** Converts a memory quantity (`512Mi`) to docker's form (`512m`). */
function dockerMemory(q: string): string {
  const m = /^(\d+)(Ki|Mi|Gi)$/.exec(q);
  if (!m) throw new Error(`memory limit ${q}: not a Ki/Mi/Gi quantity`);
  return `${m[1]}${{ Ki: "k", Mi: "m", Gi: "g" }[m[2] as "Ki" | "Mi" | "Gi"]}`;
}

/** The `docker run` arguments (without `docker run`) for the Deployment's pod, host network. */
export function dockerRunArgs(dep: AgentDeployment, pod: PodInputs): string[] {
  const spec = dep.spec.template.spec;
  const c = spec.containers[0];
  if (!c) throw new Error("deploy/deployment.yaml: no container");
  const psc = spec.securityContext ?? {};
  const args = ["--name", pod.name, "--detach", "--network", "host", "--hostname", pod.podName ?? pod.name];
  if (psc.runAsUser !== undefined) args.push("--user", `${psc.runAsUser}:${psc.runAsGroup ?? psc.runAsUser}`);
  if (psc.fsGroup !== undefined) args.push("--group-add", String(psc.fsGroup));
  const sc = c.securityContext ?? {};
  if (sc.readOnlyRootFilesystem) args.push("--read-only");
  if (sc.allowPrivilegeEscalation === false) args.push("--security-opt", "no-new-privileges");
  for (const cap of sc.capabilities?.drop ?? []) args.push("--cap-drop", cap);
  if (c.resources?.limits?.memory) args.push("--memory", dockerMemory(c.resources.limits.memory));
  if (spec.terminationGracePeriodSeconds !== undefined) args.push("--stop-timeout", String(spec.terminationGracePeriodSeconds));
  for (const e of c.env ?? []) {
    if (e.value !== undefined) args.push("--env", `${e.name}=${e.value}`);
    else if (e.valueFrom?.fieldRef?.fieldPath === "metadata.name") args.push("--env", `${e.name}=${pod.podName ?? pod.name}`);
    else if (e.valueFrom?.secretKeyRef) {
      const v = pod.secretEnv?.[e.name];
      if (v !== undefined) args.push("--env", `${e.name}=${v}`);
      else if (!e.valueFrom.secretKeyRef.optional) throw new Error(`env ${e.name}: its Secret is required and no value was given`);
    } else throw new Error(`env ${e.name}: unsupported source`);
  }
  args.push("--env", `KUBERNETES_SERVICE_HOST=${pod.serviceHost}`, "--env", `KUBERNETES_SERVICE_PORT=${pod.servicePort}`);
  for (const m of c.volumeMounts ?? []) {
    const vol = spec.volumes.find((v) => v.name === m.name);
    if (!vol) throw new Error(`volumeMount ${m.name}: no such volume`);
    if (vol.configMap) {
      const dir = pod.configMaps[vol.name];
      if (!dir) throw new Error(`volume ${vol.name}: no directory given for ConfigMap ${vol.configMap.name}`);
      args.push("--mount", `type=bind,source=${dir},destination=${m.mountPath},readonly`);
    } else if (vol.emptyDir) {
      // An emptyDir is writable by the fsGroup; a tmpfs with the sticky world-writable mode is the closest.
      args.push("--mount", `type=tmpfs,destination=${m.mountPath},tmpfs-mode=1777`);
    } else throw new Error(`volume ${vol.name}: unsupported kind`);
  }
  args.push("--mount", `type=bind,source=${pod.serviceAccountDir},destination=/var/run/secrets/kubernetes.io/serviceaccount,readonly`);
  if (c.command) args.push("--entrypoint", c.command[0] ?? "");
  args.push(pod.image);
  if (c.command) args.push(...c.command.slice(1));
  args.push(...(c.args ?? []));
  return args;
}
