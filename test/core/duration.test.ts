import { test } from "node:test";
import assert from "node:assert/strict";
import { parseDuration, formatDuration } from "../../core/duration.ts";

test("parses Go-style durations", () => {
  assert.equal(parseDuration("30s"), 30_000);
  assert.equal(parseDuration("1m"), 60_000);
  assert.equal(parseDuration("1h30m"), 5_400_000);
  assert.equal(parseDuration("1.5s"), 1500);
  assert.equal(parseDuration("250ms"), 250);
  assert.equal(parseDuration("0"), 0);
  for (const bad of ["", "5", "5 minutes", "1d", "m", "-1s", "1s2"]) assert.equal(parseDuration(bad), undefined, bad);
});

test("formats durations for people", () => {
  assert.equal(formatDuration(250), "250ms");
  assert.equal(formatDuration(90_000), "1m30s");
  assert.equal(formatDuration(5_400_000), "1h30m");
  assert.equal(formatDuration(1234), "1.2s");
});
