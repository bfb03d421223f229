/** Numbers as Go's strconv.ParseFloat reads them (the numerical policy's parser). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseGoFloat } from "../../../core/policy/go-float.ts";

const accepted: [string, number][] = [
  ["0", 0], ["12", 12], ["-1.5", -1.5], ["+3", 3], [".5", 0.5], ["1.", 1], ["1e3", 1000], ["1E-2", 0.01],
  ["1_000", 1000], ["0x1p-2", 0.25], ["0X1.8P1", 3], ["0x.8p1", 1], ["20210608052721", 20210608052721], ["1e-400", 0],
];
for (const [text, want] of accepted) {
  test(`ParseFloat(${JSON.stringify(text)}) = ${want}`, () => assert.equal(parseGoFloat(text), want));
}
test("inf, infinity and nan, any case", () => {
  assert.equal(parseGoFloat("Inf"), Infinity);
  assert.equal(parseGoFloat("-infinity"), -Infinity);
  assert.ok(Number.isNaN(parseGoFloat("NaN")));
});
for (const text of ["", " 1", "1 ", "0x10", "0b1", "0o7", "1_", "_1", "1__0", "1e", "e1", "--1", "+nan", "1.2.3", "1,5", "latest", "1e400", "0x1p"]) {
  test(`ParseFloat(${JSON.stringify(text)}) is an error`, () => assert.equal(parseGoFloat(text), undefined));
}
