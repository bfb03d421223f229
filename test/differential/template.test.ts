/** Commit message templates against Go's text/template with sprig's hermetic functions (the oracle). */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import fc from "fast-check";
import type { TemplateValue } from "../../action/manifests/go-template.ts";
import { openOracle } from "../env/oracle.ts";
import { compareTemplate, dataArb, templateCaseArb } from "./template-cases.ts";

const o = await openOracle();
after(() => o.oracle?.close());

const [data] = fc.sample(dataArb, { numRuns: 1, seed: 42 }) as [TemplateValue];
const table: string[] = [
  '{{ hasPrefix "ab" "abc" }} {{ hasSuffix "bc" "abc" }} {{ hasPrefix "abc" "ab" }}',
  '[{{ index .Labels "missing" }}]',
  '{{ printf "%5d|%-4s|%05d|%+d|%.2f|%x|%q|%6.2f|%s" 3 "x" 42 5 3.14159 255 "a" 2.5 .Items }}',
  "{{ and false .Nope.Deeper }}|{{ or 1 .Nope.Deeper }}|{{ and 1 0 }}|{{ or 0 \"\" }}",
  "{{ nosuch 1 }}",
  "{{ if false }}{{ nosuch }}{{ end }}",
  "{{ $x }}",
  '{{ len "é" }} {{ print 1 2 "a" 3 }}',
  '{{ eq 1 "1" }}',
  "{{ lower .Count }}",
  '{{ title "hello wörld-x_y" }} {{ replace "" "-" "ab" }}',
  '{{ printf "%.0f %.2f %q %c %x %5.1s|" 2.5 2.675 65 -1 2.5 "abc" }}',
  "{{ if .Flag }}{{ $x := 1 }}{{ else }}{{ $x }}{{ end }}",
  "{{ range $i, $v := 3 }}{{ $i }}{{ end }}",
  '{{ eq .Labels.nope "x" }} {{ index .Name 0 }} {{ default nil nil }}',
];

describe("commit message templates agree with Go's text/template and sprig", { skip: o.skip }, () => {
  for (const template of table) {
    test(template, async () => {
      assert.equal(await compareTemplate(o.oracle!, { template, data }), undefined);
    });
  }

  test("generated templates over generated data", async () => {
    await fc.assert(
      fc.asyncProperty(templateCaseArb, async (c) => {
        const diff = await compareTemplate(o.oracle!, c);
        assert.equal(diff, undefined, diff);
      }),
      { numRuns: 5000 },
    );
  });
});
