/** Unified diffs, checked by applying them with the real `git apply`. */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { unifiedDiff } from "../../../core/markers/unified-diff.ts";

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "slipway-diff-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes `before`, applies the diff with git apply, returns the resulting text. */
async function gitApply(beforeText: string, patch: string): Promise<string> {
  await writeFile(path.join(dir, "f.yaml"), beforeText);
  await writeFile(path.join(dir, "p.diff"), patch);
  execFileSync("git", ["apply", "--whitespace=nowarn", "p.diff"], { cwd: dir, stdio: "pipe" });
  return readFile(path.join(dir, "f.yaml"), "utf8");
}

describe("unifiedDiff", () => {
  test("equal texts give no diff", () => assert.equal(unifiedDiff("f", "a\n", "a\n"), ""));

  test("one changed line with three lines of context", () => {
    const a = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
    const b = a.replace("5\n", "five\n");
    assert.equal(unifiedDiff("f.yaml", a, b), "--- a/f.yaml\n+++ b/f.yaml\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
  });

  test("distant changes make separate hunks, close ones merge", () => {
    const lines = Array.from({ length: 30 }, (_, i) => `l${i}\n`);
    const a = lines.join("");
    const far = lines.map((l, i) => (i === 2 || i === 25 ? `X${l}` : l)).join("");
    assert.equal((unifiedDiff("f", a, far).match(/^@@/gm) ?? []).length, 2);
    const near = lines.map((l, i) => (i === 2 || i === 8 ? `X${l}` : l)).join("");
    assert.equal((unifiedDiff("f", a, near).match(/^@@/gm) ?? []).length, 1);
  });

  test("a missing final newline is marked", () => {
    const d = unifiedDiff("f", "a\nb", "a\nc");
    assert.match(d, /-b\n\\ No newline at end of file\n\+c\n\\ No newline at end of file\n$/);
  });

  test("git apply reproduces the new text: CRLF, no final newline, non-ASCII", async () => {
    for (const [a, b] of [
      ["x: 1\r\nimage: a:1 # 주석\r\ny: 2\r\n", "x: 1\r\nimage: a:2 # 주석\r\ny: 2\r\n"],
      ["a\nb\nc", "a\nb\nC"],
      ["", "new\n"],
      ["old\n", ""],
    ] as const) {
      assert.equal(await gitApply(a, unifiedDiff("f.yaml", a, b)), b);
    }
  });

  test("property: git apply of the diff turns before into after", async () => {
    const line = fc.constantFrom("a\n", "b\n", "c\n", "image: x:1\n", "image: x:2\n", "# 메모\n", "\n");
    const text = fc.array(line, { maxLength: 25 }).map((l) => l.join(""));
    await fc.assert(
      fc.asyncProperty(text, text, async (a, b) => {
        if (a === b) return;
        assert.equal(await gitApply(a, unifiedDiff("f.yaml", a, b)), b);
      }),
      { numRuns: 60 },
    );
  });
});
