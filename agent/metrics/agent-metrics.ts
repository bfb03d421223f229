/**
 * The agent's Prometheus metrics (prom-client), served on /metrics:
 *
 * | metric | type | labels |
 * |---|---|---|
 * | `slipway_reconcile_duration_seconds` | histogram | sync |
 * | `slipway_reconcile_total` | counter | sync, result (`success`, `failure`) |
 * | `slipway_sync_ready` | gauge (1 Ready, 0 not) | sync |
 * | `slipway_sync_suspended` | gauge (1 suspended) | sync |
 * | `slipway_source_fetch_duration_seconds` | histogram | source, result |
 * | `slipway_applied_objects` | gauge (objects of the last change set by action) | sync, action |
 * | `slipway_build_info` | gauge (always 1) | version |
 * | `slipway_workload_image_info` | gauge (always 1) | sync, namespace, kind, name, container, image, tag |
 * | `slipway_sync_last_applied_timestamp_seconds` | gauge (commit time of the last applied revision) | sync |
 * | `slipway_commit_to_applied_seconds` | histogram (manifest commit → its revision applied) | sync |
 * | `slipway_commit_to_healthy_seconds` | histogram (manifest commit → applied and healthy) | sync |
 *
 * plus prom-client's default process metrics (`process_resident_memory_bytes`, `nodejs_*`, …).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { VERSION } from "../../core/version.ts";

/** The metrics the agent updates. */
export interface AgentMetrics {
  readonly registry: Registry;
  /** Records one finished reconcile. */
  reconciled(sync: string, ok: boolean, seconds: number): void;
  /** Sets a sync's Ready gauge. */
  ready(sync: string, ready: boolean): void;
  /** Sets a sync's suspended gauge. */
  suspended(sync: string, suspended: boolean): void;
  /** Records one source fetch. */
  fetched(source: string, ok: boolean, seconds: number): void;
  /** Sets the object counts of a sync's last change set, by action (`created`, `configured`, …). */
  applied(sync: string, counts: Partial<Record<string, number>>): void;
  /** Replaces the image rows of `sync`'s workloads (one per container). */
  workloadImages(sync: string, rows: readonly WorkloadImage[]): void;
  /** Records a revision applied (before its health is known): the seconds from its commit to the apply. */
  appliedAfter(sync: string, seconds: number): void;
  /** Records a revision applied and healthy: its commit time, and the seconds since that commit. */
  delivered(sync: string, committedAtMs: number, seconds: number): void;
  /** The text exposition for /metrics. */
  render(): Promise<string>;
  readonly contentType: string;
}

/** One container of a workload and the image it is set to. */
export interface WorkloadImage {
  namespace: string;
  kind: string;
  name: string;
  container: string;
  /** The image reference without tag or digest. */
  image: string;
  /** The tag, or the digest when the reference has no tag. */
  tag: string;
}

const applyActions = ["created", "configured", "unchanged", "skipped", "deleted"] as const;

/** Creates the metrics in a registry of their own, with default process metrics. */
export function createAgentMetrics(): AgentMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: "slipway_reconcile_duration_seconds",
    help: "Duration of one reconcile of a sync (fetch, build, apply, prune, health), in seconds.",
    labelNames: ["sync"],
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    registers: [registry],
  });
  const total = new Counter({ name: "slipway_reconcile_total", help: "Reconciles of a sync by result (success, failure).", labelNames: ["sync", "result"], registers: [registry] });
  const ready = new Gauge({ name: "slipway_sync_ready", help: "1 when the sync is Ready, else 0.", labelNames: ["sync"], registers: [registry] });
  const suspended = new Gauge({ name: "slipway_sync_suspended", help: "1 when the sync is suspended, else 0.", labelNames: ["sync"], registers: [registry] });
  const fetch = new Histogram({
    name: "slipway_source_fetch_duration_seconds",
    help: "Duration of one git fetch of a source, in seconds.",
    labelNames: ["source", "result"],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const applied = new Gauge({ name: "slipway_applied_objects", help: "Objects in the sync's last change set, by action.", labelNames: ["sync", "action"], registers: [registry] });
  const info = new Gauge({ name: "slipway_build_info", help: "Slipway's version (always 1).", labelNames: ["version"], registers: [registry] });
  info.set({ version: VERSION }, 1);
  const images = new Gauge({
    name: "slipway_workload_image_info",
    help: "The image each container of a workload the agent manages is set to (always 1).",
    labelNames: ["sync", "namespace", "kind", "name", "container", "image", "tag"],
    registers: [registry],
  });
  const imageRows = new Map<string, Record<string, string>[]>();
  const lastApplied = new Gauge({ name: "slipway_sync_last_applied_timestamp_seconds", help: "Commit time of the sync's last revision applied and healthy, Unix seconds.", labelNames: ["sync"], registers: [registry] });
  const deliveryBuckets = [5, 10, 30, 60, 120, 300, 600, 1800, 3600];
  const toApplied = new Histogram({
    name: "slipway_commit_to_applied_seconds",
    help: "Time from a manifest commit to its revision applied to the cluster (before health), in seconds.",
    labelNames: ["sync"],
    buckets: deliveryBuckets,
    registers: [registry],
  });
  const delivery = new Histogram({
    name: "slipway_commit_to_healthy_seconds",
    help: "Time from a manifest commit to its revision applied and healthy in the cluster, in seconds.",
    labelNames: ["sync"],
    buckets: deliveryBuckets,
    registers: [registry],
  });
  return {
    registry,
    contentType: registry.contentType,
    reconciled(sync, ok, seconds) {
      duration.observe({ sync }, seconds);
      total.inc({ sync, result: ok ? "success" : "failure" });
    },
    ready: (sync, isReady) => ready.set({ sync }, isReady ? 1 : 0),
    suspended: (sync, s) => suspended.set({ sync }, s ? 1 : 0),
    fetched: (source, ok, seconds) => fetch.observe({ source, result: ok ? "success" : "failure" }, seconds),
    applied(sync, counts) {
      for (const action of applyActions) applied.set({ sync, action }, counts[action] ?? 0);
    },
    workloadImages(sync, rows) {
      for (const labels of imageRows.get(sync) ?? []) images.remove(labels);
      const next = rows.map((r) => ({ sync, ...r }));
      for (const labels of next) images.set(labels, 1);
      imageRows.set(sync, next);
    },
    appliedAfter: (sync, seconds) => toApplied.observe({ sync }, seconds),
    delivered(sync, committedAtMs, seconds) {
      lastApplied.set({ sync }, Math.round(committedAtMs / 1000));
      delivery.observe({ sync }, seconds);
    },
    render: () => registry.metrics(),
  };
}
