/**
 * `spec.filterTags` of an image policy: an unanchored Go RE2 pattern and an optional `extract`
 * template. Patterns compile with re2js, a port of Go's `regexp` (RE2 syntax and semantics,
 * Go's error messages, linear-time matching by construction: no backtracking, so no pattern can
 * take more than time linear in the tag's length). `extract` expands like Go's `Regexp.Expand`:
 * `$1`, `$name`, `${name}`, `$$`; an unknown group or one that did not take part expands to "";
 * `$1x` names the group `1x` (so usually expands to ""), a name is letters, digits and `_`.
 *
 * One gap of re2js is closed here: Go accepts a capture group name used twice (`(?P<x>a)|(?P<x>b)`)
 * and `$x` then expands the first such group that took part; re2js rejects it, so later uses are
 * renamed before compiling and the names are kept for expansion.
 */
import { RE2JS } from "re2js";
import { SlipwayError } from "../errors.ts";

/** A compiled filter: which tags pass and what key each one is ranked by. */
export interface TagFilter {
  /** The pattern as written (RE2 syntax). */
  pattern: string;
  /** The extract template, "" for the whole tag. */
  extract: string;
  /** Returns the key to rank `tag` by, or undefined when the tag does not match. */
  apply: (tag: string) => string | undefined;
}

/** A capture name start: `(?P<` or `(?<` outside a class and not escaped. */
const NAMED_GROUP = /\(\?P?<([^>]*)>/y;

/**
 * Renames second and later uses of a capture group name (Go allows them, re2js does not) and
 * returns the rewritten pattern with the names by group number (index 0 unused, "" unnamed).
 */
function dedupeGroupNames(pattern: string): { source: string; names: string[]; renamed: Map<string, string> } | undefined {
  const names = [""];
  const renamed = new Map<string, string>();
  const seen = new Set<string>();
  let out = "";
  let changed = false;
  let inClass = false;
  let quoted = false;
  for (let i = 0; i < pattern.length; ) {
    const c = pattern[i] ?? "";
    if (quoted) {
      if (pattern.startsWith("\\E", i)) quoted = false;
      const step = quoted ? 1 : 2;
      out += pattern.slice(i, i + step);
      i += step;
      continue;
    }
    if (c === "\\") {
      if (pattern[i + 1] === "Q") quoted = true;
      out += pattern.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (inClass) {
      if (pattern.startsWith("[:", i)) {
        const end = pattern.indexOf(":]", i + 2);
        if (end > 0) {
          out += pattern.slice(i, end + 2);
          i = end + 2;
          continue;
        }
      }
      if (c === "]") inClass = false;
      out += c;
      i++;
      continue;
    }
    if (c === "[") {
      inClass = true;
      out += c;
      i++;
      if (pattern[i] === "^") out += pattern[i++];
      if (pattern[i] === "]") out += pattern[i++];
      continue;
    }
    if (c === "(") {
      NAMED_GROUP.lastIndex = i;
      const m = NAMED_GROUP.exec(pattern);
      if (m) {
        const name = m[1] ?? "";
        names.push(name);
        if (seen.has(name) && /^[A-Za-z0-9_]+$/.test(name)) {
          const alias = `(?P<${name}__slipway_dup${names.length}>`;
          renamed.set(alias, m[0]);
          out += alias;
          changed = true;
        } else out += m[0];
        seen.add(name);
        i += m[0].length;
        continue;
      }
      if (!pattern.startsWith("(?", i)) names.push("");
    }
    out += c;
    i++;
  }
  return changed ? { source: out, names, renamed } : undefined;
}

/**
 * re2js's reason in Go's words where the two differ: Go reads `(?P<` / `(?<` at the very end of
 * the pattern as unsupported Perl syntax, and quotes an empty expression after a trailing
 * backslash.
 */
function goReason(message: string, pattern: string): string {
  const reason = message.replace(/^error parsing regexp: /, "");
  if (/^invalid named capture: `\(\?P?<`$/.test(reason) && /\(\?P?<$/.test(pattern)) {
    return `invalid or unsupported Perl syntax: \`${pattern.endsWith("(?P<") ? "(?P" : "(?<"}\``;
  }
  if (reason === "trailing backslash at end of expression") return `${reason}: \`\``;
  return reason;
}

/** Go's `extract` of a `$` reference: the name (or number) and the rest of the template. */
function extractRef(str: string): { name: string; num: number; rest: string } | undefined {
  let s = str;
  const brace = s.startsWith("{");
  if (brace) s = s.slice(1);
  const m = /^[\p{L}\p{Nd}_]+/u.exec(s);
  if (!m) return undefined;
  const name = m[0];
  let i = name.length;
  if (brace) {
    if (s[i] !== "}") return undefined;
    i++;
  }
  let num = 0;
  for (const ch of name) {
    if (ch < "0" || ch > "9" || num >= 1e8) {
      num = -1;
      break;
    }
    num = num * 10 + Number(ch);
  }
  if (name.startsWith("0") && name.length > 1) num = -1;
  return { name, num, rest: s.slice(i) };
}

/** A compiled `extract` template: literal text, group numbers, or names (resolved per match). */
type TemplatePart = string | number | { name: string };

function compileTemplate(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let literal = "";
  let t = template;
  for (;;) {
    const dollar = t.indexOf("$");
    if (dollar < 0) break;
    literal += t.slice(0, dollar);
    t = t.slice(dollar + 1);
    if (t.startsWith("$")) {
      literal += "$";
      t = t.slice(1);
      continue;
    }
    const ref = extractRef(t);
    if (!ref) {
      literal += "$"; // malformed reference: the "$" is literal text
      continue;
    }
    t = ref.rest;
    if (literal) parts.push(literal);
    literal = "";
    parts.push(ref.num >= 0 ? ref.num : { name: ref.name });
  }
  literal += t;
  if (literal) parts.push(literal);
  return parts;
}

/**
 * Compiles `pattern` (RE2) and `extract` into a TagFilter. Throws a SlipwayError naming the
 * pattern (as `<subject> "<pattern>"`, subject default `filterTags.pattern`) with Go's reason
 * when Go's regexp would reject it (e.g. `invalid repeat count: \`{1001}\``).
 */
export function compileTagFilter(pattern: string, extract = "", subject = "filterTags.pattern"): TagFilter {
  let re: RE2JS;
  let names: string[] | undefined;
  try {
    re = RE2JS.compile(pattern);
  } catch (err) {
    const deduped = /duplicate capture group name/.test((err as Error).message) ? dedupeGroupNames(pattern) : undefined;
    try {
      if (!deduped) throw err;
      re = RE2JS.compile(deduped.source);
      names = deduped.names;
    } catch (err2) {
      let reason = goReason((err2 as Error).message, pattern);
      for (const [alias, original] of deduped?.renamed ?? []) reason = reason.replaceAll(alias, original);
      throw new SlipwayError(`${subject} "${pattern}"`, `invalid regular expression: ${reason}`, { cause: err2 });
    }
  }
  const groups = re.groupCount();
  if (!names) {
    names = new Array<string>(groups + 1).fill("");
    for (const [name, index] of Object.entries(re.namedGroups())) names[index] = name;
  }
  const groupNames = names;
  const parts = compileTemplate(extract);
  const apply = (tag: string): string | undefined => {
    const m = re.matcher(tag);
    if (!m.find()) return undefined;
    if (extract === "") return tag;
    const group = (i: number): string => (i <= groups ? (m.group(i) ?? "") : "");
    let out = "";
    for (const part of parts) {
      if (typeof part === "string") out += part;
      else if (typeof part === "number") out += group(part);
      else {
        for (let i = 1; i < groupNames.length; i++) {
          if (groupNames[i] === part.name && m.group(i) !== null) {
            out += m.group(i) ?? "";
            break;
          }
        }
      }
    }
    return out;
  };
  return { pattern, extract, apply };
}
