/** Keeping a scalar's quoting, and quoting plain text that a YAML reader would not read as a string. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parse } from "yaml";
import { readsAsNonString, scalarText } from "../../../core/markers/scalar-text.ts";

describe("readsAsNonString", () => {
  // YAML 1.1 (Kubernetes' decoder) and 1.2 non-strings: ints, floats, bools, null, timestamps
  for (const t of ["20240101", "20210608052721", "1.10", "1e3", "0x1F", "0o17", "017", "-1", "+1", ".5", "1_000", "yes", "No", "ON", "off", "y", "N", "true", "False", "null", "~", "", ".inf", "-.Inf", ".NaN", "2001-12-14", "2001-12-14t21:59:43.10-05:00", "<<"]) {
    test(`${JSON.stringify(t)} is not a string`, () => assert.equal(readsAsNonString(t), true));
  }
  for (const t of ["v1.2.3", "1.2.3", "latest", "app:1.0", "20240101-abc", "0x1G", "yes-please", "r.example.com/app:20240101", "1.2.3-rc.1", "1:30", "_1", "="]) {
    test(`${JSON.stringify(t)} is a string`, () => assert.equal(readsAsNonString(t), false));
  }
});

describe("scalarText", () => {
  test("plain stays plain for image references", () => assert.equal(scalarText("r.example.com/app:20240101@sha256:ab", "plain"), "r.example.com/app:20240101@sha256:ab"));
  test("plain becomes double-quoted for a timestamp tag", () => assert.equal(scalarText("20210608052721", "plain"), '"20210608052721"'));
  test("plain becomes double-quoted when the text cannot be plain", () => {
    assert.equal(scalarText("a: b", "plain"), '"a: b"');
    assert.equal(scalarText("-x", "plain"), '"-x"');
    assert.equal(scalarText("x:", "plain"), '"x:"');
  });
  test("single quotes are kept and doubled inside", () => assert.equal(scalarText("it's", "single"), "'it''s'"));
  test("single-quoted text with a line break falls back to double quotes", () => assert.equal(scalarText("a\nb", "single"), '"a\\nb"'));
  test("double quotes escape", () => assert.equal(scalarText('a"b\\', "double"), '"a\\"b\\\\"'));
  test("every rendering reads back as the same string", () => {
    for (const v of ["20240101", "yes", "1.10", "it's", 'q"', "한글", "a b", "x/y:1", "~", ""]) {
      for (const style of ["plain", "single", "double"] as const) {
        assert.equal(parse(`k: ${scalarText(v, style)}`, { version: "1.1" }).k, v, `${style} ${v} (1.1)`);
        assert.equal(parse(`k: ${scalarText(v, style)}`).k, v, `${style} ${v} (1.2)`);
      }
    }
  });
});
