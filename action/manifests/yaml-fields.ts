/**
 * Typed reads from decoded YAML documents: nested string fields whose wrong type is an error
 * naming the document and the field path. Pure.
 */
import { SlipwayError } from "../../core/errors.ts";

/** Whether `value` is a plain mapping. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The value at `path`, or undefined when a step is missing or not a mapping. */
export function valueAt(doc: unknown, path: readonly string[]): unknown {
  let cur: unknown = doc;
  for (const key of path) {
    if (!isRecord(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

/** The string at `path`; undefined when absent; a SlipwayError naming `source` when not a string. */
export function stringAt(doc: unknown, path: readonly string[], source: string): string | undefined {
  const v = valueAt(doc, path);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw new SlipwayError(source, `${path.join(".")} must be a string, got ${typeof v}`);
  return v;
}
