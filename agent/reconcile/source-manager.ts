/**
 * The agent's sources: one {@link GitSource} each, fetched at most once per source interval
 * (or at once when poked by the webhook or `slipway reconcile --with-source`), with concurrent
 * callers sharing one fetch. Credentials are read for every fetch, so a rotated Secret is used
 * without a restart.
 */
import { SlipwayError, errorMessage } from "../../core/errors.ts";
import type { Logger } from "../../core/log.ts";
import { describeRef, type SourceConfig } from "../config/agent-config.ts";
import type { FetchOutcome, SourceSettings } from "../status/source-status.ts";
import { createGitSource, type FetchedRevision, type GitSource } from "../source/git-source.ts";
import { resolveSourceAuth, type SecretReader } from "../source/source-credentials.ts";
import type { AgentMetrics } from "../metrics/agent-metrics.ts";

/** Access to every configured source. */
export interface SourceManager {
  /** The source's revision: the cached one when fresher than its interval, else fetched now. */
  revision(name: string, options: { force?: boolean; signal?: AbortSignal }): Promise<FetchedRevision>;
  /** Exports `sha` of the source into `dir`. */
  export(name: string, sha: string, dir: string, signal?: AbortSignal): Promise<void>;
  /** Marks a source stale so that the next `revision` fetches; false when there is no such source. */
  poke(name: string): boolean;
  /** The last fetched revision of a source, without fetching. */
  cached(name: string): FetchedRevision | undefined;
  /**
   * Replaces the set of sources (the configuration's plus those defined in git): new ones are
   * added, changed ones start over with their new settings (the clone cache is kept), missing
   * ones are dropped.
   */
  update(sources: readonly SourceConfig[]): void;
  /** A source's `ignore` patterns (a GitRepository's `spec.ignore`), when it has them. */
  ignore(name: string): string | undefined;
  /** The current sources' names (keys). */
  readonly names: readonly string[];
}

/** Options for {@link createSourceManager}. */
export interface SourceManagerOptions {
  sources: readonly SourceConfig[];
  cacheDir: string;
  /** Where Secrets are read from; undefined when no source needs one. */
  secrets?: SecretReader;
  metrics?: AgentMetrics;
  log: Logger;
  /** Clock in ms, for tests. Default Date.now. */
  now?: () => number;
  /** Told of every fetch's outcome and of every source that leaves (a source's own status, agent/status/source-status.ts). */
  status?: { fetched(name: string, settings: SourceSettings, outcome: FetchOutcome): void; removed(name: string): void };
}

interface Entry {
  config: SourceConfig;
  git: GitSource;
  last?: FetchedRevision;
  fetchedAt: number;
  stale: boolean;
  inFlight?: Promise<FetchedRevision>;
  /** The suspension was recorded in the source's status. */
  suspensionRecorded?: boolean;
}

/** A suspended GitRepository (`spec.suspend: true`, agent/flux/flux-specs.ts) is not fetched. */
const isSuspended = (c: SourceConfig): boolean => (c as { suspend?: boolean }).suspend === true;

const settingsOf = (c: SourceConfig & { definedBy?: string }): SourceSettings => ({ url: c.url, ref: describeRef(c.ref), ...(c.definedBy ? { definedBy: c.definedBy } : {}), ...(isSuspended(c) ? { suspended: true } : {}) });

/** Creates the manager; nothing is fetched until asked. */
export function createSourceManager(options: SourceManagerOptions): SourceManager {
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  for (const config of options.sources) {
    entries.set(config.name, { config, git: createGitSource({ source: config, cacheDir: options.cacheDir }), fetchedAt: 0, stale: true });
  }
  const get = (name: string): Entry => {
    const e = entries.get(name);
    if (!e) throw new SlipwayError(`source ${name}`, "is not configured");
    return e;
  };
  const fetch = async (e: Entry, signal?: AbortSignal): Promise<FetchedRevision> => {
    const start = performance.now();
    const log = options.log.with({ source: e.config.name });
    try {
      const auth = await resolveSourceAuth(e.config, options.secrets, signal);
      const got = await e.git.fetch(auth, signal);
      options.metrics?.fetched(e.config.name, true, (performance.now() - start) / 1000);
      options.status?.fetched(e.config.name, settingsOf(e.config), { ok: true, revision: got.revision, durationMs: performance.now() - start });
      if (got.revision !== e.last?.revision) log.info(`fetched revision ${got.revision}`, { revision: got.revision });
      else log.debug("no new commits", { revision: got.revision });
      e.last = got;
      e.fetchedAt = now();
      e.stale = false;
      return got;
    } catch (err) {
      options.metrics?.fetched(e.config.name, false, (performance.now() - start) / 1000);
      if (!signal?.aborted) options.status?.fetched(e.config.name, settingsOf(e.config), { ok: false, error: errorMessage(err), durationMs: performance.now() - start });
      throw err;
    }
  };
  return {
    get names() {
      return [...entries.keys()];
    },
    update(list) {
      const wanted = new Set(list.map((c) => c.name));
      for (const name of [...entries.keys()]) {
        if (wanted.has(name)) continue;
        entries.delete(name);
        options.status?.removed(name);
      }
      for (const config of list) {
        const e = entries.get(config.name);
        if (e && JSON.stringify(e.config) === JSON.stringify(config)) continue;
        // Suspended or resumed, nothing else: keep the clone and the last revision (a suspended source serves it).
        const unsuspended = (c: SourceConfig): string => JSON.stringify({ ...c, suspend: undefined });
        if (e && unsuspended(e.config) === unsuspended(config)) {
          e.config = config;
          e.suspensionRecorded = false;
          if (!isSuspended(config)) e.stale = true;
          continue;
        }
        entries.set(config.name, { config, git: createGitSource({ source: config, cacheDir: options.cacheDir }), fetchedAt: 0, stale: true });
      }
    },
    revision(name, { force, signal } = {}) {
      const e = entries.get(name);
      if (!e) return Promise.reject(new SlipwayError(`source ${name}`, "is not configured"));
      if (e.inFlight) return e.inFlight;
      if (isSuspended(e.config)) {
        if (!e.last) return Promise.reject(new SlipwayError(`GitRepository ${e.config.name}`, "is suspended (spec.suspend: true) and this agent has fetched no revision of it yet; set spec.suspend: false to fetch"));
        if (!e.suspensionRecorded) {
          e.suspensionRecorded = true;
          options.status?.fetched(e.config.name, settingsOf(e.config), { ok: true, revision: e.last.revision, durationMs: 0, suspended: true });
        }
        return Promise.resolve(e.last);
      }
      if (!force && !e.stale && e.last && now() - e.fetchedAt < e.config.intervalMs) return Promise.resolve(e.last);
      const p = fetch(e, signal).finally(() => {
        e.inFlight = undefined;
      });
      e.inFlight = p;
      return p;
    },
    export: (name, sha, dir, signal) => get(name).git.export(sha, dir, signal),
    poke(name) {
      const e = entries.get(name);
      if (!e) return false;
      e.stale = true;
      return true;
    },
    cached: (name) => entries.get(name)?.last,
    ignore: (name) => (entries.get(name)?.config as { ignore?: string } | undefined)?.ignore,
  };
}
