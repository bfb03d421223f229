/**
 * Marker setters: fixture pairs under test/fixtures/markers (input.yaml → expected.yaml with the
 * images in images.json), warnings for bad input, and a property test over generated YAML.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, test } from "node:test";
import fc from "fast-check";
import { parseAllDocuments } from "yaml";
import { parseImageRef, type ImageRef } from "../../../core/image-ref.ts";
import { markerValue, type MarkerField } from "../../../core/markers/marker.ts";
import { setMarkersInText } from "../../../core/markers/set-markers.ts";

const FIXTURES = new URL("../../fixtures/markers/", import.meta.url);
const images = new Map(
  Object.entries(JSON.parse(readFileSync(new URL("images.json", FIXTURES), "utf8")) as Record<string, string>).map(([k, v]) => [k, parseImageRef(v)]),
);
const cases = readdirSync(FIXTURES, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
const read = (name: string, file: string): string => readFileSync(new URL(`${name}/${file}`, FIXTURES), "utf8");

describe("fixture pairs", () => {
  test("all the required fixtures are present", () => {
    for (const name of ["shop-deployments", "crlf", "non-ascii-comments", "head-comment", "kustomization-images", "multi-doc", "no-final-newline", "quoted-values", "timestamp-tag-quoting", "flow-collections"]) {
      assert.ok(cases.includes(name), name);
    }
  });
  for (const name of cases) {
    test(`${name}: input.yaml becomes expected.yaml byte for byte, and a second run changes nothing`, () => {
      const input = read(name, "input.yaml");
      const expected = read(name, "expected.yaml");
      const first = setMarkersInText(input, `${name}.yaml`, images);
      assert.equal(first.text, expected);
      assert.deepEqual(first.warnings, []);
      assert.equal(first.changes.length > 0, input !== expected);
      const second = setMarkersInText(expected, `${name}.yaml`, images);
      assert.equal(second.text, expected);
      assert.deepEqual(second.changes, []);
    });
  }

  test("shop: six of the seven services change, payment (no image given) stays; changes name their objects", () => {
    const { changes } = setMarkersInText(read("shop-deployments", "input.yaml"), "shop.yaml", images);
    assert.deepEqual(
      changes.map((c) => `${c.object?.kind}/${c.object?.namespace}/${c.object?.name} ${c.setter}`),
      ["account", "apigateway", "bff", "cart", "order", "product"].map((s) => `Deployment/shop/${s} flux-system:${s}`),
    );
    const account = changes[0];
    assert.equal(account?.file, "shop.yaml");
    assert.equal(account?.line, 18);
    assert.equal(account?.oldValue, "170247361816.dkr.ecr.ap-northeast-2.amazonaws.com/shop/account:20210608052721");
    assert.equal(account?.newValue, "170247361816.dkr.ecr.ap-northeast-2.amazonaws.com/shop/account:20210612090001");
    assert.equal(account?.policy, "flux-system:account");
  });

  test("crlf: line numbers count CRLF lines and every line still ends in CRLF", () => {
    const { text, changes } = setMarkersInText(read("crlf", "input.yaml"), "crlf.yaml", images);
    assert.deepEqual(changes.map((c) => [c.line, c.setter]), [[11, "flux-system:cart"], [14, "flux-system:cart:tag"]]);
    assert.equal(text.split("\r\n").length, text.split("\n").length);
  });

  test("kustomization images: name, tag and digest setters, each with its own value", () => {
    const { changes } = setMarkersInText(read("kustomization-images", "input.yaml"), "kustomization.yaml", images);
    assert.deepEqual(changes.map((c) => [c.setter, c.newValue]), [
      ["flux-system:podinfo:tag", "6.5.0"],
      ["flux-system:podinfo:digest", "sha256:" + "ab".repeat(32)],
      ["flux-system:product:tag", "20210612090006"],
    ]);
    assert.equal(changes[0]?.object?.kind, "Kustomization");
  });
});

describe("bad input", () => {
  const img = new Map([["ns:app", parseImageRef("r.example.com/app:2")]]);

  test("malformed marker JSON → a file:line warning, the value stays, the rest is still set", () => {
    const text = 'a: r/app:1 # {"$imagepolicy": ns:app}\nb: r/app:1 # {"$imagepolicy": "ns:app"}\n';
    const r = setMarkersInText(text, "m.yaml", img);
    assert.equal(r.text, 'a: r/app:1 # {"$imagepolicy": ns:app}\nb: r.example.com/app:2 # {"$imagepolicy": "ns:app"}\n');
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0] ?? "", /^m\.yaml:1: marker is not valid JSON/);
  });

  for (const [marker, why] of [
    ['{"$imagepolicy": "ns"}', /is not NS:NAME/],
    ['{"$imagepolicy": "ns:app:version"}', /is not NS:NAME, NS:NAME:tag/],
    ['{"$imagepolicy": "a:b:tag:x"}', /is not NS:NAME/],
    ['{"$imagepolicy": 3}', /must be a string/],
    ['["$imagepolicy"]', /must be a JSON object/],
  ] as const) {
    test(`marker ${marker} → warning`, () => {
      const r = setMarkersInText(`x: 1\ny: v # ${marker}\n`, "w.yaml", img);
      assert.equal(r.changes.length, 0);
      assert.match(r.warnings[0] ?? "", /^w\.yaml:2: /);
      assert.match(r.warnings[0] ?? "", why);
    });
  }

  test("a marked file that does not parse → warning with file:line, text untouched", () => {
    const text = 'a: r/app:1 # {"$imagepolicy": "ns:app"}\nb: [unclosed\nc: d\n';
    const r = setMarkersInText(text, "broken.yaml", img);
    assert.equal(r.text, text);
    assert.deepEqual(r.changes, []);
    assert.match(r.warnings[0] ?? "", /^broken\.yaml:\d+: not valid YAML, markers in this file were not set/);
  });

  test("a file without the literal \"$imagepolicy\" is not parsed at all", () => {
    const text = "a: [broken\nb: r/app:1 # {'$imagepolicy': 'ns:app'}\n";
    assert.deepEqual(setMarkersInText(text, "x.yaml", img), { text, changes: [], warnings: [] });
  });

  test("a digest marker for an image without a digest → warning, value untouched", () => {
    const r = setMarkersInText('d: sha256:00 # {"$imagepolicy": "ns:app:digest"}\n', "d.yaml", img);
    assert.equal(r.changes.length, 0);
    assert.match(r.warnings[0] ?? "", /^d\.yaml:1: marker "ns:app:digest" wants the image's digest/);
  });
});

describe("where a marker may sit", () => {
  const img = new Map([["ns:app", parseImageRef("r.example.com/app:2")]]);
  const set = (text: string): string => setMarkersInText(text, "f.yaml", img).text;

  test("a head comment separated by a blank line is not the value's marker", () => {
    const text = '# {"$imagepolicy": "ns:app"}\n\nimage: r/app:1\n';
    assert.equal(set(text), text);
  });
  test("a head-comment marker sets the value when the value has no line comment", () => {
    assert.equal(set('# {"$imagepolicy": "ns:app"}\nimage: r/app:1\n'), '# {"$imagepolicy": "ns:app"}\nimage: r.example.com/app:2\n');
  });
  test("any line comment hides the head comment, as Flux reads the line comment first and stops", () => {
    const text = '# {"$imagepolicy": "ns:app"}\nimage: r/app:1 # pinned by ops\n';
    assert.equal(set(text), text);
  });
  test("a line comment marker wins over a head comment marker", () => {
    assert.equal(set('# {"$imagepolicy": "ns:app:name"}\nimage: r/app:1 # {"$imagepolicy": "ns:app:tag"}\n'), '# {"$imagepolicy": "ns:app:name"}\nimage: "2" # {"$imagepolicy": "ns:app:tag"}\n');
  });
  test("a marker on a key whose value is a mapping sets nothing", () => {
    const text = 'image: # {"$imagepolicy": "ns:app"}\n  repository: r/app\n';
    assert.equal(set(text), text);
  });
  test("a comment after a flow collection's closing bracket is not an item's marker", () => {
    const text = 'images: [r/app:1, r/app:1] # {"$imagepolicy": "ns:app"}\n';
    assert.equal(set(text), text);
  });
  test("block scalars are never set", () => {
    const text = 'script: | # {"$imagepolicy": "ns:app"}\n  r/app:1\n';
    assert.equal(set(text), text);
  });
  test("a marker in a sequence of sequences", () => {
    assert.equal(set('- - r/app:1 # {"$imagepolicy": "ns:app"}\n'), '- - r.example.com/app:2 # {"$imagepolicy": "ns:app"}\n');
  });
});

// ── property test ──

type Style = "plain" | "single" | "double";
interface Leaf {
  kind: "leaf";
  value: string;
  style: Style;
  marker?: { setter: string; policy: string; field: MarkerField; where: "line" | "head" };
  comment?: string;
}
type Node = Leaf | { kind: "map"; entries: [string, Node][] } | { kind: "seq"; items: Node[] };

const propertyImages = new Map<string, ImageRef>([
  ["flux-system:app", parseImageRef("reg.example.com/team/app:20240101@sha256:" + "ab".repeat(32))],
  ["flux-system:web", parseImageRef("reg.example.com/web:v2.0.1")],
]);
const VALUES = ["reg.example.com/team/app:1.0", "x/y:2", "hello", "20210608052721", "true", "1.10", "v1.2.3", "한글 값", "a b", "sha256:00"];
const leafArb: fc.Arbitrary<Leaf> = fc.record(
  {
    kind: fc.constant("leaf" as const),
    value: fc.constantFrom(...VALUES),
    style: fc.constantFrom<Style>("plain", "single", "double"),
    marker: fc.option(
      fc.record({
        policy: fc.constantFrom("flux-system:app", "flux-system:web", "other:absent"),
        field: fc.constantFrom<MarkerField>("image", "tag", "name", "digest"),
        where: fc.constantFrom<"line" | "head">("line", "head"),
      }).map((m) => ({ ...m, setter: m.field === "image" ? m.policy : `${m.policy}:${m.field}` })),
      { nil: undefined },
    ),
    comment: fc.option(fc.constantFrom("메모 ✓", "note: keep", "#hash"), { nil: undefined }),
  },
  { requiredKeys: ["kind", "value", "style"] },
);
const { node: nodeArb } = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leafArb,
    fc.uniqueArray(fc.tuple(fc.constantFrom("image", "tag", "name", "a", "b-c", "키", "spec"), tie("node")), { minLength: 1, maxLength: 4, selector: ([k]) => k }).map((entries) => ({ kind: "map" as const, entries })),
    fc.array(tie("node"), { minLength: 1, maxLength: 3 }).map((items) => ({ kind: "seq" as const, items })),
  ),
}));

interface MarkedLine {
  index: number;
  prefix: string;
  suffix: string;
}

/** Renders documents as block YAML; records each marked leaf's line, and what precedes/follows its value. */
function render(docs: Node[]): { lines: string[]; marked: MarkedLine[] } {
  const lines: string[] = [];
  const marked: MarkedLine[] = [];
  const scalar = (l: Leaf): string =>
    l.style === "double" ? JSON.stringify(l.value) : l.style === "single" ? `'${l.value.replaceAll("'", "''")}'` : /^[a-z]/.test(l.value) && !/^(true|yes|no|on|off|null)$/.test(l.value) ? l.value : JSON.stringify(l.value);
  const leafLine = (indent: string, lead: string, l: Leaf): void => {
    const markerJson = l.marker ? `{"$imagepolicy": "${l.marker.setter}"}` : undefined;
    if (markerJson && l.marker?.where === "head") lines.push(`${indent}# ${markerJson}`);
    const comment = markerJson && l.marker?.where === "line" ? ` # ${markerJson}` : l.comment ? ` # ${l.comment}` : "";
    const prefix = indent + lead;
    if (l.marker) marked.push({ index: lines.length, prefix, suffix: comment });
    lines.push(prefix + scalar(l) + comment);
  };
  const walk = (n: Node, indent: string): void => {
    if (n.kind === "map") {
      for (const [k, v] of n.entries) {
        if (v.kind === "leaf") leafLine(indent, `${k}: `, v);
        else {
          lines.push(`${indent}${k}:`);
          walk(v, indent + "  ");
        }
      }
    } else if (n.kind === "seq") {
      for (const item of n.items) {
        if (item.kind === "leaf") leafLine(indent, "- ", item);
        else {
          lines.push(`${indent}-`);
          walk(item, indent + "  ");
        }
      }
    } else leafLine(indent, "", n);
  };
  docs.forEach((d, i) => {
    if (i > 0) lines.push("---");
    walk(d, "");
  });
  return { lines, marked };
}

/** The documents with every marked leaf set to what its marker asks for (when it can be set). */
function expectedDocs(docs: Node[]): unknown[] {
  const toJs = (n: Node): unknown => {
    if (n.kind === "map") return Object.fromEntries(n.entries.map(([k, v]) => [k, toJs(v)]));
    if (n.kind === "seq") return n.items.map(toJs);
    // A head-comment marker is hidden by any line comment on the value.
    const marker = n.marker?.where === "head" && n.comment ? undefined : n.marker;
    const image = marker ? propertyImages.get(marker.policy) : undefined;
    const next = marker && image ? markerValue(marker.field, image) : undefined;
    return next ?? n.value;
  };
  return docs.map(toJs);
}

describe("property: only marker values change", () => {
  test("generated files: bytes differ only inside marked values; documents parse equal apart from them", () => {
    let changed = 0;
    fc.assert(
      fc.property(fc.array(nodeArb, { minLength: 1, maxLength: 3 }), fc.boolean(), fc.boolean(), (generated, crlf, finalNewline) => {
        // Only map values and sequence items are set: a document that is one bare scalar has no marker.
        const docs = generated.map((d): Node => (d.kind === "leaf" ? { ...d, marker: undefined } : d));
        const { lines, marked } = render(docs);
        const eol = crlf ? "\r\n" : "\n";
        const input = lines.join(eol) + (finalNewline ? eol : "");
        const result = setMarkersInText(input, "gen.yaml", propertyImages);
        assert.deepEqual(result.warnings.filter((w) => !/wants the image's digest/.test(w)), []);

        // 1. byte level: same line structure, and a changed line differs only between its prefix and suffix
        const outLines = result.text.split(eol);
        const inLines = input.split(eol);
        assert.equal(result.text.endsWith(eol), finalNewline);
        assert.equal(outLines.length, inLines.length);
        const markedAt = new Map(marked.map((m) => [m.index, m]));
        outLines.forEach((out, i) => {
          const before = inLines[i] ?? "";
          if (out === before) return;
          const m = markedAt.get(i);
          assert.ok(m, `line ${i + 1} changed but holds no marked value:\n${before}\n${out}`);
          assert.ok(out.startsWith(m.prefix) && out.endsWith(m.suffix), `line ${i + 1}: ${out}`);
        });
        assert.equal(result.changes.length, outLines.filter((l, i) => l !== inLines[i]).length);
        changed += result.changes.length;

        // 2. document level: what the output means is the input with the marked values set
        const parsed = parseAllDocuments(result.text).map((d) => d.toJS() as unknown);
        assert.deepEqual(parsed, expectedDocs(docs));
      }),
      { numRuns: 400 },
    );
    assert.ok(changed > 100, `the generator set ${changed} values over 400 files`);
  });
});
