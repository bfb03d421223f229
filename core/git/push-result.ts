/**
 * Reading `git push --porcelain`: whether the ref was updated, was already up to date, or was
 * rejected because the remote moved on (another pipeline pushed first), which is worth a
 * fetch-rebase-retry, unlike a hook or permission refusal. Pure.
 */

/** The outcome of pushing one ref. */
export type PushStatus = "pushed" | "up-to-date" | "rejected" | "failed";

/** One ref's line of porcelain output, classified. */
export interface PushResult {
  status: PushStatus;
  /** Git's summary and reason, e.g. `[rejected] (fetch first)`. */
  detail: string;
}

/** Reasons that mean "someone else updated the ref first": fetch, re-apply and push again. */
const raceReasons = /fetch first|non-fast-forward|stale info|cannot lock ref|failed to update ref|incorrect old value|failed to lock|is at [0-9a-f]+ but expected/i;

/**
 * Classifies the porcelain output of a push of `ref` (e.g. `refs/heads/main`). Output without a
 * line for the ref is `failed`, with stderr as the detail.
 */
export function parsePushOutput(stdout: string, stderr: string, ref: string): PushResult {
  for (const line of stdout.split("\n")) {
    const m = /^([ +\-*!=])\t([^\t]*)\t(.*)$/.exec(line);
    if (!m) continue;
    const [, flag = "", refs = "", summary = ""] = m;
    if (!refs.endsWith(`:${ref}`)) continue;
    switch (flag) {
      case " ":
      case "+":
      case "*":
        return { status: "pushed", detail: summary };
      case "=":
        return { status: "up-to-date", detail: summary };
      default:
        return { status: raceReasons.test(summary) || raceReasons.test(stderr) ? "rejected" : "failed", detail: summary };
    }
  }
  const tail = stderr.trim().split("\n").slice(-3).join(" ");
  if (raceReasons.test(stderr)) return { status: "rejected", detail: tail };
  return { status: "failed", detail: tail || "git push printed no result for the ref" };
}
