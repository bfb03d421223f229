// The one tree walker: lexical depth-first order, skipped directories, symlinks followed or not,
// include and descend rules, unreadable directories, cancellation.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { walkTree } from "../../core/walk-tree.ts";

function tree(): string {
  const root = mkdtempSync(path.join(tmpdir(), "slipway-walk-"));
  for (const d of [".git/objects", "b/c", "a", "linked-target"]) mkdirSync(path.join(root, d), { recursive: true });
  for (const f of [".git/HEAD", "b/c/deep.yaml", "b/z.yml", "a/x.yaml", "B.txt", "linked-target/t.yaml"]) writeFileSync(path.join(root, f), "x");
  symlinkSync("linked-target", path.join(root, "dir-link"));
  symlinkSync("a/x.yaml", path.join(root, "file-link.yaml"));
  symlinkSync("nowhere", path.join(root, "dangling"));
  return root;
}

test("entries come depth first in lexical order, relative and slash-separated, nothing skipped by default", async (t) => {
  const root = tree();
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const all = await walkTree(root);
  assert.deepEqual(
    all.map((e) => `${e.path}:${e.kind}`),
    [".git:dir", ".git/HEAD:file", ".git/objects:dir", "B.txt:file", "a:dir", "a/x.yaml:file", "b:dir", "b/c:dir", "b/c/deep.yaml:file", "b/z.yml:file", "dangling:symlink", "dir-link:symlink", "file-link.yaml:symlink", "linked-target:dir", "linked-target/t.yaml:file"],
  );
  assert.equal(all[0]?.absolute, path.join(root, ".git"));
});

test("skipDirs are neither entered nor reported; include filters without stopping descent", async (t) => {
  const root = tree();
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const yaml = await walkTree(root, { skipDirs: [".git"], include: (e) => e.kind === "file" && e.name.endsWith(".yaml") });
  assert.deepEqual(yaml.map((e) => e.path), ["a/x.yaml", "b/c/deep.yaml", "linked-target/t.yaml"]);
});

test("followSymlinks classifies links by their target and descends into linked directories; a dangling link stays a symlink", async (t) => {
  const root = tree();
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const followed = await walkTree(root, { skipDirs: [".git"], followSymlinks: true });
  const kinds = Object.fromEntries(followed.map((e) => [e.path, e.kind]));
  assert.equal(kinds["dir-link"], "dir");
  assert.equal(kinds["dir-link/t.yaml"], "file");
  assert.equal(kinds["file-link.yaml"], "file");
  assert.equal(kinds.dangling, "symlink");
  const notFollowed = await walkTree(root, { skipDirs: [".git"] });
  assert.ok(!notFollowed.some((e) => e.path.startsWith("dir-link/")));
});

test("descend decides per directory; the directory itself is still reported", async (t) => {
  const root = tree();
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const seen = await walkTree(root, { skipDirs: [".git"], descend: (e) => e.path !== "b" });
  assert.ok(seen.some((e) => e.path === "b"));
  assert.ok(!seen.some((e) => e.path.startsWith("b/")));
});

test("an unreadable root fails the walk unless ignoreUnreadable; an aborted signal stops it", async (t) => {
  const root = tree();
  t.after(() => rmSync(root, { recursive: true, force: true }));
  await assert.rejects(walkTree(path.join(root, "missing")), /ENOENT/);
  assert.deepEqual(await walkTree(path.join(root, "missing"), { ignoreUnreadable: true }), []);
  const ac = new AbortController();
  ac.abort(new Error("stop"));
  await assert.rejects(walkTree(root, { signal: ac.signal }), /stop/);
});
