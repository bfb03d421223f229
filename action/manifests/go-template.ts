/**
 * The subset of Go's text/template that commit message templates use: text, `{{pipeline}}`,
 * `{{- trim -}}` markers, comments, variables (`$x`, `$`), field chains (`.A.B`, `$x.A`),
 * `if`/`else if`/`else`, `range` (with `$k, $v :=`, and `else`), `with`, pipes, parentheses, and
 * Go's builtins `len index print printf eq ne lt le gt ge not and or` plus sprig's text helpers
 * as Flux offers them (`lower upper title trim trimPrefix trimSuffix replace join contains
 * hasPrefix hasSuffix quote default`, sprig's argument order). It behaves as Go does where the
 * differential test (test/differential/template.test.ts) compares them: printf is fmt's, and/or
 * short-circuit, a missing map key prints `<no value>`, unknown functions and undefined variables
 * are rejected when parsed with Go's reasons, and unknown struct fields are errors naming them,
 * never empty output. Pure.
 *
 * Hand-written on purpose: no npm library implements Go's text/template (the npm "go template"
 * packages are Handlebars-like or Mustache-like and differ in pipes, `printf`, `range`/`else`,
 * and errors on missing fields), and Flux users' commit templates must render as Flux renders them.
 */
import { SlipwayError } from "../../core/errors.ts";

/** A value templates see: scalars, lists, ordered maps and typed structs. */
export type TemplateValue = string | number | boolean | null | TemplateValue[] | TemplateMap | TemplateStruct;

/** A map, iterated in the given entry order (sort it when building). */
export interface TemplateMap {
  kind: "map";
  entries: [TemplateValue, TemplateValue][];
  /**
   * What `index` returns for a missing key: the zero value of the map's element type in Go
   * (`""` for a map[string]string). Absent: an interface element, which prints `<no value>`.
   */
  zero?: TemplateValue;
}

/** A struct with named fields; `text` is how it prints (Go's String method). */
export interface TemplateStruct {
  kind: "struct";
  type: string;
  fields: Record<string, TemplateValue>;
  text?: string;
  /** Fields that existed once but are no longer offered, with a hint. */
  removed?: Record<string, string>;
}

type Node =
  | { t: "text"; text: string }
  | { t: "out"; pipe: Pipe; pos: number }
  | { t: "if"; cond: Pipe; then: Node[]; else: Node[]; pos: number }
  | { t: "with"; cond: Pipe; then: Node[]; else: Node[]; pos: number }
  | { t: "range"; vars: string[]; pipe: Pipe; body: Node[]; else: Node[]; pos: number };

type Term =
  | { t: "field"; base: "dot" | string; path: string[] }
  | { t: "lit"; value: TemplateValue }
  | { t: "func"; name: string }
  | { t: "paren"; pipe: Pipe; path: string[] };
type Command = Term[];
interface Pipe {
  decl: string[];
  cmds: Command[];
}

/** A parsed template, ready to execute against data. */
export interface Template {
  /** Renders the template; throws a SlipwayError naming the template, line and field. */
  execute(data: TemplateValue): string;
}

const isTruthy = (v: TemplateValue | undefined): boolean => {
  if (v === undefined || v === null || v === false || v === 0 || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object" && v.kind === "map") return v.entries.length > 0;
  return true;
};

/** Prints a value as Go's `fmt.Sprint` would for these types. */
export function printValue(v: TemplateValue | undefined): string {
  if (v === undefined) return "<no value>";
  if (v === null) return "<nil>";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map(printValue).join(" ")}]`;
  if (v.kind === "map") return `map[${v.entries.map(([k, x]) => `${printValue(k)}:${printValue(x)}`).join(" ")}]`;
  return v.text ?? `{${Object.values(v.fields).map(printValue).join(" ")}}`;
}

/** Parses `source`; `name` (e.g. `input commit-message`) starts every error. */
export function parseTemplate(source: string, name: string): Template {
  const lineOf = (pos: number): number => source.slice(0, pos).split("\n").length;
  const fail = (pos: number, msg: string): never => {
    throw new SlipwayError(`${name}:${lineOf(pos)}`, msg);
  };

  // 1. Split into text and actions, applying trim markers.
  type Piece = { t: "text"; text: string } | { t: "action"; body: string; pos: number };
  const pieces: Piece[] = [];
  let i = 0;
  let trimNext = false;
  while (i < source.length) {
    const open = source.indexOf("{{", i);
    let txt = open < 0 ? source.slice(i) : source.slice(i, open);
    if (trimNext) txt = txt.replace(/^\s+/, "");
    if (open < 0) {
      pieces.push({ t: "text", text: txt });
      break;
    }
    let start = open + 2;
    if (/^- /.test(source.slice(start, start + 2)) || /^-[\t\n\r]/.test(source.slice(start, start + 2))) {
      txt = txt.replace(/\s+$/, "");
      start += 1;
    }
    pieces.push({ t: "text", text: txt });
    let close: number;
    if (source.slice(start).trimStart().startsWith("/*")) {
      const endComment = source.indexOf("*/", start);
      if (endComment < 0) fail(open, "unclosed comment");
      close = source.indexOf("}}", endComment);
    } else {
      close = findClose(source, start);
    }
    if (close < 0) fail(open, "unclosed action (missing }})");
    let body = source.slice(start, close);
    trimNext = false;
    if (/[\s]-$/.test(body)) {
      body = body.slice(0, -1);
      trimNext = true;
    }
    pieces.push({ t: "action", body: body.trim(), pos: open });
    i = close + 2;
  }

  // 2. Build the tree. Variables are checked at parse time, as Go does.
  let k = 0;
  const scopes: Set<string>[] = [new Set(["$"])];
  // As in Go, a control structure (if/with/range, with all its branches) is one scope.
  const parseList = (terminators: string[]): { nodes: Node[]; end: string; pos: number; rest: string } => {
    const nodes: Node[] = [];
    while (k < pieces.length) {
      const p = pieces[k++]!;
      if (p.t === "text") {
        if (p.text !== "") nodes.push({ t: "text", text: p.text });
        continue;
      }
      const body = p.body;
      if (body.startsWith("/*")) continue;
      const word = /^[a-z]+/.exec(body)?.[0] ?? "";
      if (word === "end" || word === "else") {
        if (!terminators.includes(word)) fail(p.pos, `unexpected {{${word}}}`);
        return { nodes, end: word, pos: p.pos, rest: body.slice(word.length).trim() };
      }
      if (word === "if" || word === "with") {
        nodes.push(parseIfLike(word, body.slice(word.length).trim(), p.pos));
      } else if (word === "range") {
        let rest = body.slice(5).trim();
        let vars: string[] = [];
        const decl = /^(\$[A-Za-z0-9_]*)(?:\s*,\s*(\$[A-Za-z0-9_]*))?\s*:=/.exec(rest);
        if (decl) {
          vars = [decl[1]!, ...(decl[2] ? [decl[2]] : [])];
          rest = rest.slice(decl[0].length).trim();
        }
        const pipe = parsePipe(rest, p.pos);
        scopes.push(new Set(vars));
        const body1 = parseList(["end", "else"]);
        let elseNodes: Node[] = [];
        if (body1.end === "else") elseNodes = parseList(["end"]).nodes;
        scopes.pop();
        nodes.push({ t: "range", vars, pipe, body: body1.nodes, else: elseNodes, pos: p.pos });
      } else if (["define", "template", "block", "break", "continue"].includes(word)) {
        fail(p.pos, `{{${word}}} is not supported in commit message templates`);
      } else {
        nodes.push({ t: "out", pipe: parsePipe(body, p.pos), pos: p.pos });
      }
    }
    if (terminators.length > 0) fail(source.length, `missing {{end}}`);
    return { nodes, end: "", pos: source.length, rest: "" };
  };
  const parseIfLike = (word: "if" | "with", condText: string, pos: number): Node => {
    scopes.push(new Set());
    try {
      return parseIfLikeIn(word, condText, pos);
    } finally {
      scopes.pop();
    }
  };
  const parseIfLikeIn = (word: "if" | "with", condText: string, pos: number): Node => {
    const cond = parsePipe(condText, pos);
    const then = parseList(["end", "else"]);
    let elseNodes: Node[] = [];
    if (then.end === "else") {
      if (then.rest.startsWith("if ")) {
        elseNodes = [parseIfLike("if", then.rest.slice(3).trim(), then.pos)];
      } else {
        elseNodes = parseList(["end"]).nodes;
      }
    }
    return { t: word, cond, then: then.nodes, else: elseNodes, pos };
  };
  const checkPipe = (pipe: Pipe, pos: number): void => {
    for (const cmd of pipe.cmds) {
      for (const term of cmd) {
        if (term.t === "field" && term.base !== "dot" && !scopes.some((sc) => sc.has(term.base))) fail(pos, `undefined variable "${term.base}"`);
        if (term.t === "paren") checkPipe(term.pipe, pos);
        if (term.t === "func" && !FUNCTIONS.has(term.name)) fail(pos, `function "${term.name}" not defined`);
      }
    }
  };
  const parsePipe = (textIn: string, pos: number): Pipe => {
    const pipe = parsePipeline(textIn, (msg) => fail(pos, msg));
    // Go declares the variable before it parses the pipeline (using it there fails when run).
    for (const d of pipe.decl) scopes[scopes.length - 1]?.add(d);
    checkPipe(pipe, pos);
    return pipe;
  };

  const tree = parseList([]).nodes;
  return { execute: (data) => execute(tree, data, name, lineOf) };
}

/** Index of the `}}` closing an action, skipping over quoted strings. */
function findClose(s: string, from: number): number {
  let q: string | undefined;
  for (let j = from; j < s.length - 1; j++) {
    const c = s[j];
    if (q) {
      if (c === "\\" && q === '"') j++;
      else if (c === q) q = undefined;
    } else if (c === '"' || c === "`") q = c;
    else if (c === "}" && s[j + 1] === "}") return j;
  }
  return -1;
}

/** Tokenizes and parses a pipeline: `[$x :=] cmd | cmd …`. */
function parsePipeline(text: string, fail: (msg: string) => never): Pipe {
  const tokens: string[] = [];
  const re = /\s*("(?:[^"\\]|\\.)*"|`[^`]*`|\(|\)|\||:=|,|[^\s()|,]+)/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    if (m[1] === undefined) break;
    tokens.push(m[1]);
    if (re.lastIndex >= text.length) break;
  }
  if (text.trim() !== "" && tokens.join("").replace(/\s/g, "") !== text.replace(/\s/g, "")) fail(`cannot parse "${text}"`);
  let p = 0;
  const decl: string[] = [];
  if (tokens[1] === ":=" && tokens[0]?.startsWith("$")) {
    decl.push(tokens[0]);
    p = 2;
  }
  const parseTerm = (tok: string): Term => {
    if (tok.startsWith('"')) return { t: "lit", value: JSON.parse(tok) as string };
    if (tok.startsWith("`")) return { t: "lit", value: tok.slice(1, -1) };
    if (/^-?\d+(\.\d+)?$/.test(tok)) return { t: "lit", value: Number(tok) };
    if (tok === "true" || tok === "false") return { t: "lit", value: tok === "true" };
    if (tok === "nil") return { t: "lit", value: null };
    if (tok === ".") return { t: "field", base: "dot", path: [] };
    if (tok.startsWith(".")) return { t: "field", base: "dot", path: splitPath(tok.slice(1)) };
    if (tok.startsWith("$")) {
      const [v = "$", ...path] = tok.split(".");
      return { t: "field", base: v, path: path.filter((s) => s !== "") };
    }
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(tok)) return { t: "func", name: tok };
    return fail(`unexpected "${tok}"`);
  };
  const splitPath = (s: string): string[] => {
    const parts = s.split(".");
    if (parts.some((x) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(x))) fail(`bad field ".${s}"`);
    return parts;
  };
  const parseCmds = (stop: string | undefined): Command[] => {
    const cmds: Command[] = [];
    let cmd: Command = [];
    while (p < tokens.length) {
      const tok = tokens[p++]!;
      if (tok === stop) {
        if (cmd.length === 0) fail("empty command");
        cmds.push(cmd);
        return cmds;
      }
      if (tok === "|") {
        if (cmd.length === 0) fail("missing command before |");
        cmds.push(cmd);
        cmd = [];
      } else if (tok === "(") {
        const inner = parseCmds(")");
        let path: string[] = [];
        const next = tokens[p];
        if (next?.startsWith(".") && next.length > 1) {
          path = splitPath(next.slice(1));
          p++;
        }
        cmd.push({ t: "paren", pipe: { decl: [], cmds: inner }, path });
      } else if (tok === ")" || tok === "," || tok === ":=") {
        fail(`unexpected "${tok}"`);
      } else {
        cmd.push(parseTerm(tok));
      }
    }
    if (stop) fail(`missing "${stop}"`);
    if (cmd.length === 0) fail("missing value");
    cmds.push(cmd);
    return cmds;
  };
  return { decl, cmds: parseCmds(undefined) };
}

type Scope = Map<string, TemplateValue | undefined>;

class Fail extends Error {}

function execute(tree: Node[], data: TemplateValue, name: string, lineOf: (pos: number) => number): string {
  let out = "";
  let pos = 0;
  const fail = (msg: string): never => {
    throw new Fail(msg);
  };
  const field = (v: TemplateValue | undefined, key: string, shown: string): TemplateValue | undefined => {
    // A field of a missing value (a map's missing key, nil) is missing too: Go prints <no value>.
    if (v === undefined || v === null) return undefined;
    if (typeof v === "object" && !Array.isArray(v)) {
      if (v.kind === "struct") {
        if (key in v.fields) return v.fields[key];
        const hint = v.removed?.[key];
        if (hint !== undefined) return fail(`${shown} is not supported${hint ? `: ${hint}` : ""}`);
        return fail(`${shown} is not supported: ${v.type} has ${Object.keys(v.fields).join(", ")}`);
      }
      const entry = v.entries.find(([k]) => k === key);
      return entry ? entry[1] : undefined;
    }
    return fail(`${shown}: cannot read field ${key} of ${v === undefined ? "a missing value" : printValue(v)}`);
  };
  const walk = (v: TemplateValue | undefined, path: string[], shown: string): TemplateValue | undefined => {
    let cur = v;
    let s = shown;
    for (const key of path) {
      s = `${s === "." ? "" : s}.${key}`;
      cur = field(cur, key, s);
    }
    return cur;
  };
  const evalTerm = (term: Term, dot: TemplateValue | undefined, scope: Scope): TemplateValue | undefined => {
    switch (term.t) {
      case "lit":
        return term.value;
      case "field": {
        if (term.base === "dot") return walk(dot, term.path, ".");
        if (!scope.has(term.base)) return fail(`undefined variable ${term.base}`);
        return walk(scope.get(term.base), term.path, term.base);
      }
      case "paren":
        return walk(evalPipe(term.pipe, dot, scope), term.path, "(…)");
      case "func":
        return fail(`function ${term.name} needs to come first in a command`);
    }
  };
  const evalCmd = (cmd: Command, dot: TemplateValue | undefined, scope: Scope, piped: TemplateValue | undefined, hasPiped: boolean): TemplateValue | undefined => {
    const [head, ...rest] = cmd;
    if (head?.t === "func" && (head.name === "and" || head.name === "or")) {
      // Go evaluates and/or arguments one at a time and stops at the first that decides.
      const terms: (() => TemplateValue | undefined)[] = rest.map((a) => () => evalTerm(a, dot, scope));
      if (hasPiped) terms.push(() => piped);
      if (terms.length === 0) return fail(`wrong number of args for ${head.name}: want at least 1 got 0`);
      let v: TemplateValue | undefined;
      for (const term of terms) {
        v = term();
        if (head.name === "and" ? !isTruthy(v) : isTruthy(v)) return v ?? undefined;
      }
      return v ?? undefined;
    }
    if (head?.t === "func") {
      // A missing value reaches a function as nil, as Go passes the zero of an interface.
      const args = rest.map((a) => evalTerm(a, dot, scope) ?? null);
      if (hasPiped) args.push(piped ?? null);
      // A function's nil result is an empty interface: it prints <no value>.
      return callFunction(head.name, args, fail) ?? undefined;
    }
    if (rest.length > 0 || hasPiped) return fail("can't give arguments to a non-function");
    if (head?.t === "lit" && head.value === null) return fail("nil is not a command");
    return evalTerm(head!, dot, scope);
  };
  const evalPipe = (pipe: Pipe, dot: TemplateValue | undefined, scope: Scope): TemplateValue | undefined => {
    let v: TemplateValue | undefined;
    pipe.cmds.forEach((c, idx) => {
      v = evalCmd(c, dot, scope, v, idx > 0);
    });
    for (const d of pipe.decl) scope.set(d, v); // a missing value stays missing (<no value>)
    return v;
  };
  const run = (nodes: Node[], dot: TemplateValue | undefined, scope: Scope): void => {
    for (const n of nodes) {
      if (n.t === "text") {
        out += n.text;
        continue;
      }
      pos = n.pos;
      if (n.t === "out") {
        const v = evalPipe(n.pipe, dot, scope);
        if (n.pipe.decl.length === 0) out += printValue(v);
      } else if (n.t === "if" || n.t === "with") {
        const v = evalPipe(n.cond, dot, new Map(scope));
        if (isTruthy(v)) run(n.then, n.t === "with" ? v : dot, new Map(scope));
        else run(n.else, dot, new Map(scope));
      } else {
        const v = evalPipe(n.pipe, dot, new Map(scope));
        const items: [TemplateValue, TemplateValue][] = Array.isArray(v)
          ? v.map((x, idx) => [idx, x])
          : v !== null && typeof v === "object" && v.kind === "map"
            ? v.entries
            : v === undefined || v === null
              ? []
              : typeof v === "number" && Number.isInteger(v)
                ? n.vars.length > 1
                  ? fail(`can't use ${v} to iterate over more than one variable`)
                  : Array.from({ length: Math.max(0, v) }, (_, idx) => [idx, idx] as [number, number])
                : fail(`range can't iterate over ${printValue(v)}`);
        if (items.length === 0) run(n.else, dot, new Map(scope));
        for (const [key, value] of items) {
          const inner = new Map(scope);
          if (n.vars.length === 1) inner.set(n.vars[0]!, value);
          if (n.vars.length === 2) {
            inner.set(n.vars[0]!, key);
            inner.set(n.vars[1]!, value);
          }
          run(n.body, value, inner);
        }
      }
    }
  };
  try {
    run(tree, data, new Map([["$", data]]));
  } catch (err) {
    if (err instanceof Fail) throw new SlipwayError(`${name}:${lineOf(pos)}`, err.message, { cause: err });
    throw err;
  }
  return out;
}

const str = (v: TemplateValue | undefined): string => printValue(v);

/** The functions templates may call: Go's builtins and the sprig string helpers Slipway implements. */
const FUNCTIONS: ReadonlySet<string> = new Set(
  "len index print printf eq ne lt le gt ge not and or lower upper title trim trimPrefix trimSuffix replace join contains hasPrefix hasSuffix quote default".split(" "),
);

/** Go's kind of a value, for comparisons: eq/lt refuse to compare different kinds. */
function kindOf(v: TemplateValue | undefined): string {
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  if (typeof v === "string" || typeof v === "boolean") return typeof v;
  return v === null || v === undefined ? "nil" : "composite";
}

function compare(a: TemplateValue | undefined, b: TemplateValue | undefined, fail: (m: string) => never): number {
  if (kindOf(a) !== kindOf(b)) return fail(`incompatible types for comparison: ${kindOf(a)} and ${kindOf(b)}`);
  if (!["int", "float", "string"].includes(kindOf(a))) return fail(`invalid type for comparison: ${kindOf(a)}`);
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  return fail(`incompatible types for comparison: ${str(a)} and ${str(b)}`);
}

/** Runs a template function; unknown names are errors. */
function callFunction(name: string, args: (TemplateValue | undefined)[], fail: (m: string) => never): TemplateValue | undefined {
  const need = (n: number): void => {
    if (args.length !== n) fail(`wrong number of args for ${name}: want ${n} got ${args.length}`);
  };
  // sprig's string functions take strings: another type is an error, as when Go calls them.
  const strings = (n: number): void => {
    need(n);
    for (const a of args) if (typeof a !== "string") fail(`wrong type for value; expected string; got ${kindOf(a)}`);
  };
  // Go's eq: values of one basic kind compare; nil equals only nil; different kinds (neither
  // nil) are an error; lists and maps are not comparable; structs compare field by field.
  const equal = (a: TemplateValue | undefined, b: TemplateValue | undefined): boolean => {
    const ka = kindOf(a);
    const kb = kindOf(b);
    if (ka === "nil" || kb === "nil") return ka === kb;
    if (ka !== kb) return fail(`error calling ${name}: incompatible types for comparison`);
    if (ka !== "composite") return a === b;
    const comparable = (v: TemplateValue | undefined): boolean =>
      v === null || typeof v !== "object" || (!Array.isArray(v) && v.kind === "struct" && Object.values(v.fields).every(comparable));
    if (!comparable(a) || !comparable(b)) return fail(`error calling ${name}: non-comparable type ${printValue(a)}`);
    return JSON.stringify(a) === JSON.stringify(b);
  };
  switch (name) {
    case "len": {
      need(1);
      const v = args[0];
      if (typeof v === "string") return Buffer.byteLength(v, "utf8"); // Go counts bytes
      if (Array.isArray(v)) return v.length;
      if (v !== null && typeof v === "object" && v.kind === "map") return v.entries.length;
      return fail(`len of ${str(v)}`);
    }
    case "index": {
      let v = args[0];
      for (const k of args.slice(1)) {
        if (v === null || v === undefined) return fail("error calling index: index of untyped nil");
        if (typeof v === "string") {
          // Go indexes a string by byte and gives the byte's value.
          const bytes = Buffer.from(v, "utf8");
          if (typeof k !== "number" || !Number.isInteger(k)) return fail(`error calling index: cannot index string with type ${goTypeName(k)}`);
          if (k < 0 || k >= bytes.length) return fail(`error calling index: index out of range: ${k}`);
          v = bytes[k] ?? 0;
          continue;
        }
        if (Array.isArray(v)) {
          if (typeof k !== "number" || !Number.isInteger(k)) return fail(`error calling index: cannot index slice/array with type ${goTypeName(k)}`);
          if (k < 0 || k >= v.length) return fail(`error calling index: index out of range: ${k}`);
          v = v[k];
        } else if (typeof v === "object" && v.kind === "map") {
          if (typeof k !== "string") return fail(`error calling index: value has type ${goTypeName(k)}; should be string`);
          const entry = v.entries.find(([x]) => x === k);
          v = entry ? entry[1] : v.zero;
        } else return fail(`error calling index: can't index item of type ${goTypeName(v)}`);
      }
      return v;
    }
    case "print": {
      // fmt.Sprint: a space between operands when neither is a string.
      let out = "";
      args.forEach((a, i) => {
        if (i > 0 && typeof a !== "string" && typeof args[i - 1] !== "string") out += " ";
        out += str(a);
      });
      return out;
    }
    case "printf": {
      const [format, ...rest] = args;
      return sprintf(str(format), rest);
    }
    case "eq":
      if (args.length < 2) fail(`wrong number of args for eq: want at least 2 got ${args.length}`);
      return args.slice(1).some((b) => equal(args[0], b));
    case "ne":
      need(2);
      return !equal(args[0], args[1]);
    case "lt":
      need(2);
      return compare(args[0], args[1], fail) < 0;
    case "le":
      need(2);
      return compare(args[0], args[1], fail) <= 0;
    case "gt":
      need(2);
      return compare(args[0], args[1], fail) > 0;
    case "ge":
      need(2);
      return compare(args[0], args[1], fail) >= 0;
    case "not":
      need(1);
      return !isTruthy(args[0]);
    case "lower":
      strings(1);
      return str(args[0]).toLowerCase();
    case "upper":
      strings(1);
      return str(args[0]).toUpperCase();
    case "title":
      strings(1);
      return goTitle(str(args[0]));
    case "trim":
      strings(1);
      return str(args[0]).trim();
    case "trimPrefix":
      strings(2);
      return str(args[1]).startsWith(str(args[0])) ? str(args[1]).slice(str(args[0]).length) : str(args[1]);
    case "trimSuffix":
      strings(2);
      return str(args[1]).endsWith(str(args[0])) ? str(args[1]).slice(0, str(args[1]).length - str(args[0]).length) : str(args[1]);
    case "replace":
      strings(3);
      // strings.Replace with an empty old string inserts new around every character.
      if (args[0] === "") return `${str(args[1])}${[...str(args[2])].join(str(args[1]))}${str(args[2]) === "" ? "" : str(args[1])}`;
      return str(args[2]).split(str(args[0])).join(str(args[1]));
    case "join": {
      // sprig: join SEP LIST; SEP must be a string; nil is an empty list, a scalar a list of one.
      need(2);
      if (typeof args[0] !== "string") return fail(`wrong type for value; expected string; got ${kindOf(args[0])}`);
      const list = args[1];
      if (list === null || list === undefined) return "";
      return Array.isArray(list) ? list.filter((x) => x !== null).map(str).join(args[0]) : str(list);
    }
    case "contains":
      strings(2);
      return str(args[1]).includes(str(args[0]));
    case "hasPrefix": // sprig: hasPrefix PREFIX STRING
      strings(2);
      return str(args[1]).startsWith(str(args[0]));
    case "hasSuffix":
      strings(2);
      return str(args[1]).endsWith(str(args[0]));
    case "quote": // sprig: nil arguments are skipped
      return args.filter((a) => a !== null && a !== undefined).map((a) => JSON.stringify(str(a))).join(" ");
    case "default":
      need(2);
      return isTruthy(args[1]) ? args[1] : args[0];
    default:
      return fail(`function "${name}" is not supported`);
  }
}

/** Pads `s` to `width` as fmt does: spaces on the left, on the right with `-`, zeros with `0`. */
function pad(s: string, width: number, flags: string, numeric: boolean): string {
  const n = [...s].length;
  if (width <= n) return s;
  if (flags.includes("-")) return s + " ".repeat(width - n);
  if (flags.includes("0") && numeric) {
    const sign = /^[+-]/.test(s) ? s.slice(0, 1) : "";
    return sign + "0".repeat(width - n) + s.slice(sign.length);
  }
  return " ".repeat(width - n) + s;
}

/**
 * `v.toFixed(digits)` / `v.toPrecision(digits)` with Go's rounding: an exact tie (the decimal
 * expansion of the float ends in 5 at the cut) rounds to even; JavaScript rounds it up.
 */
function roundTie(v: number, digits: number, fixed: boolean): string {
  const js = fixed ? v.toFixed(digits) : v.toPrecision(digits);
  const exact = Math.abs(v).toFixed(100).replace(/0+$/, "");
  const point = exact.indexOf(".");
  const firstSig = exact.search(/[1-9]/);
  const cut = fixed ? point + 1 + digits : firstSig + digits + (firstSig < point && firstSig + digits > point ? 1 : 0);
  const rest = exact.slice(cut).replace(".", "");
  if (!/^50*$/.test(rest) || firstSig < 0) return js;
  const kept = exact.slice(0, cut).replace(".", "");
  if (Number(kept.at(-1) ?? "0") % 2 === 1) return js; // odd: rounding up gives even, as JavaScript does
  const down = fixed ? (Math.trunc(Math.abs(v) * 10 ** digits) / 10 ** digits).toFixed(digits) : Number(exact.slice(0, cut)).toPrecision(digits);
  return (v < 0 ? "-" : "") + down;
}
const goFixed = (v: number, digits: number): string => roundTie(v, digits, true);
const goPrecision = (v: number, digits: number): string => roundTie(v, digits, false);

/** Go's strings.Title (sprig `title`): the first letter after a separator is upper-cased. */
function goTitle(text: string): string {
  const separator = (c: string): boolean => {
    if (c.codePointAt(0)! <= 0x7f) return !/[0-9A-Za-z_]/.test(c);
    if (/[\p{L}\p{Nd}]/u.test(c)) return false;
    return /\s/u.test(c);
  };
  let prev = " ";
  let out = "";
  for (const c of text) {
    out += separator(prev) ? c.toUpperCase() : c;
    prev = c;
  }
  return out;
}

/** Go's strconv.QuoteRune: `'a'`, `'\n'`, `'\x01'`, `'\u008d'`; an invalid code point is `'�'`. */
function quoteRune(r: number): string {
  if (r < 0 || r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) return "'\uFFFD'";
  const special: Record<number, string> = { 7: "\\a", 8: "\\b", 12: "\\f", 10: "\\n", 13: "\\r", 9: "\\t", 11: "\\v", 92: "\\\\", 39: "\\'" };
  if (special[r] !== undefined) return `'${special[r]}'`;
  const c = String.fromCodePoint(r);
  if (r === 0x20 || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(c)) return `'${c}'`;
  if (r < 0x80) return `'\\x${r.toString(16).padStart(2, "0")}'`;
  if (r < 0x10000) return `'\\u${r.toString(16).padStart(4, "0")}'`;
  return `'\\U${r.toString(16).padStart(8, "0")}'`;
}

/** Go's %x of a float64 (strconv 'x' format, shortest): `0x1.4p+01`. */
function hexFloat(v: number, upper: boolean): string {
  const sign = v < 0 || Object.is(v, -0) ? "-" : "";
  const a = Math.abs(v);
  let t: string;
  if (a === 0) t = "0x0p+00";
  else if (!Number.isFinite(a)) t = "+Inf";
  else {
    let e = Math.floor(Math.log2(a));
    let m = a / 2 ** e;
    if (m >= 2) {
      m /= 2;
      e++;
    }
    if (m < 1) {
      m *= 2;
      e--;
    }
    let frac = m - 1;
    let digits = "";
    for (let i = 0; i < 13 && frac > 0; i++) {
      frac *= 16;
      const d = Math.floor(frac);
      digits += d.toString(16);
      frac -= d;
    }
    t = `0x1${digits ? `.${digits}` : ""}p${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  const out = sign + t;
  return upper ? out.toUpperCase() : out;
}

/** Go's name of a value's type as fmt prints it in `%!verb(type=value)`. */
function goTypeName(v: TemplateValue | undefined): string {
  if (typeof v === "string") return "string";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float64";
  if (v === null || v === undefined) return "<nil>";
  const elem = (items: (TemplateValue | undefined)[], zero?: TemplateValue): string => {
    const names = new Set(items.map(goTypeName));
    if (items.length === 0 && zero !== undefined) return goTypeName(zero);
    return names.size === 1 && !names.has("<nil>") ? [...names][0] ?? "interface {}" : "interface {}";
  };
  if (Array.isArray(v)) return `[]${elem(v)}`;
  if (v.kind === "map") return `map[string]${elem(v.entries.map(([, x]) => x), v.zero)}`;
  return "struct";
}

/**
 * Go's fmt.Sprintf for the verbs templates use: %v %s %d %q %t %x %X %o %b %f %e %g %c %%, with
 * flags `-+ 0#`, width and precision; lists, maps and structs are formatted element by element
 * as fmt does; a wrong type prints `%!d(string=x)`, nil `%!d(<nil>)`, a missing argument
 * `%!d(MISSING)`, extra arguments `%!(EXTRA type=value)`.
 */
export function sprintf(format: string, args: readonly (TemplateValue | undefined)[]): string {
  let n = 0;
  const one = (verb: string, flags: string, width: number, p: number | undefined, v: TemplateValue | undefined): string => {
    // A wrong type prints the value as %v with the same flags, width and precision.
    const bad = (): string => {
      if (v === null || v === undefined) return `%!${verb}(<nil>)`;
      let t = printValue(v);
      if (p !== undefined) {
        if (typeof v === "string") t = [...v].slice(0, p).join("");
        else if (typeof v === "number" && Number.isInteger(v)) t = (v < 0 ? "-" : "") + String(Math.abs(v)).padStart(p, "0");
        else if (typeof v === "number") t = String(Number(goPrecision(v, Math.max(1, p))));
      }
      if (typeof v === "number" && v >= 0 && flags.includes("+")) t = `+${t}`;
      return `%!${verb}(${goTypeName(v)}=${pad(t, width, flags, true)})`;
    };
    const signed = (t: string, x: number): string => (x >= 0 && flags.includes("+") ? `+${t}` : x >= 0 && flags.includes(" ") ? ` ${t}` : t);
    if (Array.isArray(v) && verb !== "x" && verb !== "X") return `[${v.map((x) => one(verb, flags, width, p, x)).join(" ")}]`;
    if (Array.isArray(v) && v.every((x) => typeof x === "string")) return `[${v.map((x) => one(verb, flags, width, p, x)).join(" ")}]`;
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      if (v.kind === "map") return `map[${v.entries.map(([k, x]) => `${one(verb, flags, width, p, k)}:${one(verb, flags, width, p, x)}`).join(" ")}]`;
      if (v.text === undefined || (verb !== "v" && verb !== "s")) return `{${Object.values(v.fields).map((x) => one(verb, flags, width, p, x)).join(" ")}}`;
    }
    switch (verb) {
      case "v":
      case "s": {
        if (v === null || v === undefined) return verb === "v" ? pad("<nil>", width, flags, false) : bad();
        if (verb === "s" && (typeof v === "number" || typeof v === "boolean")) return bad();
        let t = printValue(v);
        if (p !== undefined && verb === "s") t = [...t].slice(0, p).join("");
        return pad(t, width, flags, false);
      }
      case "q":
        if (typeof v === "number" && Number.isInteger(v)) return pad(quoteRune(v), width, flags, false);
        if (typeof v !== "string") return bad();
        return pad(JSON.stringify(v), width, flags, false);
      case "t":
        if (typeof v !== "boolean") return bad();
        return pad(String(v), width, flags, false);
      case "d":
      case "x":
      case "X":
      case "o":
      case "b": {
        if (typeof v === "string" && (verb === "x" || verb === "X")) {
          const hex = [...Buffer.from(v, "utf8")].map((b) => b.toString(16).padStart(2, "0")).join("");
          return pad(verb === "X" ? hex.toUpperCase() : hex, width, flags, false);
        }
        if (typeof v === "number" && !Number.isInteger(v) && (verb === "x" || verb === "X")) return pad(hexFloat(v, verb === "X"), width, flags, true);
        if (typeof v !== "number" || !Number.isInteger(v)) return bad();
        const radix = verb === "d" ? 10 : verb === "o" ? 8 : verb === "b" ? 2 : 16;
        let t = Math.abs(v).toString(radix);
        if (verb === "X") t = t.toUpperCase();
        if (flags.includes("#")) t = (verb === "x" ? "0x" : verb === "X" ? "0X" : verb === "o" ? "0" : "") + t;
        return pad(signed(v < 0 ? `-${t}` : t, v), width, flags, true);
      }
      case "f":
      case "F":
      case "e":
      case "g": {
        if (typeof v !== "number" || Number.isInteger(v)) return bad(); // an int is not a float in Go
        let t: string;
        if (verb === "e") t = v.toExponential(p ?? 6).replace(/e([+-])(\d)$/, "e$10$2");
        else if (verb === "g") t = p === undefined ? String(v) : String(Number(goPrecision(v, Math.max(1, p))));
        else t = goFixed(v, p ?? 6);
        return pad(signed(t, v), width, flags, true);
      }
      case "c":
        if (typeof v !== "number" || !Number.isInteger(v)) return bad();
        return pad(v < 0 || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff) ? "\uFFFD" : String.fromCodePoint(v), width, flags, false);
      default:
        return bad();
    }
  };
  let out = format.replace(/%([-+# 0]*)(\d*)(?:\.(\d*))?([a-zA-Z%])/g, (_m, flags: string, w: string, prec: string | undefined, verb: string) => {
    if (verb === "%") return "%";
    if (n >= args.length) return `%!${verb}(MISSING)`;
    const v = args[n++];
    return one(verb, flags, w === "" ? 0 : Number(w), prec === undefined ? undefined : prec === "" ? 0 : Number(prec), v);
  });
  if (n < args.length) out += `%!(EXTRA ${args.slice(n).map((v) => (v === null || v === undefined ? "<nil>" : `${goTypeName(v)}=${printValue(v)}`)).join(", ")})`;
  return out;
}
