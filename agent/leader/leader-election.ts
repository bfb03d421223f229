/**
 * Leader election over a `coordination.k8s.io/v1` Lease, so that of several replicas only one
 * reconciles. The rules are client-go's (a holder, a renew time and a duration; an expired Lease
 * may be taken; optimistic concurrency through resourceVersion decides races), with a budget of
 * one request per {@link LeaderElectionOptions.retryPeriodMs} per replica in the steady state:
 * the leader renews with a single PUT (it keeps the object it last wrote), a candidate reads the
 * Lease once per period, waking early when the Lease expires before the next read.
 *
 * A leader that cannot renew for {@link LeaderElectionOptions.renewDeadlineMs} (the API server
 * unreachable, or another holder) loses at once: `lost` aborts, and the agent stops applying.
 * The renew deadline is shorter than the lease duration, so a partitioned leader has stopped
 * before any other replica may take the Lease. Expiry is judged from the Lease's renewTime
 * (replicas' clocks are assumed to agree to well within the difference of the two).
 * On a clean stop the leader releases the Lease, so the next one takes over without waiting.
 */
import { hostname } from "node:os";
import { SlipwayError, errorMessage } from "../../core/errors.ts";
import type { Logger } from "../../core/log.ts";
import { sleep } from "../../core/retry.ts";
import { isStatus } from "../kube/kube-api-error.ts";
import type { KubeClient } from "../kube/kube-client.ts";
import { microTime } from "../status/event-recorder.ts";

/** The Lease's name (in the agent's namespace). */
export const leaseName = "slipway-agent";

/** Options for {@link startLeaderElection}. */
export interface LeaderElectionOptions {
  client: KubeClient;
  /** Namespace of the Lease (the agent's). */
  namespace: string;
  /** Lease name. Default {@link leaseName}. */
  name?: string;
  /** Who we are, written as holderIdentity. Default {@link defaultIdentity}. */
  identity?: string;
  /** How long a Lease holds without renewal. Default 30 s. */
  leaseDurationMs?: number;
  /** A leader that has not renewed for this long gives up. Default 20 s; must be below the lease duration. */
  renewDeadlineMs?: number;
  /** Steady-state period of the leader's renewals and the candidates' reads. Default 10 s. */
  retryPeriodMs?: number;
  log: Logger;
  /** Ends the election; a leader then releases the Lease. */
  signal: AbortSignal;
  /** Clock, for tests. Default Date.now. */
  now?: () => number;
}

/** A running election. */
export interface LeaderElection {
  /** The holder identity this process writes. */
  readonly identity: string;
  /** Resolves once this process holds the Lease; rejects with the stop reason if stopped first. */
  readonly elected: Promise<void>;
  /** Aborts when leadership is lost (not renewed within the deadline, or taken). */
  readonly lost: AbortSignal;
  /** Whether this process holds the Lease now. */
  isLeader(): boolean;
  /** Stops renewing and releases the Lease if held (bounded by a few seconds). */
  release(): Promise<void>;
}

interface LeaseObject {
  apiVersion: "coordination.k8s.io/v1";
  kind: "Lease";
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: { holderIdentity?: string | null; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number };
}

/** The holder identity: `$POD_NAME`, the hostname in a pod (the pod's name), else `host_pid`. Pure but for the environment. */
export function defaultIdentity(env: NodeJS.ProcessEnv = process.env): string {
  if (env.POD_NAME) return env.POD_NAME;
  if (env.KUBERNETES_SERVICE_HOST) return hostname();
  return `${hostname()}_${process.pid}`;
}

/** When `lease` expires, ms since the epoch; 0 when it has no holder. Pure. */
export function leaseExpiry(lease: LeaseObject["spec"]): number {
  if (!lease.holderIdentity) return 0;
  const renewed = Date.parse(lease.renewTime ?? lease.acquireTime ?? "");
  if (Number.isNaN(renewed)) return 0;
  return renewed + (lease.leaseDurationSeconds ?? 0) * 1000;
}

/** Starts campaigning for the Lease. Throws a SlipwayError for options that cannot work. */
export function startLeaderElection(options: LeaderElectionOptions): LeaderElection {
  const { client, namespace, log } = options;
  const name = options.name ?? leaseName;
  const identity = options.identity ?? defaultIdentity();
  const leaseMs = options.leaseDurationMs ?? 30_000;
  const deadlineMs = options.renewDeadlineMs ?? 20_000;
  const periodMs = options.retryPeriodMs ?? 10_000;
  const now = options.now ?? Date.now;
  if (!(deadlineMs < leaseMs)) throw new SlipwayError("--leader-elect-renew-deadline", `must be shorter than the lease duration (${deadlineMs} ms ≥ ${leaseMs} ms)`);
  if (!(periodMs < deadlineMs)) throw new SlipwayError("--leader-elect-retry-period", `must be shorter than the renew deadline (${periodMs} ms ≥ ${deadlineMs} ms)`);
  const subject = `Lease/${namespace}/${name}`;
  const collection = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
  const objectPath = `${collection}/${encodeURIComponent(name)}`;
  const lostController = new AbortController();
  const stopped = new AbortController();
  const stop = AbortSignal.any([options.signal, stopped.signal]);
  let leader = false;
  let current: LeaseObject | undefined;
  let electedResolve: () => void = () => {};
  let electedReject: (err: unknown) => void = () => {};
  const elected = new Promise<void>((resolve, reject) => {
    electedResolve = resolve;
    electedReject = reject;
  });
  // A rejection nobody awaits (stopped before election) must not end the process.
  elected.catch(() => {});

  /** One request, bounded so that a silent API server cannot hold the loop past the deadline. */
  const bounded = (ms: number): AbortSignal => AbortSignal.any([stop, AbortSignal.timeout(Math.max(500, ms))]);
  const seconds = Math.ceil(leaseMs / 1000);

  const read = async (signal: AbortSignal): Promise<LeaseObject | undefined> => {
    const res = await client.request<LeaseObject>({ method: "GET", path: objectPath, allowNotFound: true, signal });
    return res.status === 404 ? undefined : res.body;
  };
  const spec = (lease: LeaseObject | undefined, t: number): LeaseObject["spec"] => {
    const taken = lease?.spec.holderIdentity !== identity;
    const stamp = microTime(new Date(t));
    return {
      holderIdentity: identity,
      leaseDurationSeconds: seconds,
      acquireTime: taken ? stamp : (lease?.spec.acquireTime ?? stamp),
      renewTime: stamp,
      leaseTransitions: (lease?.spec.leaseTransitions ?? 0) + (taken && lease?.spec.holderIdentity ? 1 : 0),
    };
  };
  /** Creates or takes the Lease; returns whether we hold it. */
  const tryAcquire = async (signal: AbortSignal): Promise<{ held: boolean; holder?: string; wakeAt?: number }> => {
    const lease = await read(signal);
    const t = now();
    if (!lease) {
      try {
        const res = await client.request<LeaseObject>({
          method: "POST",
          path: collection,
          body: JSON.stringify({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name, namespace }, spec: spec(undefined, t) }),
          signal,
        });
        current = res.body;
        return { held: true };
      } catch (err) {
        if (isStatus(err, 409)) return { held: false };
        throw err;
      }
    }
    const expiry = leaseExpiry(lease.spec);
    if (lease.spec.holderIdentity && lease.spec.holderIdentity !== identity && expiry > t) return { held: false, holder: lease.spec.holderIdentity, wakeAt: expiry };
    try {
      const res = await client.request<LeaseObject>({ method: "PUT", path: objectPath, body: JSON.stringify({ ...lease, spec: spec(lease, t) }), signal });
      current = res.body;
      return { held: true };
    } catch (err) {
      if (isStatus(err, 409)) return { held: false };
      throw err;
    }
  };
  /** Renews with one PUT from the last written object; on a conflict reads once and tries again. */
  const renew = async (signal: AbortSignal): Promise<boolean> => {
    const base = current ?? (await read(signal));
    if (!base || base.spec.holderIdentity !== identity) return false;
    try {
      const res = await client.request<LeaseObject>({ method: "PUT", path: objectPath, body: JSON.stringify({ ...base, spec: spec(base, now()) }), signal });
      current = res.body;
      return true;
    } catch (err) {
      if (!isStatus(err, 409)) throw err;
      current = undefined;
      const fresh = await read(signal);
      if (!fresh || fresh.spec.holderIdentity !== identity) return false;
      current = fresh;
      return renew(signal);
    }
  };

  const campaign = async (): Promise<void> => {
    let lastHolder: string | undefined;
    while (!stop.aborted) {
      let wait = periodMs;
      try {
        const got = await tryAcquire(bounded(periodMs));
        if (got.held) break;
        if (got.wakeAt !== undefined) wait = Math.max(50, Math.min(periodMs, got.wakeAt - now() + 50));
        if (got.holder !== lastHolder) {
          lastHolder = got.holder;
          log.info(`${subject}: held by ${got.holder ?? "nobody"}; standing by`, { identity });
        }
      } catch (err) {
        if (stop.aborted) break;
        log.warn(`${subject}: cannot acquire: ${errorMessage(err)}`);
      }
      await sleep(wait, stop).catch(() => {});
    }
    if (stop.aborted) {
      electedReject(stop.reason ?? new Error("stopped"));
      return;
    }
    leader = true;
    log.info(`${subject}: acquired; this replica reconciles`, { identity });
    electedResolve();
    let lastRenew = now();
    let failing = false;
    while (!stop.aborted) {
      // After a failure, retry sooner (the deadline is near); otherwise once a period.
      await sleep(failing ? Math.min(2000, periodMs / 5) : periodMs, stop).catch(() => {});
      if (stop.aborted) break;
      const remaining = lastRenew + deadlineMs - now();
      let held: boolean | undefined;
      let why = "another replica holds it";
      try {
        held = remaining > 0 ? await renew(bounded(Math.min(remaining, periodMs))) : undefined;
        if (held === undefined) why = "not renewed within the deadline";
      } catch (err) {
        why = errorMessage(err);
      }
      if (held === true) {
        lastRenew = now();
        failing = false;
        continue;
      }
      if (stop.aborted) break;
      if (held === false || now() - lastRenew >= deadlineMs) {
        leader = false;
        log.error(`${subject}: leadership lost (${why}); stopping all work`, { identity });
        lostController.abort(new SlipwayError(subject, `leadership lost: ${why}`));
        return;
      }
      failing = true;
      log.warn(`${subject}: renewal failed, retrying: ${why}`);
    }
  };
  const running = campaign();

  return {
    identity,
    elected,
    lost: lostController.signal,
    isLeader: () => leader,
    async release() {
      stopped.abort(new Error("released"));
      await running;
      if (!leader || !current) return;
      leader = false;
      try {
        const released = { ...current, spec: { ...current.spec, holderIdentity: null, leaseDurationSeconds: 1, renewTime: microTime(new Date(now())) } };
        await client.request({ method: "PUT", path: objectPath, body: JSON.stringify(released), signal: AbortSignal.timeout(3000) });
        log.info(`${subject}: released`, { identity });
      } catch (err) {
        log.warn(`${subject}: cannot release (the next leader waits for it to expire): ${errorMessage(err)}`);
      }
    },
  };
}
