/**
 * `spec.filterTags` of an image policy: an unanchored Go RE2 pattern and an optional `extract`
 * template. RE2 syntax is translated to a JavaScript RegExp (`(?P<name>…)` named groups, leading
 * `(?i)`/`(?s)`/`(?m)` flags, `\A`, `\z`, POSIX classes such as `[[:digit:]]`); what RE2 rejects
 * and JavaScript would accept (lookaround, backreferences) is an invalid pattern. `extract` expands
 * like Go's `Regexp.Expand`: `$1`, `$name`, `${name}`, `$$`; an unknown group expands to "";
 * `$1x` names the group `1x` (so usually expands to ""), as in Go.
 *
 * RE2 matches in linear time; a backtracking engine can take exponential time on patterns such as
 * `^(a+)+$`, which would hang a policy Flux evaluates instantly. So this module turns on V8's
 * fallback to its linear-time engine for any RegExp that backtracks excessively (a V8 flag, set
 * once, process-wide): ordinary patterns keep the fast engine, and results are the same either
 * way, as the fallback only applies to patterns without backreferences or lookaround.
 */
import { setFlagsFromString } from "node:v8";
import { SlipwayError } from "../errors.ts";

setFlagsFromString("--enable-experimental-regexp-engine-on-excessive-backtracks");

/** A compiled filter: which tags pass and what key each one is ranked by. */
export interface TagFilter {
  /** The pattern as written (RE2 syntax). */
  pattern: string;
  /** The extract template, "" for the whole tag. */
  extract: string;
  /** Returns the key to rank `tag` by, or undefined when the tag does not match. */
  apply: (tag: string) => string | undefined;
}

const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alnum: "0-9A-Za-z",
  alpha: "A-Za-z",
  ascii: "\\x00-\\x7F",
  blank: "\\t ",
  cntrl: "\\x00-\\x1F\\x7F",
  digit: "0-9",
  graph: "!-~",
  lower: "a-z",
  print: " -~",
  punct: "!-/:-@[-`{-~",
  space: "\\t\\n\\v\\f\\r ",
  upper: "A-Z",
  word: "0-9A-Za-z_",
  xdigit: "0-9A-Fa-f",
};

interface Translated {
  source: string;
  flags: string;
  /** Capture group names by group number (index 0 unused); "" for unnamed groups. */
  groupNames: string[];
}

/** Translates an RE2 pattern to JavaScript; throws a plain Error describing the first problem. */
function translateRe2(pattern: string): Translated {
  let flags = "";
  let i = 0;
  const leading = /^\(\?([ims]+)\)/.exec(pattern);
  if (leading) {
    flags = [...new Set(leading[1])].join("");
    i = leading[0].length;
  }
  let out = "";
  const groupNames = [""];
  let inClass = false;
  while (i < pattern.length) {
    const c = pattern[i] ?? "";
    if (c === "\\") {
      const next = pattern[i + 1];
      if (next === undefined) throw new Error("trailing backslash at end of expression");
      if (/[1-9]/.test(next) || next === "k") throw new Error(`invalid escape sequence: \\${next} (RE2 has no backreferences)`);
      if (!inClass && next === "A") out += "^";
      else if (!inClass && next === "z") out += "$";
      else if (next === "a") out += "\\x07";
      else if (next === "x" && /^[0-9A-Fa-f]{2}$/.test(pattern.slice(i + 2, i + 4))) out += c + next;
      else if (/^[A-Za-z0-9]$/.test(next) && !/^[dDsSwWbBfnrtv]$/.test(next)) {
        throw new Error(`invalid escape sequence: \\${next}`);
      } else out += c + next;
      i += 2;
      continue;
    }
    if (inClass) {
      const posix = /^\[:(\^?)([a-z]+):\]/.exec(pattern.slice(i));
      if (posix) {
        const set = POSIX_CLASSES[posix[2] ?? ""];
        if (set === undefined || posix[1]) throw new Error(`invalid character class range: ${posix[0]}`);
        out += set;
        i += posix[0].length;
        continue;
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
      // A "]" right after "[" or "[^" is a literal in RE2 and must be escaped for JavaScript.
      if (pattern[i] === "^") {
        out += "^";
        i++;
      }
      if (pattern[i] === "]") {
        out += "\\]";
        i++;
      }
      continue;
    }
    if (c === "(") {
      const rest = pattern.slice(i);
      const named = /^\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
      if (named) {
        const name = named[1] ?? "";
        if (groupNames.includes(name)) throw new Error(`duplicate capture group name: ${name}`);
        groupNames.push(name);
        out += `(?<${name}>`;
        i += named[0].length;
        continue;
      }
      if (/^\(\?(?:[=!]|<[=!])/.test(rest)) throw new Error(`invalid or unsupported Perl syntax: ${rest.slice(0, 4)} (RE2 has no lookaround)`);
      const group = /^\(\?(?:[ims]*(?:-[ims]+)?):/.exec(rest);
      if (group) {
        out += group[0];
        i += group[0].length;
        continue;
      }
      if (rest.startsWith("(?")) throw new Error(`invalid or unsupported Perl syntax: ${rest.slice(0, 4)}`);
      groupNames.push("");
      out += "(";
      i++;
      continue;
    }
    out += c;
    i++;
  }
  if (inClass) throw new Error("missing closing ]");
  return { source: out, flags, groupNames };
}

/** A compiled `extract` template: literal text and group numbers (-1: a group that does not exist). */
type TemplatePart = string | number;

/** Parses a Go `Regexp.Expand` template once, resolving `$name`/`${name}` to group numbers. */
function compileTemplate(template: string, groupNames: readonly string[]): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let literal = "";
  let i = 0;
  while (i < template.length) {
    const dollar = template.indexOf("$", i);
    if (dollar < 0) break;
    literal += template.slice(i, dollar);
    i = dollar + 1;
    if (template[i] === "$") {
      literal += "$";
      i++;
      continue;
    }
    const braced = template[i] === "{";
    const nameMatch = /^[A-Za-z0-9_]+/.exec(template.slice(braced ? i + 1 : i));
    const name = nameMatch?.[0];
    if (name === undefined || (braced && template[i + 1 + name.length] !== "}")) {
      literal += "$"; // malformed reference: the "$" is literal text
      continue;
    }
    i += name.length + (braced ? 2 : 0);
    // A number names a group by position, unless it has a leading zero or 9+ digits (then it is a name).
    const numeric = /^(?:0|[1-9][0-9]{0,7})$/.test(name);
    const index = numeric ? Number(name) : groupNames.indexOf(name);
    if (literal) parts.push(literal);
    literal = "";
    parts.push(index < groupNames.length ? index : -1);
  }
  literal += template.slice(i);
  if (literal) parts.push(literal);
  return parts;
}

/** Expands a compiled template against one match. */
function expand(parts: readonly TemplatePart[], match: RegExpExecArray): string {
  if (parts.length === 1 && typeof parts[0] === "number") return match[parts[0]] ?? "";
  let out = "";
  for (const part of parts) out += typeof part === "string" ? part : (match[part] ?? "");
  return out;
}

/**
 * Compiles `pattern` (RE2) and `extract` into a TagFilter. Throws a SlipwayError naming the
 * pattern (as `<subject> "<pattern>"`, subject default `filterTags.pattern`) when RE2 would reject it.
 */
export function compileTagFilter(pattern: string, extract = "", subject = "filterTags.pattern"): TagFilter {
  let regex: RegExp;
  let groupNames: string[];
  try {
    const t = translateRe2(pattern);
    regex = new RegExp(t.source, t.flags);
    groupNames = t.groupNames;
  } catch (err) {
    throw new SlipwayError(`${subject} "${pattern}"`, `invalid regular expression: ${(err as Error).message}`, { cause: err });
  }
  const parts = compileTemplate(extract, groupNames);
  const apply = (tag: string): string | undefined => {
    const m = regex.exec(tag);
    if (!m) return undefined;
    return extract === "" ? tag : expand(parts, m);
  };
  return { pattern, extract, apply };
}
