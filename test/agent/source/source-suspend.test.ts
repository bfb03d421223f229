// A suspended GitRepository (spec.suspend: true) is not fetched: its syncs keep getting the
// revision fetched last, its status says SUSPENDED True and keeps its last fetch time, and
// resuming fetches again. Against the test git server over HTTP.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { integration, createGitRepo } from "../../env/harness.ts";
import { createSourceManager } from "../../../agent/reconcile/source-manager.ts";
import { createAgentMetrics } from "../../../agent/metrics/agent-metrics.ts";
import { readGitRepository } from "../../../agent/flux/flux-specs.ts";
import { nextSourceStatus, type FetchOutcome, type SourceSettings } from "../../../agent/status/source-status.ts";
import { sourceRows } from "../../../cli/commands/get.ts";
import type { SourceConfig } from "../../../agent/config/agent-config.ts";
import { createLogger } from "../../../core/log.ts";
import { pushChanges } from "../e2e/git-push.ts";

const gitRepository = (suspend?: boolean): Parameters<typeof readGitRepository>[0] => ({
  apiVersion: "source.toolkit.fluxcd.io/v1",
  kind: "GitRepository",
  metadata: { name: "monitoring", namespace: "flux-system" },
  spec: { url: "https://git.example/monitoring.git", interval: "30m", ref: { branch: "main" }, ...(suspend === undefined ? {} : { suspend }) },
});

test("spec.suspend of a GitRepository is read; false and absent are the same", () => {
  const on = readGitRepository(gitRepository(true), "slipway-system");
  assert.ok(on.ok);
  assert.equal((on.value as { suspend?: boolean }).suspend, true);
  const off = readGitRepository(gitRepository(false), "slipway-system");
  const absent = readGitRepository(gitRepository(), "slipway-system");
  assert.ok(off.ok && absent.ok);
  assert.deepEqual(off.value, absent.value);
});

test("a suspended source's status keeps its last fetch and says suspended; get sources git shows SUSPENDED True", () => {
  const settings: SourceSettings = { url: "https://git.example/m.git", ref: "branch main" };
  const fetched = nextSourceStatus(undefined, settings, { ok: true, revision: "main@sha1:abc", durationMs: 120 }, "2026-01-01T00:00:00.000Z");
  const suspended: FetchOutcome = { ok: true, revision: "main@sha1:abc", durationMs: 0, suspended: true };
  const s = nextSourceStatus(fetched, { ...settings, suspended: true }, suspended, "2026-01-01T01:00:00.000Z");
  assert.equal(s.suspended, true);
  assert.equal(s.lastFetchTime, "2026-01-01T00:00:00.000Z");
  assert.equal(s.lastFetchDurationMs, 120);
  const [row] = sourceRows([], "slipway-system", [{ source: "flux-system/m", status: s }]);
  assert.equal(row?.suspended, true);
  const resumed = nextSourceStatus(s, settings, { ok: true, revision: "main@sha1:def", durationMs: 90 }, "2026-01-01T02:00:00.000Z");
  assert.equal(resumed.suspended, undefined);
  assert.equal(sourceRows([], "slipway-system", [{ source: "flux-system/m", status: resumed }])[0]?.suspended, false);
});

test("a suspended source is not fetched and serves its last revision; resumed, it fetches; suspended from the start, it says so", async (t) => {
  const env = integration(t);
  if (!env) return;
  const repo = await createGitRepo(env, t, { files: { "a.yaml": "a: 1\n" } });
  const metrics = createAgentMetrics();
  const fetches = async (): Promise<number> => Number(/slipway_source_fetch_duration_seconds_count\{source="m",result="success"\} (\d+)/.exec(await metrics.render())?.[1] ?? 0);
  const recorded: { settings: SourceSettings; outcome: FetchOutcome }[] = [];
  const source: SourceConfig = { name: "m", url: repo.httpUrl, ref: { branch: "main" }, intervalMs: 60_000, timeoutMs: 30_000, provider: "generic" };
  const sources = createSourceManager({
    sources: [source],
    cacheDir: mkdtempSync(path.join(tmpdir(), "slipway-suspend-")),
    metrics,
    log: createLogger({ write: () => {} }),
    status: { fetched: (_name, settings, outcome) => recorded.push({ settings, outcome }), removed: () => {} },
  });
  const first = await sources.revision("m", {});
  assert.equal(await fetches(), 1);

  sources.update([{ ...source, suspend: true } as SourceConfig]);
  const newer = await pushChanges(repo, "main", { "b.yaml": "b: 1\n" });
  assert.equal(sources.poke("m"), true);
  const whileSuspended = await sources.revision("m", { force: true });
  assert.equal(whileSuspended.sha, first.sha, "a suspended source serves the revision fetched last");
  await sources.revision("m", { force: true });
  assert.equal(await fetches(), 1, "a suspended source is not fetched, even when forced");
  const marks = recorded.filter((r) => r.settings.suspended);
  assert.equal(marks.length, 1, "the suspension is recorded once");
  assert.deepEqual(marks[0]?.outcome, { ok: true, revision: first.revision, durationMs: 0, suspended: true });

  sources.update([source]);
  const resumed = await sources.revision("m", {});
  assert.equal(resumed.sha, newer, "resumed, it fetches at once");
  assert.equal(await fetches(), 2);

  const cold = createSourceManager({
    sources: [{ ...source, suspend: true } as SourceConfig],
    cacheDir: mkdtempSync(path.join(tmpdir(), "slipway-suspend-cold-")),
    log: createLogger({ write: () => {} }),
  });
  await assert.rejects(cold.revision("m", {}), /^SlipwayError: GitRepository m: is suspended \(spec\.suspend: true\) and this agent has fetched no revision of it yet; set spec\.suspend: false to fetch/);
});
