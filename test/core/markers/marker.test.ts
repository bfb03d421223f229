/** Reading `$imagepolicy` marker comments and the value each form writes. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseImageRef } from "../../../core/image-ref.ts";
import { markerValue, parseMarkerComment } from "../../../core/markers/marker.ts";

describe("parseMarkerComment", () => {
  const forms: [string, string, string][] = [
    [' {"$imagepolicy": "flux-system:account"}', "flux-system:account", "image"],
    ['{"$imagepolicy":"flux-system:account:tag"}', "flux-system:account", "tag"],
    ['   {"$imagepolicy": "ns:p:name"}   ', "ns:p", "name"],
    [' {"$imagepolicy": "ns:p:digest", "other": "x"}', "ns:p", "digest"],
    ['# {"$imagepolicy": "ns:p"}', "ns:p", "image"], // `## {…}`: every leading # is dropped
  ];
  for (const [comment, policy, field] of forms) {
    test(`${comment.trim()} → ${policy} ${field}`, () => {
      const parsed = parseMarkerComment(comment);
      assert.equal(parsed.kind, "marker");
      if (parsed.kind === "marker") {
        assert.equal(parsed.marker.policy, policy);
        assert.equal(parsed.marker.field, field);
        assert.equal(parsed.marker.setter, JSON.parse(comment.replace(/^#*/, ""))["$imagepolicy"]);
      }
    });
  }
  test("a comment without $imagepolicy is not a marker", () => assert.deepEqual(parseMarkerComment(" just a note"), { kind: "none" }));
  test("text around the JSON makes it malformed", () => assert.equal(parseMarkerComment(' set by CI {"$imagepolicy": "a:b"}').kind, "malformed"));
  test("a value that is not a string makes the marker malformed (Flux decodes a map of strings)", () => {
    const parsed = parseMarkerComment('{"$imagepolicy": "a:b", "n": 1}');
    assert.equal(parsed.kind, "malformed");
  });
  test("an empty namespace or name is malformed", () => {
    assert.equal(parseMarkerComment('{"$imagepolicy": ":b"}').kind, "malformed");
    assert.equal(parseMarkerComment('{"$imagepolicy": "a:"}').kind, "malformed");
  });
});

describe("markerValue", () => {
  const full = parseImageRef("r.example.com/shop/app:20240101@sha256:" + "ab".repeat(32));
  const tagOnly = parseImageRef("r.example.com/shop/app:20240101");
  const digestOnly = parseImageRef("r.example.com/shop/app@sha256:" + "cd".repeat(32));
  test("image: name:tag, plus @digest when the image has one", () => {
    assert.equal(markerValue("image", tagOnly), "r.example.com/shop/app:20240101");
    assert.equal(markerValue("image", full), "r.example.com/shop/app:20240101@sha256:" + "ab".repeat(32));
    assert.equal(markerValue("image", digestOnly), "r.example.com/shop/app@sha256:" + "cd".repeat(32));
  });
  test("tag, name and digest parts", () => {
    assert.equal(markerValue("tag", full), "20240101");
    assert.equal(markerValue("name", full), "r.example.com/shop/app");
    assert.equal(markerValue("digest", full), "sha256:" + "ab".repeat(32));
  });
  test("a missing part gives undefined", () => {
    assert.equal(markerValue("digest", tagOnly), undefined);
    assert.equal(markerValue("tag", digestOnly), undefined);
    assert.equal(markerValue("image", { name: "r/app" }), undefined);
  });
});
