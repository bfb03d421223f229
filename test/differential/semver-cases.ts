/**
 * The differential suites for semver and image policies: generated versions, ranges and tag lists,
 * each answered by Slipway (semver-range.ts, semver-version.ts, select-tag.ts) and by Masterminds
 * semver with fluxcd/pkg/version and Flux's policy loops (the oracle).
 */
import fc from "fast-check";
import type { ImagePolicy } from "../../core/policy/image-policy.ts";
import { selectTag } from "../../core/policy/select-tag.ts";
import { parseSemverRange, satisfiesRange } from "../../core/policy/semver-range.ts";
import { parseTagVersion } from "../../core/policy/semver-version.ts";
import type { Oracle } from "../env/oracle.ts";

const num = fc.oneof(
  { weight: 20, arbitrary: fc.constantFrom("0", "1", "2", "3") },
  { weight: 3, arbitrary: fc.constantFrom("10", "01", "00", "007") },
  { weight: 1, arbitrary: fc.constantFrom("18446744073709551615", "18446744073709551616", "9007199254740993") },
);
const ident = fc.oneof({ weight: 8, arbitrary: fc.constantFrom("rc", "rc.1", "rc.2", "alpha", "0", "1", "beta.2") }, { weight: 1, arbitrary: fc.constantFrom("01", "x-y", "a.b.c", "", "rc..1", "RC") });
const partCount = fc.oneof({ weight: 8, arbitrary: fc.constant(3) }, { weight: 1, arbitrary: fc.constantFrom(1, 2, 4) });
/** Version strings: mostly valid, some with two or four parts, junk or signs. */
export const versionArb: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof({ weight: 10, arbitrary: fc.constantFrom("", "v") }, { weight: 1, arbitrary: fc.constantFrom("V", "=", " ", "vv") }),
    partCount.chain((n) => fc.array(num, { minLength: n, maxLength: n })),
    fc.option(ident, { nil: undefined, freq: 2 }),
    fc.option(fc.constantFrom("build", "b.1", "001", ""), { nil: undefined, freq: 6 }),
  )
  .map(([p, parts, pre, build]) => `${p}${parts.join(".")}${pre === undefined ? "" : `-${pre}`}${build === undefined ? "" : `+${build}`}`);

const wild = fc.constantFrom("x", "X", "*");
const rangeVersion = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom("", "v"), fc.array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom("0", "1", "2", "3", "01") }, { weight: 1, arbitrary: wild }), { minLength: 1, maxLength: 3 }), fc.option(fc.constantFrom("rc", "0", "alpha.1"), { nil: undefined })).map(([v, p, pre]) => `${v}${p.join(".")}${pre ? `-${pre}` : ""}`) },
  { weight: 1, arbitrary: versionArb },
);
const op = fc.constantFrom("", "", "=", "!=", ">", "<", ">=", "<=", "=>", "=<", "~", "~>", "^");
const comparator = fc.tuple(op, fc.constantFrom("", "", "", " "), rangeVersion).map(([o, s, v]) => `${o}${s}${v}`);
const andGroup = fc.oneof(
  { weight: 4, arbitrary: fc.array(comparator, { minLength: 1, maxLength: 2 }).chain((cs) => fc.array(fc.constantFrom(" ", ", ", ",", "  "), { minLength: cs.length - 1, maxLength: cs.length - 1 }).map((seps) => cs.map((c, i) => (i === 0 ? c : `${seps[i - 1]}${c}`)).join(""))) },
  { weight: 1, arbitrary: fc.tuple(rangeVersion, rangeVersion).map(([a, b]) => `${a} - ${b}`) },
);
/** Ranges: AND groups joined by `||`, and some junk. */
export const rangeArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 10, arbitrary: fc.array(andGroup, { minLength: 1, maxLength: 2 }).map((g) => g.join(" || ")) },
  { weight: 1, arbitrary: fc.constantFrom("", " ", "*", "x", "foo", ">=", "1.2.3 ||", "|| 1", ">= 1.0.0 <2", "1.0.0 - 2", "1 -2", ">1.0.0-rc <1.0.0") },
);

/** One semver case: a range and a version. */
export interface SemverCase {
  range: string;
  version: string;
}
/** Generated semver cases. */
export const semverCaseArb: fc.Arbitrary<SemverCase> = fc.record({ range: rangeArb, version: versionArb });

/** Compares validity of the range, whether the version parses, and whether it satisfies. */
export async function compareSemver(oracle: Oracle, c: SemverCase): Promise<string | undefined> {
  const go = await oracle.ask({ op: "semver", ...c });
  const ours: Record<string, unknown> = {};
  let range;
  try {
    range = parseSemverRange(c.range);
  } catch {
    ours.rangeError = true;
  }
  const v = parseTagVersion(c.version);
  ours.parsed = v !== undefined;
  if (v && range) ours.satisfies = satisfiesRange(range, v);
  const goView = { ...(go.rangeError !== undefined ? { rangeError: true } : {}), parsed: go.parsed, ...(go.satisfies !== undefined ? { satisfies: go.satisfies } : {}) };
  const a = JSON.stringify(goView, Object.keys(goView).sort());
  const b = JSON.stringify(ours, Object.keys(ours).sort());
  return a === b ? undefined : `Go: ${JSON.stringify(go)}\nSlipway: ${b}`;
}

/** One policy case. */
export interface PolicyCase {
  kind: "semver" | "alphabetical" | "numerical";
  range: string;
  order: "asc" | "desc";
  filter?: { pattern: string; extract: string };
  tags: string[];
}

const numberTag = fc.constantFrom("1", "2", "10", "1.5", "-3", "1e3", "0x1p-2", "0x1F", "1_000", "_1", "inf", "NaN", "+Inf", "", " 1", ".5", "5.", "1e400");
const alphaTag = fc.constantFrom("latest", "main-1", "main-2", "20240101", "20231231", "a", "B", "é", "ab", "");
/** Generated policies over tag lists. */
export const policyCaseArb: fc.Arbitrary<PolicyCase> = fc.record(
  {
    kind: fc.constantFrom("semver", "alphabetical", "numerical"),
    range: rangeArb,
    order: fc.constantFrom("asc", "desc"),
    filter: fc.option(
      fc.constantFrom(
        { pattern: "^v?(?P<v>.*)$", extract: "$v" },
        { pattern: "^main-(\\d+)$", extract: "$1" },
        { pattern: "\\.", extract: "" },
        { pattern: "^(?P<n>\\d+)", extract: "${n}" },
        { pattern: "^(\\d+)\\.", extract: "1.$1.0" },
      ),
      { nil: undefined },
    ),
    tags: fc.array(fc.oneof(versionArb, numberTag, alphaTag), { maxLength: 8 }),
  },
  { requiredKeys: ["kind", "range", "order", "tags"] },
);

/** Compares the tag each side selects (or that both fail). */
export async function comparePolicy(oracle: Oracle, c: PolicyCase): Promise<string | undefined> {
  const go = await oracle.ask({ op: "policy", policy: { kind: c.kind, range: c.range, order: c.order, filter: c.filter !== undefined, pattern: c.filter?.pattern ?? "", extract: c.filter?.extract ?? "" }, tags: c.tags });
  const choice: ImagePolicy["choice"] = c.kind === "semver" ? { kind: "semver", range: c.range } : { kind: c.kind, order: c.order };
  const policy: ImagePolicy = { namespace: "ns", name: "p", imageRepositoryRef: { name: "r" }, choice, ...(c.filter ? { filterTags: c.filter } : {}) };
  let ours: string | undefined;
  let error: string | undefined;
  try {
    ours = selectTag(policy, c.tags);
  } catch (err) {
    error = (err as Error).message;
  }
  const goTag = typeof go.tag === "string" ? go.tag : undefined;
  if (goTag === ours) return undefined;
  return `Go: ${JSON.stringify(go)}\nSlipway: ${ours === undefined ? `error ${error ?? ""}` : JSON.stringify(ours)}`;
}
