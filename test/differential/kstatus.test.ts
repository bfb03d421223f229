/** Health rules against kstatus (sigs.k8s.io/cli-utils, the oracle): fixtures and generated objects of every kind. */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { after, describe, test } from "node:test";
import fc from "fast-check";
import { parse } from "yaml";
import type { KubeObject } from "../../agent/kube/kube-object.ts";
import { openOracle } from "../env/oracle.ts";
import { compareKstatus, objectArb } from "./kstatus-cases.ts";

const o = await openOracle();
after(() => o.oracle?.close());

const dir = path.resolve(import.meta.dirname, "../fixtures/health");
// Fixtures whose verdict depends on the clock are judged by the fixture test at a fixed time.
const timeDependent = new Set(["pod-unschedulable-fresh.yaml"]);

describe("health agrees with kstatus", { skip: o.skip }, () => {
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".yaml") && !timeDependent.has(f)).sort()) {
    test(`fixture ${file}`, async () => {
      const { object } = parse(readFileSync(path.join(dir, file), "utf8")) as { object: KubeObject };
      assert.equal(await compareKstatus(o.oracle!, object), undefined);
    });
  }

  test("generated objects of every kind kstatus has rules for", async () => {
    await fc.assert(
      fc.asyncProperty(objectArb, async (obj) => {
        const diff = await compareKstatus(o.oracle!, obj);
        assert.equal(diff, undefined, diff);
      }),
      { numRuns: 10_000 },
    );
  });
});
