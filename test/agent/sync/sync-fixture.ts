/**
 * What the applySync tests share: a context with its own namespace and sync name (the ApplySet
 * parent lives in the test's namespace), `apply` with the defaults of a sync, `get` through
 * kubectl, and object builders. The tests run against the real local control plane
 * (kube-apiserver + controller-manager + kwok).
 */
import type { TestContext } from "node:test";
import { createNamespace, integration, kubectl, uniqueName, type TestEnv } from "../../env/harness.ts";
import { createKubeClient, type KubeClient } from "../../../agent/kube/kube-client.ts";
import type { KubeObject } from "../../../agent/kube/kube-object.ts";
import { applySync, type ApplySyncOptions } from "../../../agent/sync/apply-sync.ts";
import { createLogger } from "../../../core/log.ts";
import type { SyncOutcome } from "../../../agent/sync/sync-outcome.ts";

/** The options of a sync as the agent runs it by default: prune, no wait, no force, no emptying, a 60 s timeout, a silent log. */
export const syncDefaults = (): Pick<ApplySyncOptions, "prune" | "wait" | "force" | "allowEmpty" | "timeoutMs" | "signal" | "log"> => ({
  prune: true,
  wait: false,
  force: false,
  allowEmpty: false,
  timeoutMs: 60_000,
  signal: AbortSignal.timeout(120_000),
  log: createLogger({ write: () => {} }),
});

/** One test's sync: its namespace, name, and helpers to apply and read. */
export interface Ctx {
  env: TestEnv;
  client: KubeClient;
  ns: string;
  sync: string;
  apply(objects: unknown[], extra?: Partial<ApplySyncOptions>): Promise<SyncOutcome>;
  get(args: string[]): Promise<KubeObject | undefined>;
}

/** Sets up a sync for one test (undefined when the infrastructure is not up: the test is skipped). */
export async function setup(t: TestContext): Promise<Ctx | undefined> {
  const env = integration(t);
  if (!env) return undefined;
  const ns = await createNamespace(env, t, "sync");
  const client = await createKubeClient({ kubeconfig: env.kubeconfig });
  t.after(() => client.close());
  const sync = uniqueName("s");
  return {
    env,
    client,
    ns,
    sync,
    apply: (objects, extra = {}) =>
      applySync({
        client,
        sync,
        agentNamespace: ns,
        objects,
        ...syncDefaults(),
        ...extra,
      }),
    get: async (args) => {
      const out = await kubectl(env, ["get", ...args, "-o", "json", "--ignore-not-found"]);
      return out.trim() === "" ? undefined : (JSON.parse(out) as KubeObject);
    },
  };
}

/** A ConfigMap. */
export const cm = (ns: string, name: string, data: Record<string, string>, extra: Partial<KubeObject["metadata"]> = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: ns, ...extra },
  data,
});

/** A Deployment that tolerates kwok nodes. */
export const deployment = (ns: string, name: string, opts: { replicas?: number; app?: string; nodeSelector?: Record<string, string>; progressDeadlineSeconds?: number } = {}): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: ns },
  spec: {
    replicas: opts.replicas ?? 1,
    ...(opts.progressDeadlineSeconds ? { progressDeadlineSeconds: opts.progressDeadlineSeconds } : {}),
    selector: { matchLabels: { app: opts.app ?? name } },
    template: {
      metadata: { labels: { app: opts.app ?? name } },
      spec: {
        containers: [{ name: "app", image: "registry.example/app:1" }],
        ...(opts.nodeSelector ? { nodeSelector: opts.nodeSelector } : {}),
        tolerations: [{ key: "kwok.x-k8s.io/node", operator: "Exists", effect: "NoSchedule" }],
      },
    },
  },
});

/** The change set as `Kind/ns/name action` lines. */
export const lines = (o: SyncOutcome): string[] => o.changeSet.map((e) => `${e.id} ${e.action}`);
