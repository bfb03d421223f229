/**
 * Fake nodes for the local control plane: kwok runs against the API server, manages the Nodes
 * that carry the annotation `kwok.x-k8s.io/node=fake`, and with its default stages makes them
 * Ready and the Pods scheduled to them Running and Ready. The nodes are created here.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { run } from "../../core/exec.ts";
import type { EnvContext } from "./component.ts";
import { daemonComponent } from "./daemon-component.ts";
import { httpProbe } from "./http-probe.ts";
import { adminKubeconfig, kubeBinaries } from "./kube-control-plane.ts";
import { waitUntil } from "./processes.ts";

/** Names of the fake nodes. */
export const fakeNodeNames: readonly string[] = ["kwok-node-0", "kwok-node-1", "kwok-node-2"];

/**
 * The Node objects, as kwok's documentation describes them (annotation, labels, capacity). They
 * carry no taint: every node here is fake, so ordinary Pods must be able to land on them.
 */
export function fakeNodesManifest(names: readonly string[] = fakeNodeNames): string {
  const nodes = names.map((name) => ({
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      annotations: { "node.alpha.kubernetes.io/ttl": "0", "kwok.x-k8s.io/node": "fake" },
      labels: {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/role": "agent",
        "node-role.kubernetes.io/agent": "",
        type: "kwok",
      },
    },
    status: {
      allocatable: { cpu: "32", memory: "256Gi", pods: "110" },
      capacity: { cpu: "32", memory: "256Gi", pods: "110" },
    },
  }));
  return JSON.stringify({ apiVersion: "v1", kind: "List", items: nodes });
}

/** Names of the fake nodes whose Ready condition is True, from `kubectl get nodes -o json`. */
export function readyNodeNames(nodeListJson: string): string[] {
  const list = JSON.parse(nodeListJson) as { items?: { metadata?: { name?: string }; status?: { conditions?: { type?: string; status?: string }[] } }[] };
  return (list.items ?? [])
    .filter((n) => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"))
    .map((n) => n.metadata?.name ?? "");
}

async function nodesReady(ctx: EnvContext): Promise<boolean> {
  const { stdout } = await run("kubectl", ["--kubeconfig", adminKubeconfig(ctx), "get", "nodes", "-o", "json", "--request-timeout=5s"], { signal: ctx.signal });
  const ready = readyNodeNames(stdout);
  return fakeNodeNames.every((n) => ready.includes(n));
}

/** kwok managing three fake nodes. */
export const kwokNodes = daemonComponent({
  name: "kwok",
  dependsOn: ["kube-apiserver"],
  async prepare(ctx) {
    const bins = await kubeBinaries(ctx);
    const port = await ctx.allocatePort("kwok");
    const config = path.join(ctx.dir, "kwok.yaml");
    writeFileSync(config, "apiVersion: config.kwok.x-k8s.io/v1alpha1\nkind: KwokConfiguration\noptions: {}\n");
    return {
      command: bins.kwok,
      args: [
        `--kubeconfig=${adminKubeconfig(ctx)}`,
        `--config=${config}`,
        "--manage-all-nodes=false",
        "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
        "--cidr=10.0.0.1/24",
        "--node-ip=10.0.0.1",
        "--node-lease-duration-seconds=40",
        `--server-address=127.0.0.1:${port}`,
      ],
    };
  },
  async ready(ctx) {
    const res = await httpProbe(`http://127.0.0.1:${ctx.recordedPort("kwok") ?? 0}/healthz`);
    return res.status === 200;
  },
  async afterReady(ctx) {
    await run("kubectl", ["--kubeconfig", adminKubeconfig(ctx), "apply", "--server-side", "--field-manager=slipway-testenv", "-f", "-"], {
      input: fakeNodesManifest(),
      signal: ctx.signal,
    });
    await waitUntil("kwok: fake nodes Ready", () => nodesReady(ctx), { timeoutMs: 60_000, signal: ctx.signal });
  },
});
