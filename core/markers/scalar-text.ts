/**
 * Writing a new value into an existing YAML scalar without changing its style: double-quoted stays
 * double-quoted, single-quoted stays single-quoted, plain stays plain unless the new text would
 * read as something other than a string or cannot be written plain — then it is double-quoted.
 * "Non-string" follows the go-yaml v2 resolver that Flux's setters (kyaml) and Kubernetes' YAML
 * decoding use: its bools (`yes`, `on`, `y`…), nulls, ints (with `0x`/`0o`/`0b`, `_`), floats
 * (`1.10`, `1e3`, `.5`, `.inf`) and timestamps (`2001-12-14`); not sexagesimal (`1:30` stays plain).
 */

/** The quoting of a scalar in the source. */
export type ScalarStyle = "plain" | "single" | "double";

const NON_STRING_WORDS = new Set(
  [
    "~", "null", "Null", "NULL", "",
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
    "true", "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
    ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN",
    "<<",
  ],
);
/** Integers: decimal, 0x/0o/0b prefixed, old-style octal, all with optional sign and underscores. */
const INT = /^[-+]?(?:[0-9][0-9_]*|0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+)$/;
/** Floats: `1.10`, `.5`, `1e3`, `1.2e-3` (underscores allowed). */
const FLOAT = /^[-+]?(?:\.[0-9_]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?$/;
/** Timestamps: `2001-12-14`, `2001-12-14t21:59:43.10-05:00`, `2001-12-14 21:59:43.10 -5`. */
const TIMESTAMP = /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?$/;
/** Text that can be written as a plain scalar in block and flow context alike. */
const PLAIN_SAFE = /^[A-Za-z0-9_./][A-Za-z0-9_./@:+-]*$/;

/** Whether a YAML 1.1 or 1.2 reader would take this plain text for a non-string (number, bool, null, date). */
export function readsAsNonString(text: string): boolean {
  return NON_STRING_WORDS.has(text) || INT.test(text) || FLOAT.test(text) || TIMESTAMP.test(text);
}

/** Double-quoted YAML text for `value` (JSON string escapes are valid YAML escapes). */
export function doubleQuoted(value: string): string {
  return JSON.stringify(value);
}

/** The source text that writes `value` into a scalar of the given style. */
export function scalarText(value: string, style: ScalarStyle): string {
  switch (style) {
    case "double":
      return doubleQuoted(value);
    case "single":
      // Single quotes cannot escape control characters or line breaks: fall back to double quotes.
      return [...value].some((ch) => ch < " " || ch === "\x7f") ? doubleQuoted(value) : `'${value.replaceAll("'", "''")}'`;
    case "plain":
      return PLAIN_SAFE.test(value) && !value.endsWith(":") && !readsAsNonString(value) ? value : doubleQuoted(value);
  }
}
