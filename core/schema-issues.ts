/**
 * Schemas for external data (the agent's configuration, Flux objects read from git) are zod
 * schemas; this file turns zod's issues into the project's wording: a key path such as
 * `sources[1].url` and a message that reads after it (`is required`, `must be a string, got
 * number`, `unknown field (allowed: …)`). Messages a schema sets itself are kept as written.
 * Callers map the path to `file:line`.
 */
import * as z from "zod";

/** One problem found by a schema: where (key path) and what. */
export interface SchemaIssue {
  /** Keys and list indexes from the document root, e.g. `["sources", 1, "url"]`. */
  path: (string | number)[];
  message: string;
  /** What a check threw, when the message comes from one (an invalid range or pattern). */
  cause?: unknown;
}

/** Formats a key path as people read it: `sources[1].url`, `spec.policy.semver.range`. */
export function showPath(path: readonly (string | number)[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out ? `.${p}` : p;
  return out;
}

const EXPECTED: Readonly<Record<string, string>> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "true or false",
  array: "a list",
  object: "a mapping",
  record: "a mapping",
};

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  return typeof value === "object" ? "a mapping" : typeof value;
}

/**
 * The per-parse error map: the project's wording for zod's built-in issues. A missing (or null)
 * value "is required"; a wrong type "must be a string, got number".
 */
const wording: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined || issue.input === null) return "is required";
      return `must be ${EXPECTED[issue.expected] ?? issue.expected}, got ${kindOf(issue.input)}`;
    case "invalid_value":
      return `${JSON.stringify(issue.input)} is not one of ${issue.values.map((v) => String(v)).join(", ")}`;
    case "too_small":
      return issue.origin === "string" ? "must be a non-empty string" : undefined;
    case "unrecognized_keys":
      return "unknown field";
    default:
      return undefined;
  }
};

/**
 * Parses `value` with `schema`. Returns the output, or every issue in the order the schema found
 * them, an unknown-keys issue split into one issue per key (path ending in the key).
 */
export function parseWithSchema<S extends z.ZodType>(schema: S, value: unknown): { ok: true; value: z.output<S> } | { ok: false; issues: SchemaIssue[] } {
  const result = schema.safeParse(value, { error: wording, reportInput: true });
  if (result.success) return { ok: true, value: result.data };
  const issues: SchemaIssue[] = [];
  for (const issue of result.error.issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) issues.push({ path: [...path, key], message: issue.message });
    } else {
      const cause = issue.code === "custom" ? (issue.params as { cause?: unknown } | undefined)?.cause : undefined;
      issues.push(cause === undefined ? { path, message: issue.message } : { path, message: issue.message, cause });
    }
  }
  return { ok: false, issues };
}

/** `path message`, or the message alone at the root: how one issue reads in an error. */
export function issueText(issue: SchemaIssue): string {
  const where = showPath(issue.path);
  return where ? `${where} ${issue.message}` : issue.message;
}
