/**
 * The differential suite for commit message templates: generated templates over generated data,
 * each rendered by Slipway's go-template.ts and by Go's text/template with sprig's hermetic
 * functions (the oracle). Both must render the same text, or both reject the template.
 */
import fc from "fast-check";
import { parseTemplate, type TemplateValue } from "../../action/manifests/go-template.ts";
import type { Oracle } from "../env/oracle.ts";

const word = fc.constantFrom("", "a", "ab", "Ab", "main", "é", "x y", " pad ", "1", "a-b");
/** Data of one fixed shape with generated values (a struct of strings, ints, lists and maps). */
export const dataArb: fc.Arbitrary<TemplateValue> = fc
  .record({
    Name: word,
    Count: fc.integer({ min: -3, max: 300 }),
    Flag: fc.boolean(),
    Items: fc.array(word, { maxLength: 3 }),
    Labels: fc.array(fc.tuple(fc.constantFrom("a", "b", "k"), word), { maxLength: 3 }),
    B: fc.integer({ min: 0, max: 3 }),
  })
  .map(({ Name, Count, Flag, Items, Labels, B }) => {
    const labels = [...new Map(Labels).entries()].sort(([a], [b]) => (a < b ? -1 : 1));
    return {
      kind: "struct",
      type: "Data",
      fields: {
        Name,
        Count,
        Flag,
        Items,
        Labels: { kind: "map", entries: labels, zero: "" },
        Nested: { kind: "struct", type: "Nested", fields: { A: Name, B } },
      },
    } satisfies TemplateValue;
  });

const arg = fc.constantFrom(".Name", ".Count", ".Flag", ".Items", ".Labels", ".Nested.A", ".Nested.B", "\"a\"", "\"\"", "\"ab\"", "1", "0", "-2", "2.5", "true", "false", "nil", "$", ".Labels.k", ".Nope", "$x");
const fmtVerb = fc.constantFrom("%s", "%d", "%v", "%q", "%t", "%x", "%5d", "%-4s|", "%05d", "%+d", "%.2f", "%6.2f", "%x", "%%", "%3s", "%.1s", "[%v]", "%e", "%g", "%c");
const call = fc.oneof(
  fc.tuple(fc.constantFrom("lower", "upper", "title", "trim", "len", "quote", "not"), arg).map(([f, a]) => `${f} ${a}`),
  fc.tuple(fc.constantFrom("hasPrefix", "hasSuffix", "contains", "trimPrefix", "trimSuffix", "eq", "ne", "lt", "le", "gt", "ge", "and", "or", "default", "join", "index", "print"), arg, arg).map(([f, a, b]) => `${f} ${a} ${b}`),
  fc.tuple(fc.constantFrom("replace", "and", "or", "print", "eq", "index"), arg, arg, arg).map(([f, a, b, c]) => `${f} ${a} ${b} ${c}`),
  fc.tuple(fmtVerb, fc.array(arg, { maxLength: 2 })).map(([f, as]) => `printf "${f}" ${as.join(" ")}`),
  fc.constantFrom("nosuch 1", "lower", ".Items | len", ".Name | upper | quote", "(len .Items)", "\"x\" | hasPrefix \"x\""),
);
const pipeline = fc.oneof({ weight: 3, arbitrary: call }, { weight: 2, arbitrary: arg });
const action = fc.tuple(fc.constantFrom("{{", "{{ ", "{{- "), pipeline, fc.constantFrom("}}", " }}", " -}}")).map(([o, p, c]) => `${o}${p}${c}`);
const text = fc.constantFrom("", "x", " ", "\n", "msg: ", "\t- ");
/** Templates: text and actions, with if/else, range and with blocks. */
export const templateArb: fc.Arbitrary<string> = fc.letrec<{ body: string; item: string }>((tie) => ({
  item: fc.oneof(
    { weight: 4, arbitrary: action },
    { weight: 2, arbitrary: text },
    { weight: 1, arbitrary: fc.tuple(pipeline, tie("body"), fc.option(tie("body"), { nil: undefined })).map(([c, a, b]) => `{{ if ${c} }}${a}${b === undefined ? "" : `{{ else }}${b}`}{{ end }}`) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(".Items", ".Labels", ".Count", ".Name", "nil"), tie("body")).map(([r, b]) => `{{ range $i, $v := ${r} }}{{ $i }}={{ $v }};${b}{{ end }}`) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(".Nested", ".Name", ".Labels"), tie("body")).map(([w, b]) => `{{ with ${w} }}${b}{{ end }}`) },
    { weight: 1, arbitrary: fc.tuple(pipeline, tie("body")).map(([p, b]) => `{{ $x := ${p} }}${b}`) },
  ),
  body: fc.array(tie("item"), { maxLength: 3 }).map((a) => a.join("")),
})).body;

/** One template case. */
export interface TemplateCase {
  template: string;
  data: TemplateValue;
}
/** Generated template cases. */
export const templateCaseArb: fc.Arbitrary<TemplateCase> = fc.record({ template: templateArb, data: dataArb });

/** The data as the oracle reads it: struct fields keep their order (a JSON object would not say). */
function forOracle(v: TemplateValue): unknown {
  if (Array.isArray(v)) return v.map(forOracle);
  if (v === null || typeof v !== "object") return v;
  if (v.kind === "map") return { ...v, entries: v.entries.map(([k, x]) => [k, forOracle(x)]) };
  return { kind: "struct", order: Object.keys(v.fields), fields: Object.fromEntries(Object.entries(v.fields).map(([k, x]) => [k, forOracle(x)])) };
}

/** Compares rendered output (or that both reject the template). */
export async function compareTemplate(oracle: Oracle, c: TemplateCase): Promise<string | undefined> {
  const go = await oracle.ask({ op: "template", template: c.template, data: forOracle(c.data) });
  let ours: string | undefined;
  let error: string | undefined;
  try {
    ours = parseTemplate(c.template, "t").execute(c.data);
  } catch (err) {
    error = (err as Error).message;
  }
  // Pinned: a struct's type in a printf error prints as `struct` (Slipway's values carry no Go type).
  const goOut = typeof go.output === "string" ? go.output.replace(/struct \{(?:[^{}]|\{[^{}]*\})*\}=/g, "struct=") : undefined;
  if (goOut === ours) return undefined;
  return `Go: ${JSON.stringify(go)}\nSlipway: ${ours === undefined ? `error ${error ?? ""}` : JSON.stringify(ours)}`;
}
