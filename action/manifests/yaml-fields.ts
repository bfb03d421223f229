/**
 * The one shape check decoded YAML documents need before a schema reads them: is it a mapping.
 * Pure.
 */

/** Whether `value` is a plain mapping. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
