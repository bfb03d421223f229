/**
 * Kubernetes Events about a sync, attached to its ApplySet parent (events.k8s.io/v1), and one
 * JSON log line for each. Recording an Event never fails a reconcile: a refused Event is logged.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { errorMessage } from "../../core/errors.ts";
import type { Logger } from "../../core/log.ts";
import type { KubeClient } from "../kube/kube-client.ts";
import { parentRef } from "../applyset/applyset-parent.ts";
import { eventReportingController } from "../../core/well-known.ts";

/** One Event. */
export interface SyncEvent {
  sync: string;
  /** `Normal` or `Warning`. */
  type: "Normal" | "Warning";
  /** CamelCase reason: `ReconciliationSucceeded`, `Pruned`, `HealthCheckPassed`, `BuildFailed`, … */
  reason: string;
  /** What happened, e.g. the change set. Cut to 1 KiB as the API requires. */
  note: string;
  /** The parent's uid, when known (links the Event to the object). */
  uid?: string;
  revision?: string;
}

/** Records Events. */
export interface EventRecorder {
  record(event: SyncEvent, signal?: AbortSignal): Promise<void>;
}

/** The event time in the API's MicroTime form (`2026-01-02T03:04:05.123456Z`). Pure. */
export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/** Cuts `text` to at most `max` bytes of UTF-8, marking the cut. Pure. */
export function truncateNote(text: string, max = 1024): string {
  if (Buffer.byteLength(text) <= max) return text;
  let out = text;
  while (Buffer.byteLength(out) > max - 4) out = out.slice(0, -Math.max(1, Math.floor((Buffer.byteLength(out) - max) / 2)));
  return out + " …";
}

/** Creates a recorder writing to `namespace` (the agent's); `client` undefined logs only. */
export function createEventRecorder(client: KubeClient | undefined, namespace: string, log: Logger, now: () => Date = () => new Date(), instance = hostname()): EventRecorder {
  return {
    async record(event, signal) {
      const fields = { sync: event.sync, reason: event.reason, revision: event.revision };
      if (event.type === "Warning") log.error(event.note, fields);
      else log.info(event.note, fields);
      if (!client) return;
      const ref = parentRef(event.sync, namespace);
      const body = {
        apiVersion: "events.k8s.io/v1",
        kind: "Event",
        // Named as Kubernetes names Events: `<object>.<unique hex>`.
        metadata: { name: `${ref.name}.${now().getTime().toString(16)}${randomBytes(3).toString("hex")}`, namespace },
        eventTime: microTime(now()),
        reportingController: eventReportingController,
        reportingInstance: instance,
        action: event.type === "Warning" ? "ReconcileFailed" : "Reconcile",
        reason: event.reason,
        note: truncateNote(event.note),
        type: event.type,
        regarding: { apiVersion: "v1", kind: "ConfigMap", name: ref.name, namespace, ...(event.uid ? { uid: event.uid } : {}) },
      };
      try {
        await client.request({ method: "POST", path: `/apis/events.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/events`, body: JSON.stringify(body), signal });
      } catch (err) {
        log.warn(`cannot record Event: ${errorMessage(err)}`, fields);
      }
    },
  };
}
