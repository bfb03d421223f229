/**
 * The agent process: loads everything the loops need (Kubernetes client, sources, kustomize,
 * status store, Events, metrics), serves HTTP, and runs either every sync once (`once`) or the
 * daemon until `signal` aborts. On stop, the reconcile in progress finishes (bounded by
 * `graceMs`) before the process exits.
 */
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createBuildCache } from "./build/build-cache.ts";
import { SlipwayError, errorMessage } from "../core/errors.ts";
import { createLogger, type Logger } from "../core/log.ts";
import { registerSecret } from "../core/redact.ts";
import { startReceiverServer, type ReceiverRoute, type ReceiverServer } from "./receivers/receiver-server.ts";
import { requestReconcile } from "./status/parent-requests.ts";
import { runSqsTrigger } from "./triggers/sqs-trigger.ts";
import type { AgentConfig } from "./config/agent-config.ts";
import { createKubeClient, type KubeClient } from "./kube/kube-client.ts";
import { createKustomize } from "./build/kustomize-runner.ts";
import { createAgentMetrics } from "./metrics/agent-metrics.ts";
import { startAgentServer } from "./server/agent-server.ts";
import { apiSpecs, createStatusApi, type RequestHandler } from "./api/status-api.ts";
import { createStatusPage } from "./api/status-page.ts";
import { createNotifier } from "./notify/notifier.ts";
import { watchDeliveries } from "./metrics/delivery-observer.ts";
import { createEventRecorder } from "./status/event-recorder.ts";
import { createStatusStore } from "./status/status-store.ts";
import { createDirSecretReader, createKubeSecretReader } from "./source/source-credentials.ts";
import { createSourceManager } from "./reconcile/source-manager.ts";
import { createSourceStatusStore, sourceStatusRecorder } from "./status/source-status.ts";
import { runOnce, startAgentLoop, type AgentLoopOptions } from "./reconcile/agent-loop.ts";
import { defaultIdentity, startLeaderElection, type LeaderElection } from "./leader/leader-election.ts";

/** Options for {@link runAgent}. */
export interface RunAgentOptions {
  config: AgentConfig;
  /** Reconcile every sync once and return. Default false. */
  once?: boolean;
  /** Kubeconfig file. Default: `$KUBECONFIG`, `~/.kube/config`, or in-cluster. */
  kubeconfig?: string;
  /** Where source clones are kept. Default `$SLIPWAY_CACHE_DIR`, else `<tmp>/slipway-cache`. */
  cacheDir?: string;
  /** Read Secrets from files `DIR/<name>/<key>` instead of the API (for runs outside a cluster). */
  secretsDir?: string;
  /** Overrides the configuration's listen address (`127.0.0.1:0` in tests). */
  listen?: string;
  /** Bearer token of the status API (`/api/v1/…`). Default `$SLIPWAY_API_TOKEN`, else the API is off. */
  apiToken?: string;
  /** Overrides the receivers' listen address (`127.0.0.1:0` in tests). */
  receiversListen?: string;
  /** More routes on the receivers' port (e.g. a status API); see agent/receivers/receiver-server.ts. */
  receiverRoutes?: readonly ReceiverRoute[];
  /** Called once the receivers listen, with their port. */
  onReceiversListening?: (port: number) => void;
  /** How long the reconcile in progress may run after stop. Default 100 s. */
  graceMs?: number;
  /** How often parents are polled for requests. Default 2000 ms. */
  pollIntervalMs?: number;
  /**
   * Elect one replica through the Lease `slipway-agent` in the agent's namespace; the others
   * serve probes and metrics and stand by. Default true (daemon only; `once` never campaigns).
   */
  leaderElect?: boolean;
  /** Lease timings (see agent/leader/leader-election.ts for their defaults). */
  leaderElection?: { leaseDurationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number };
  /** Holder identity of the Lease and reporting instance of Events. Default: `$POD_NAME`, the pod's hostname, or `host_pid`. */
  identity?: string;
  /** Called once the HTTP server listens, with its port. */
  onListening?: (port: number) => void;
  log?: Logger;
  signal: AbortSignal;
}

/** Runs the agent. Resolves with the names of failed syncs in `once` mode (empty otherwise). */
export async function runAgent(options: RunAgentOptions): Promise<string[]> {
  const { config, signal } = options;
  const log = options.log ?? createLogger({ level: config.logLevel });
  const cacheDir = options.cacheDir ?? process.env.SLIPWAY_CACHE_DIR ?? path.join(tmpdir(), "slipway-cache");
  await mkdir(cacheDir, { recursive: true });
  const workDir = path.join(cacheDir, "work");
  await mkdir(workDir, { recursive: true });
  const apiToken = options.apiToken ?? process.env.SLIPWAY_API_TOKEN;
  registerSecret(apiToken);

  const client: KubeClient = await createKubeClient({ ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}) });
  const metrics = createAgentMetrics();
  const secrets = options.secretsDir ? createDirSecretReader(options.secretsDir) : createKubeSecretReader(client);
  const sourceStatus = sourceStatusRecorder(createSourceStatusStore(client, config.namespace), log);
  const sources = createSourceManager({ sources: config.sources, cacheDir, secrets, metrics, log, status: sourceStatus });
  const kustomize = await createKustomize();
  const identity = options.identity ?? defaultIdentity();
  const notifier = createNotifier({ secrets, agentNamespace: config.namespace, log, messageOf: (src, sha) => (sources.cached(src)?.sha === sha ? sources.cached(src)?.message : undefined) });
  const commitTimeOf = (src: string, sha: string): number | undefined => (sources.cached(src)?.sha === sha ? sources.cached(src)?.committedAt : undefined);
  const store = watchDeliveries(notifier.watchStatus(createStatusStore(client, config.namespace)), { client, agentNamespace: config.namespace, metrics, log, commitTimeOf });
  const events = notifier.watchEvents(createEventRecorder(client, config.namespace, log, undefined, identity));
  const hard = new AbortController();
  const onStop = (): void => {
    log.info("stopping: finishing the reconcile in progress");
    setTimeout(() => hard.abort(new Error("shutdown grace period over")), options.graceMs ?? 100_000).unref();
  };
  signal.addEventListener("abort", onStop, { once: true });
  const loopOptions: AgentLoopOptions = {
    config,
    context: { client, agentNamespace: config.namespace, ...(config.namespaces ? { namespaces: config.namespaces } : {}), sources, kustomize, store, events, metrics, log, workDir, builds: createBuildCache(path.join(cacheDir, "builds"), (m) => log.warn(m)), notifications: notifier, onApplied: (sync, a) => (store.applied(sync, a), notifier.applied(sync, a)) },
    stop: signal,
    hard: hard.signal,
    ...(options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {}),
  };
  log.info(`starting: ${config.sources.length} sources, ${config.syncs.length} syncs, ${kustomize.command}`, { namespace: config.namespace, mode: options.once ? "once" : "daemon" });
  try {
    if (options.once) {
      const failed = await runOnce(loopOptions);
      log.info(failed.length ? `done: ${failed.length} of ${config.syncs.length} syncs failed (${failed.join(", ")})` : `done: ${config.syncs.length} syncs reconciled`);
      return failed;
    }
    let apiError: string | undefined = "not checked yet";
    const checkApi = async (): Promise<void> => {
      try {
        await client.request({ method: "GET", path: "/version", signal: AbortSignal.timeout(5000) });
        apiError = undefined;
      } catch (err) {
        apiError = `API server: ${errorMessage(err)}`;
      }
    };
    await checkApi();
    const apiTimer = setInterval(() => void checkApi(), 10_000);
    // The hook needs the loop, which starts only once the server listens.
    const running: { loop?: ReturnType<typeof startAgentLoop> } = {};
    // The status API answers on both ports: the receivers' (the one exposed to CI) and the probes'.
    const api = createStatusApi({ store, client, token: apiToken, log, specs: () => apiSpecs(running.loop?.specs() ?? config) });
    const page = createStatusPage({ store, client, token: apiToken, log, specs: () => apiSpecs(running.loop?.specs() ?? config) });
    const statusApi: RequestHandler = async (req, res) => (await api(req, res)) || page(req, res);
    const server = await startAgentServer({
      listen: options.listen ?? config.listen,
      log,
      handle: statusApi,
      handlers: {
        metrics: async () => ({ contentType: metrics.contentType, body: await metrics.render() }),
        notReady: () => apiError,
      },
    });
    log.info(`listening on port ${server.port}`, { listen: options.listen ?? config.listen });
    options.onListening?.(server.port);
    let election: LeaderElection | undefined;
    let receivers: ReceiverServer | undefined;
    try {
      if (config.receivers) {
        const receiversSecrets = new Map<string, string>();
        for (const e of config.receivers.endpoints) {
          if (!e.secretRef) continue;
          const ref = { name: e.secretRef.name, namespace: e.secretRef.namespace ?? config.namespace };
          const key = e.secretRef.key ?? "token";
          const value = (await secrets.read(ref, signal))[key]?.trim();
          if (!value) throw new SlipwayError(`receivers ${e.name}`, `Secret/${ref.namespace}/${ref.name} has no key "${key}"`);
          registerSecret(value);
          receiversSecrets.set(e.name, value);
        }
        receivers = await startReceiverServer({
          listen: options.receiversListen ?? config.receivers.listen,
          endpoints: config.receivers.endpoints,
          secrets: receiversSecrets,
          sources: () => config.sources.map((s) => ({ name: s.name, ...("branch" in s.ref ? { branch: s.ref.branch } : {}) })),
          // The leader fetches at once; a standby asks the leader through the syncs' parents
          // (the request annotations that `slipway reconcile --with-source` writes).
          trigger: async (source) => {
            if (running.loop) return running.loop.poke(source);
            const syncs = config.syncs.filter((s) => s.sourceRef === source);
            for (const s of syncs) await requestReconcile(client, config.namespace, s.name, { withSource: true, signal: AbortSignal.timeout(10_000) });
            return syncs.length > 0;
          },
          routes: [statusApi, ...(options.receiverRoutes ?? [])],
          log,
        });
        log.info(`receivers: listening on port ${receivers.port}`, { listen: options.receiversListen ?? config.receivers.listen });
        options.onReceiversListening?.(receivers.port);
      }
      if (options.leaderElect !== false) {
        election = startLeaderElection({ client, namespace: config.namespace, identity, log, signal, ...options.leaderElection });
        // Standing by until elected (or stopped): probes and metrics are served meanwhile.
        const elected = await election.elected.then(() => true, () => false);
        if (!elected) {
          log.info("stopped before being elected");
          return [];
        }
      }
      const lost = election?.lost;
      // A leader that lost the Lease writes nothing more, source status included.
      lost?.addEventListener("abort", () => sourceStatus.abort(lost.reason), { once: true });
      const loop = startAgentLoop({
        ...loopOptions,
        // A lost Lease stops the loops and aborts the apply in progress at once.
        ...(lost ? { stop: AbortSignal.any([signal, lost]), hard: AbortSignal.any([hard.signal, lost]) } : {}),
      });
      running.loop = loop;
      // The queue is read by the leader alone, until the loops stop.
      const sqsStop = new AbortController();
      const sqs = config.sqs
        ? runSqsTrigger({
            config: config.sqs,
            sources: () => config.sources,
            fetch: async (source, s) => {
              await sources.revision(source, { force: true, signal: s });
            },
            wake: (source) => void loop.poke(source),
            log,
            signal: AbortSignal.any([signal, sqsStop.signal, ...(lost ? [lost] : [])]),
          })
        : undefined;
      await loop.done;
      sqsStop.abort();
      await sqs;
      if (lost?.aborted) throw new SlipwayError(`agent ${identity}`, "stopped: leadership lost (another replica may reconcile now)", { cause: lost.reason });
    } finally {
      clearInterval(apiTimer);
      await election?.release();
      await receivers?.close();
      await server.close();
    }
    log.info("stopped");
    return [];
  } finally {
    await sourceStatus.flush();
    signal.removeEventListener("abort", onStop);
    client.close();
  }
}
