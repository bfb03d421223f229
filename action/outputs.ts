/**
 * Where the CI step's results go, behind one interface with three implementations:
 * - GitHub Actions (github-reporter.ts, kept apart so that `slipway ci` does not load
 *   @actions/core): step outputs (`$GITHUB_OUTPUT`, heredoc format), a `$GITHUB_STEP_SUMMARY`
 *   table of the changes, and log groups per phase;
 * - CodeBuild and other CI (`slipway ci`): `KEY='value'` lines in an env file (source it, and
 *   list the names under `env.exported-variables`), the summary table on stderr;
 * Every value passes through the redactor first.
 */
import { appendFile, writeFile } from "node:fs/promises";
import { redact } from "../core/redact.ts";

/** The step's outputs. Empty strings for what did not happen. */
export interface CiOutputs {
  /** `repository:tag@digest`. */
  image: string;
  tag: string;
  digest: string;
  /** The manifest commit pushed. */
  commit: string;
  /** Files the commit changed, relative to the repository root. */
  changedFiles: string[];
  pullRequestUrl: string;
  /** With wait-for-rollout: `healthy`, `failed` or `timeout`. Unset when not waited for. */
  rollout?: "healthy" | "failed" | "timeout";
  /** With wait-for-rollout: seconds the wait took, as text (`12.5`). */
  rolloutSeconds?: string;
}

/** One changed value, for the summary table. */
export interface SummaryRow {
  file: string;
  line: number;
  object: string;
  oldValue: string;
  newValue: string;
  policy: string;
}

/** What the summary shows. */
export interface CiSummary {
  outputs: CiOutputs;
  rows: SummaryRow[];
  /** Branch pushed to; empty when nothing was pushed. */
  branch: string;
  dryRun: boolean;
  /** Lines such as "no marker changed; no commit". */
  notes: string[];
}

/** Reports phases, outputs and the summary to the CI system. */
export interface CiReporter {
  /** Runs `fn` inside a named, collapsible log group. */
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** Sets every output. */
  setOutputs(outputs: CiOutputs): Promise<void>;
  /** Writes the summary. */
  summary(summary: CiSummary): Promise<void>;
  /** Tells the CI system to mask a value. */
  mask(value: string): void;
}

/** The output names, as action.yml declares them, with their values. */
export function outputEntries(o: CiOutputs): [string, string][] {
  return [
    ["image", o.image],
    ["tag", o.tag],
    ["digest", o.digest],
    ["commit", o.commit],
    ["changed-files", o.changedFiles.join("\n")],
    ["pull-request-url", o.pullRequestUrl],
    ["rollout", o.rollout ?? ""],
    ["rollout-seconds", o.rolloutSeconds ?? ""],
  ];
}

/** `changed-files` → `SLIPWAY_OUTPUT_CHANGED_FILES`. */
export function outputVariableName(name: string): string {
  return `SLIPWAY_OUTPUT_${name.toUpperCase().replace(/-/g, "_")}`;
}

const shq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The outputs as a shell-sourceable env file (`SLIPWAY_OUTPUT_TAG='…'`, lists space-separated). */
export function formatEnvFile(o: CiOutputs): string {
  return (
    outputEntries(o)
      .map(([k, v]) => `${outputVariableName(k)}=${shq(redact(k === "changed-files" ? o.changedFiles.join(" ") : v))}`)
      .join("\n") + "\n"
  );
}

const cell = (s: string): string => redact(s).replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The summary as GitHub-flavoured markdown: outputs, then a table of changed values. */
export function summaryMarkdown(s: CiSummary): string {
  const lines = [`### slipway${s.dryRun ? " (dry run)" : ""}`, ""];
  lines.push("| output | value |", "|---|---|");
  for (const [k, v] of outputEntries(s.outputs)) if (v) lines.push(`| ${k} | ${cell(k === "changed-files" ? s.outputs.changedFiles.join(", ") : v)} |`);
  lines.push("");
  if (s.rows.length > 0) {
    lines.push(`#### ${s.dryRun ? "Would change" : `Changed on \`${cell(s.branch)}\``}`, "", "| file | object | old | new | policy |", "|---|---|---|---|---|");
    for (const r of s.rows) lines.push(`| ${cell(`${r.file}:${r.line}`)} | ${cell(r.object)} | \`${cell(r.oldValue)}\` | \`${cell(r.newValue)}\` | ${cell(r.policy)} |`);
    lines.push("");
  }
  for (const n of s.notes) lines.push(`- ${cell(n)}`);
  return lines.join("\n") + "\n";
}

/** The summary as an aligned text table (terminals and CodeBuild logs). */
export function summaryText(s: CiSummary): string {
  const rows = s.rows.map((r) => [`${r.file}:${r.line}`, r.object, r.oldValue, r.newValue]);
  const header = ["FILE", "OBJECT", "OLD", "NEW"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (c: string[]): string => c.map((x, i) => (i === c.length - 1 ? x : x.padEnd(widths[i] ?? 0))).join("   ");
  const out = rows.length > 0 ? [line(header), ...rows.map(line)] : [];
  return redact([...out, ...s.notes].join("\n")) + "\n";
}

/** Options for {@link createFileReporter}. */
export interface FileReporterOptions {
  /** Where status lines and the summary go. */
  write: (text: string) => void;
  /** Env file for the outputs (`KEY='value'`); none when undefined. */
  envFile?: string;
  /** Also append the markdown summary here (e.g. a report file). Default none. */
  summaryFile?: string;
}

/** The reporter for `slipway ci` and CodeBuild: env file outputs and text summaries. */
export function createFileReporter(options: FileReporterOptions): CiReporter {
  return {
    group: async (name, fn) => {
      options.write(`► ${name}\n`);
      return fn();
    },
    setOutputs: async (o) => {
      if (options.envFile) await writeFile(options.envFile, formatEnvFile(o), { mode: 0o600 });
      for (const [k, v] of outputEntries(o)) if (v) options.write(redact(`  ${k}: ${v.replace(/\n/g, " ")}`) + "\n");
    },
    summary: async (s) => {
      options.write(summaryText(s));
      if (options.summaryFile) await appendFile(options.summaryFile, summaryMarkdown(s));
    },
    mask: () => {},
  };
}
