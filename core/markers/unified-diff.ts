/**
 * Unified diffs (`git apply`-able, `--- a/file` / `+++ b/file`, 3 lines of context) between two
 * texts, by a Myers shortest-edit-script over lines. Written here rather than pulled in as a
 * package: marker edits touch a handful of lines, and this is the one diff Slipway prints.
 * Line endings are part of each line, so a CRLF file diffs as CRLF; a missing final newline is
 * marked `\ No newline at end of file`, as diff(1) and git do.
 */

/** Options for unifiedDiff. */
export interface UnifiedDiffOptions {
  /** Unchanged lines shown around each change (default 3). */
  context?: number;
}

type Op = { kind: " " | "-" | "+"; line: string };

function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split(/(?<=\n)/);
  return lines;
}

/** The shortest edit script from `a` to `b` (Myers 1986), as keep/delete/insert operations. */
function editScript(a: readonly string[], b: readonly string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && (v[offset + k - 1] ?? 0) < (v[offset + k + 1] ?? 0)) ? (v[offset + k + 1] ?? 0) : (v[offset + k - 1] ?? 0) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
  }
  // Walk the trace backwards to recover the path.
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const vd = trace[d] as Int32Array;
    const k = x - y;
    const prevK = k === -d || (k !== d && (vd[offset + k - 1] ?? 0) < (vd[offset + k + 1] ?? 0)) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : (vd[offset + prevK] ?? 0);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push({ kind: " ", line: a[--x] ?? "" });
      y--;
    }
    if (d === 0) break;
    if (x === prevX) ops.push({ kind: "+", line: b[--y] ?? "" });
    else ops.push({ kind: "-", line: a[--x] ?? "" });
  }
  while (x > 0 && y > 0) {
    ops.push({ kind: " ", line: a[--x] ?? "" });
    y--;
  }
  return ops.reverse();
}

function render(op: Op): string {
  return op.line.endsWith("\n") ? `${op.kind}${op.line}` : `${op.kind}${op.line}\n\\ No newline at end of file\n`;
}

/**
 * Returns the unified diff turning `before` into `after` for `file` (a path relative to the
 * repository root), or "" when they are equal.
 */
export function unifiedDiff(file: string, before: string, after: string, options: UnifiedDiffOptions = {}): string {
  if (before === after) return "";
  const context = options.context ?? 3;
  const ops = editScript(splitLines(before), splitLines(after));
  let out = `--- a/${file}\n+++ b/${file}\n`;
  let i = 0;
  // old/new line numbers (1-based) of ops[i]
  const oldNo: number[] = [];
  const newNo: number[] = [];
  let o = 1;
  let nn = 1;
  for (const op of ops) {
    oldNo.push(o);
    newNo.push(nn);
    if (op.kind !== "+") o++;
    if (op.kind !== "-") nn++;
  }
  while (i < ops.length) {
    while (i < ops.length && ops[i]?.kind === " ") i++;
    if (i >= ops.length) break;
    const start = Math.max(0, i - context);
    let end = i;
    // extend the hunk while the next change is within 2*context unchanged lines
    for (;;) {
      while (end < ops.length && ops[end]?.kind !== " ") end++;
      let gap = end;
      while (gap < ops.length && ops[gap]?.kind === " ") gap++;
      if (gap < ops.length && gap - end <= 2 * context) end = gap;
      else {
        end = Math.min(ops.length, end + context);
        break;
      }
    }
    const hunk = ops.slice(start, end);
    const oldCount = hunk.filter((op) => op.kind !== "+").length;
    const newCount = hunk.filter((op) => op.kind !== "-").length;
    const oldStart = oldCount === 0 ? (oldNo[start] ?? 1) - 1 : (oldNo[start] ?? 1);
    const newStart = newCount === 0 ? (newNo[start] ?? 1) - 1 : (newNo[start] ?? 1);
    out += `@@ -${oldStart},${oldCount} +${newStart},${newCount} @@\n`;
    out += hunk.map(render).join("");
    i = end;
  }
  return out;
}
