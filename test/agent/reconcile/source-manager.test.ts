import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { integration, createGitRepo } from "../../env/harness.ts";
import { createSourceManager } from "../../../agent/reconcile/source-manager.ts";
import { createAgentMetrics } from "../../../agent/metrics/agent-metrics.ts";
import { createLogger } from "../../../core/log.ts";
import { pushChanges } from "../e2e/git-push.ts";

async function fetchCount(metrics: ReturnType<typeof createAgentMetrics>): Promise<number> {
  const text = await metrics.render();
  const m = /slipway_source_fetch_duration_seconds_count\{source="m",result="success"\} (\d+)/.exec(text);
  return Number(m?.[1] ?? 0);
}

test("one fetch per interval, shared by concurrent callers; a poke or force fetches again", async (t) => {
  const env = integration(t);
  if (!env) return;
  const repo = await createGitRepo(env, t, { files: { "a.yaml": "a: 1\n" } });
  const metrics = createAgentMetrics();
  let clock = 1_000_000;
  const sources = createSourceManager({
    sources: [{ name: "m", url: repo.httpUrl, ref: { branch: "main" }, intervalMs: 60_000, timeoutMs: 30_000, provider: "generic" }],
    cacheDir: mkdtempSync(path.join(tmpdir(), "slipway-sm-")),
    metrics,
    log: createLogger({ write: () => {} }),
    now: () => clock,
  });
  const [a, b] = await Promise.all([sources.revision("m", {}), sources.revision("m", {})]);
  assert.equal(a.revision, b.revision);
  assert.equal(await fetchCount(metrics), 1, "concurrent callers share one fetch");

  const sha = await pushChanges(repo, "main", { "b.yaml": "b: 1\n" });
  assert.equal((await sources.revision("m", {})).revision, a.revision, "within the interval the cached revision is used");
  assert.equal(await fetchCount(metrics), 1);
  assert.equal(sources.poke("m"), true);
  assert.equal((await sources.revision("m", {})).sha, sha, "a poke makes the next call fetch");
  assert.equal(await fetchCount(metrics), 2);
  clock += 61_000;
  await sources.revision("m", {});
  assert.equal(await fetchCount(metrics), 3, "after the interval it fetches again");
  await sources.revision("m", { force: true });
  assert.equal(await fetchCount(metrics), 4);
  assert.equal(sources.poke("nope"), false);
  await assert.rejects(sources.revision("nope", {}), /^SlipwayError: source nope: is not configured/);
});
