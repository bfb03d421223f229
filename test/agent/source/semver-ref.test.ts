import { test } from "node:test";
import assert from "node:assert/strict";
import { highestSemverTags, parseLsRemoteTags, refNameProblem } from "../../../agent/source/semver-ref.ts";

const sha = (c: string): string => c.repeat(40);

test("ls-remote tags: an annotated tag resolves to the commit of its peeled line", () => {
  const out = [`${sha("a")}\trefs/tags/v1.0.0`, `${sha("b")}\trefs/tags/v1.0.0^{}`, `${sha("c")}\trefs/tags/light`, `${sha("d")}\trefs/heads/main`, ""].join("\n");
  assert.deepEqual(parseLsRemoteTags(out), [
    { tag: "light", sha: sha("c") },
    { tag: "v1.0.0", sha: sha("b") },
  ]);
});

test("semver: the highest tag in the range, read as Flux reads versions; none is Flux's error", () => {
  const tags = ["v1.0.0", "v1.2.0", "v1.10.0", "v2.0.0", "v1.11.0-rc.1", "1.12", "latest", "v1.3.0.1"].map((tag, i) => ({ tag, sha: sha(String(i)) }));
  assert.deepEqual(highestSemverTags(">=1.0.0 <2.0.0", tags).map((t) => t.tag), ["v1.10.0"], "1.12 (two parts) and v1.3.0.1 are not versions, a prerelease needs a prerelease range");
  assert.deepEqual(highestSemverTags("~1.2", tags).map((t) => t.tag), ["v1.2.0"]);
  assert.deepEqual(highestSemverTags(">=1.11.0-0 <2.0.0", tags).map((t) => t.tag), ["v1.11.0-rc.1"]);
  assert.deepEqual(highestSemverTags("*", tags).map((t) => t.tag), ["v2.0.0"]);
  assert.throws(() => highestSemverTags(">=3.0.0", tags), /^SlipwayError: semver range ">=3\.0\.0": no match found for semver: >=3\.0\.0 \(8 tags in the repository\)/);
  const tied = [{ tag: "v1.0.0+a", sha: sha("a") }, { tag: "v1.0.0+b", sha: sha("b") }, { tag: "v0.9.0", sha: sha("c") }];
  assert.deepEqual(highestSemverTags("1.x", tied).map((t) => t.tag), ["v1.0.0+a", "v1.0.0+b"], "build metadata ties: both returned for the commit-time tie-break");
});

test("ref names follow git's check-ref-format rules", () => {
  for (const ok of ["refs/heads/main", "refs/pull/420/head", "refs/merge-requests/1/head", "refs/tags/v0.1.0"]) assert.equal(refNameProblem(ok), undefined, ok);
  for (const bad of ["main", "refs/heads/", "refs/heads/a b", "refs/heads/a..b", "refs/heads/.x", "refs/heads/x.lock", "refs//x", "refs/heads/a@{1}", "refs/heads/a:b", "refs/heads/x."]) assert.ok(refNameProblem(bad), bad);
});
