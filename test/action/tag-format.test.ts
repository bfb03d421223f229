import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { DEFAULT_TAG_FORMAT, formatTag, sanitizeBranch } from "../../action/tag-format.ts";
import { assertValidTag, isValidTag } from "../../core/image-ref.ts";

const seedTime = new Date(Date.UTC(2021, 5, 8, 5, 27, 21));
const sha = "0123456789abcdef0123456789abcdef01234567";

test("the default template is the seed's UTC timestamp", () => {
  assert.equal(formatTag(DEFAULT_TAG_FORMAT, { now: seedTime }), "20210608052721");
});

test("timestamp is UTC whatever the local offset of the Date", () => {
  // 23:59:59 on Dec 31 in UTC-5 is already the next year in UTC.
  const d = new Date("2021-12-31T23:59:59-05:00");
  assert.equal(formatTag("{timestamp}", { now: d }), "20220101045959");
  assert.equal(formatTag("{date}", { now: d }), "20220101");
});

test("every token renders", () => {
  const ctx = { now: seedTime, sha, branch: "feature/login page", buildNumber: "42" };
  assert.equal(formatTag("{date}-{short-sha}", ctx), "20210608-0123456");
  assert.equal(formatTag("{sha}", ctx), sha);
  assert.equal(formatTag("{branch}-{build}-{timestamp}", ctx), "feature-login-page-42-20210608052721");
  assert.equal(formatTag("v1.{build}", ctx), "v1.42");
});

test("branch names are sanitized to the tag alphabet", () => {
  assert.equal(sanitizeBranch("refs/heads/release/1.2"), "release-1.2");
  assert.equal(sanitizeBranch("-x/y"), "x-y");
  assert.equal(sanitizeBranch("ünïcode"), "n-code");
  assert.equal(formatTag("{branch}", { now: seedTime, branch: "main" }), "main");
});

test("unknown tokens and broken braces are errors naming the template", () => {
  assert.throws(() => formatTag("{timestamp}-{nope}", { now: seedTime }), /^SlipwayError: tag-format "\{timestamp\}-\{nope\}": unknown token \{nope\}/);
  assert.throws(() => formatTag("{timestamp", { now: seedTime }), /tag-format "\{timestamp": unclosed "\{"/);
  assert.throws(() => formatTag("a}b", { now: seedTime }), /tag-format "a\}b": unmatched "\}"/);
});

test("a token whose value is missing is an error, not an empty string", () => {
  assert.throws(() => formatTag("{short-sha}", { now: seedTime }), /tag-format "\{short-sha\}": \{short-sha\} needs the commit SHA/);
  assert.throws(() => formatTag("{branch}", { now: seedTime, branch: "" }), /\{branch\} needs the branch name/);
  assert.throws(() => formatTag("{branch}", { now: seedTime, branch: "///" }), /\{branch\} needs a branch name with at least one tag character/);
  assert.throws(() => formatTag("{build}", { now: seedTime }), /\{build\} needs the CI build number/);
});

test("results that are not OCI tags are rejected", () => {
  assert.throws(() => formatTag("-{timestamp}", { now: seedTime }), /tag-format "-\{timestamp\}": "-20210608052721" is not a valid image tag: it must not start/);
  assert.throws(() => formatTag("a b", { now: seedTime }), /contains characters outside/);
  assert.throws(() => formatTag("", { now: seedTime }), /is empty/);
  assert.throws(() => formatTag("{sha}{sha}{sha}{sha}", { now: seedTime, sha }), /is 160 characters long/);
  assert.throws(() => formatTag("{timestamp}", { now: new Date(Number.NaN) }), /not a valid date/);
});

test("assertValidTag names its subject", () => {
  assert.throws(() => assertValidTag("a:b", "input extra-tags"), /^SlipwayError: input extra-tags: "a:b" is not a valid image tag/);
  assert.doesNotThrow(() => assertValidTag("_x.y-z", "t"));
});

test("timestamp tags sort in time order and are always valid tags", () => {
  const range = fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-12-31T23:59:59Z"), noInvalidDate: true });
  fc.assert(
    fc.property(range, range, (a, b) => {
      const ta = formatTag("{timestamp}", { now: a });
      const tb = formatTag("{timestamp}", { now: b });
      assert.ok(isValidTag(ta) && ta.length === 14);
      const sa = Math.floor(a.getTime() / 1000);
      const sb = Math.floor(b.getTime() / 1000);
      assert.equal(Math.sign(ta.localeCompare(tb)), Math.sign(sa - sb));
    }),
  );
});

test("any branch name gives a valid tag or a clear error", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 60 }), (branch) => {
      try {
        assert.ok(isValidTag(formatTag("{branch}", { now: seedTime, branch })));
      } catch (err) {
        assert.match(String(err), /tag-format "\{branch\}"/);
      }
    }),
  );
});
