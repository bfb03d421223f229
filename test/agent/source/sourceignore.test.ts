import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, writeFileSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { compileIgnore, createIgnoreMatcher, ignoredPaths } from "../../../agent/source/sourceignore.ts";
import { applySourceIgnore, listTree } from "../../../agent/source/apply-sourceignore.ts";

const m = (text: string) => createIgnoreMatcher(compileIgnore(text));

test("gitignore basics: unanchored names match at any depth, anchored ones at the root", () => {
  const r = m("*.md\n/secrets.yaml\ndocs/\n");
  assert.ok(r.ignores("README.md", false));
  assert.ok(r.ignores("a/b/NOTES.md", false));
  assert.ok(r.ignores("secrets.yaml", false));
  assert.ok(!r.ignores("apps/secrets.yaml", false), "a leading / anchors at the root");
  assert.ok(r.ignores("docs", true));
  assert.ok(r.ignores("x/docs", true));
  assert.ok(!r.ignores("docs", false), "a trailing / matches directories only");
});

test("negation, last match wins; ** and character classes", () => {
  const r = m("*.yaml\n!keep.yaml\napps/**/test-*.yaml\nenv-[0-9]/\n");
  assert.ok(r.ignores("a.yaml", false));
  assert.ok(!r.ignores("x/keep.yaml", false));
  assert.ok(r.ignores("apps/test-a.yaml", false), "**/ matches zero directories");
  assert.ok(r.ignores("apps/a/b/test-a.yaml", false));
  assert.ok(r.ignores("env-3", true));
  assert.ok(!r.ignores("env-x", true));
  const star = m("a/*\n");
  assert.ok(star.ignores("a/b", false));
  assert.ok(!star.ignores("a/b/c", false), "* does not cross /");
  assert.ok(m("a/**\n").ignores("a/b/c", false));
});

test("comments, blank lines and escapes", () => {
  const r = m("# comment\n\n\\#hash.yaml\n\\!bang.yaml\n");
  assert.ok(r.ignores("#hash.yaml", false));
  assert.ok(r.ignores("!bang.yaml", false));
  assert.ok(!r.ignores("comment", false));
});

test("a file under an ignored directory stays ignored, even if re-included; nested files are scoped", () => {
  const ignored = ignoredPaths(
    ["build/", "build/keep.yaml", "apps/", "apps/.sourceignore", "apps/local.yaml", "local.yaml", ".github/", ".github/workflows.yml", "logo.png", "deploy.yaml"],
    new Map([
      ["", "build/\n!build/keep.yaml\n"],
      ["apps", "/local.yaml\n"],
    ]),
  );
  assert.deepEqual([...ignored].sort(), [".github/", ".github/workflows.yml", "apps/local.yaml", "build/", "build/keep.yaml", "logo.png"]);
});

test("applySourceIgnore deletes ignored files from a real tree", async () => {
  const root = mkdtempSync(path.join(tmpdir(), "slipway-ignore-"));
  mkdirSync(path.join(root, "clusters/eks/shop"), { recursive: true });
  mkdirSync(path.join(root, "clusters/eks/drafts"), { recursive: true });
  writeFileSync(path.join(root, ".sourceignore"), "drafts/\n*.txt\n");
  writeFileSync(path.join(root, "clusters/eks/shop/deploy.yaml"), "kind: x\n");
  writeFileSync(path.join(root, "clusters/eks/shop/notes.txt"), "n\n");
  writeFileSync(path.join(root, "clusters/eks/drafts/wip.yaml"), "kind: y\n");
  const removed = await applySourceIgnore(root);
  assert.deepEqual(removed, ["clusters/eks/drafts/", "clusters/eks/shop/notes.txt"]);
  assert.ok(existsSync(path.join(root, "clusters/eks/shop/deploy.yaml")));
  assert.ok(!existsSync(path.join(root, "clusters/eks/drafts")));
  assert.deepEqual(await listTree(root), [".sourceignore", "clusters/", "clusters/eks/", "clusters/eks/shop/", "clusters/eks/shop/deploy.yaml"]);
});

test("Flux's default exclusions apply without any .sourceignore, and a .sourceignore can re-include one", () => {
  const paths = [".git/", ".git/HEAD", ".github/", ".github/ci.yml", "a/.sops.yaml", "a/deploy.yaml", "logo.PNG", "logo.png", "x.tar.gz", "cloudbuild.yaml"];
  assert.deepEqual([...ignoredPaths(paths, new Map())].sort(), [".git/", ".git/HEAD", ".github/", ".github/ci.yml", "a/.sops.yaml", "cloudbuild.yaml", "logo.png", "x.tar.gz"]);
  assert.deepEqual([...ignoredPaths(paths, new Map([["", "!.github/\n!cloudbuild.yaml\n"]]))].sort(), [".git/", ".git/HEAD", "a/.sops.yaml", "logo.png", "x.tar.gz"]);
});

test("a nested .sourceignore is scoped to its directory: unanchored at any depth below it, anchored at it", () => {
  const paths = ["README.md", "apps/", "apps/README.md", "apps/x/", "apps/x/NOTES.md", "apps/x/only.yaml", "apps/only.yaml", "other/", "other/only.yaml"];
  const ignored = ignoredPaths(paths, new Map([["apps", "*.md\nx/only.yaml\n"]]));
  assert.deepEqual([...ignored].sort(), ["apps/README.md", "apps/x/NOTES.md", "apps/x/only.yaml"]);
});

test("matching is case-sensitive, as git's and Flux's", () => {
  assert.ok(!m("*.yaml\n").ignores("A.YAML", false));
  assert.ok(m("*.yaml\n").ignores("a.yaml", false));
});

test("a GitRepository's spec.ignore replaces the default exclusions; the repository's .sourceignore files still apply", async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), "slipway-ignore-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  for (const f of ["apps/a.yaml", "apps/logo.png", "docs/readme.yaml", "apps/local.yaml"]) {
    mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    writeFileSync(path.join(root, f), "x: 1\n");
  }
  writeFileSync(path.join(root, "apps/.sourceignore"), "local.yaml\n");
  const removed = await applySourceIgnore(root, undefined, "/docs/\n");
  assert.deepEqual(removed, ["apps/local.yaml", "docs/"]);
  assert.ok(existsSync(path.join(root, "apps/logo.png")), "the default exclusion of images no longer applies");
  assert.ok(existsSync(path.join(root, "apps/a.yaml")));
});
