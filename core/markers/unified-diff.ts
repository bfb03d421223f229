/**
 * Unified diffs (`git apply`-able, `--- a/file` / `+++ b/file`, 3 lines of context) between two
 * texts. The edit script and the hunks come from the `diff` package (jsdiff: Myers' algorithm in
 * linear space); only the file header is ours, so the output reads as `git diff` prints it. Line
 * endings are part of each line, so a CRLF file diffs as CRLF; a missing final newline is marked
 * `\ No newline at end of file`, as diff(1) and git do.
 */
import { structuredPatch } from "diff";

/** Options for unifiedDiff. */
export interface UnifiedDiffOptions {
  /** Unchanged lines shown around each change (default 3). */
  context?: number;
}

/**
 * Returns the unified diff turning `before` into `after` for `file` (a path relative to the
 * repository root), or "" when they are equal.
 */
export function unifiedDiff(file: string, before: string, after: string, options: UnifiedDiffOptions = {}): string {
  if (before === after) return "";
  const patch = structuredPatch(file, file, before, after, undefined, undefined, { context: options.context ?? 3 });
  let out = `--- a/${file}\n+++ b/${file}\n`;
  for (const hunk of patch.hunks) {
    // An empty side starts at line 0, as diff(1) and git print it (`@@ -0,0 +1,3 @@`); jsdiff says 1.
    const oldStart = before === "" ? 0 : hunk.oldStart;
    const newStart = after === "" ? 0 : hunk.newStart;
    out += `@@ -${oldStart},${hunk.oldLines} +${newStart},${hunk.newLines} @@\n`;
    for (const line of hunk.lines) out += `${line}\n`;
  }
  return out;
}
