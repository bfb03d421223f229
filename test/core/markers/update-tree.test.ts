/** updateMarkers over real directory trees in a temporary directory. */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { parseImageRef } from "../../../core/image-ref.ts";
import { updateMarkers } from "../../../core/markers/update-tree.ts";

const images = new Map([["flux-system:app", parseImageRef("r.example.com/app:2")]]);
const marked = (v = "r.example.com/app:1") => `image: ${v} # {"$imagepolicy": "flux-system:app"}\n`;

let base: string;
before(async () => {
  base = await mkdtemp(path.join(tmpdir(), "slipway-update-tree-"));
});
after(async () => {
  await rm(base, { recursive: true, force: true });
});

async function tree(name: string, files: Record<string, string>): Promise<string> {
  const root = path.join(base, name);
  for (const [file, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), content);
  }
  return root;
}

describe("updateMarkers", () => {
  test("walks *.yaml, *.yml and Kustomization files (hidden dirs too), skips other names and .git", async () => {
    const root = await tree("walk", {
      "a.yaml": marked(),
      "sub/b.yml": marked(),
      "sub/deeper/Kustomization": marked(),
      ".hidden/c.yaml": marked(),
      "notes.txt": marked(),
      "d.yaml.bak": marked(),
      "kustomization.json": marked(),
      ".git/e.yaml": marked(),
    });
    const result = await updateMarkers({ root, images });
    assert.deepEqual(result.changedFiles, [".hidden/c.yaml", "a.yaml", "sub/b.yml", "sub/deeper/Kustomization"]);
    assert.equal(await readFile(path.join(root, "a.yaml"), "utf8"), marked("r.example.com/app:2"));
    for (const untouched of ["notes.txt", "d.yaml.bak", "kustomization.json", ".git/e.yaml"]) {
      assert.equal(await readFile(path.join(root, untouched), "utf8"), marked(), untouched);
    }
    assert.deepEqual(result.changes.map((c) => `${c.file}:${c.line}`), [".hidden/c.yaml:1", "a.yaml:1", "sub/b.yml:1", "sub/deeper/Kustomization:1"]);
  });

  test("path limits the walk; file names stay relative to root", async () => {
    const root = await tree("path", { "clusters/eks/shop/d.yaml": marked(), "other/d.yaml": marked() });
    const result = await updateMarkers({ root, path: "clusters/eks", images });
    assert.deepEqual(result.changedFiles, ["clusters/eks/shop/d.yaml"]);
    assert.equal(await readFile(path.join(root, "other/d.yaml"), "utf8"), marked());
  });

  test("dryRun writes nothing but reports changes and before/after text", async () => {
    const root = await tree("dry", { "a.yaml": marked() });
    const mtime = (await stat(path.join(root, "a.yaml"))).mtimeMs;
    const result = await updateMarkers({ root, images, dryRun: true });
    assert.deepEqual(result.changedFiles, ["a.yaml"]);
    assert.deepEqual(result.diffs, [{ file: "a.yaml", before: marked(), after: marked("r.example.com/app:2") }]);
    assert.equal(await readFile(path.join(root, "a.yaml"), "utf8"), marked());
    assert.equal((await stat(path.join(root, "a.yaml"))).mtimeMs, mtime);
  });

  test("files without a change are not rewritten (mtime kept)", async () => {
    const root = await tree("unchanged", { "same.yaml": marked("r.example.com/app:2"), "other.yaml": 'x: 1 # {"$imagepolicy": "other:p"}\n' });
    const times = await Promise.all(["same.yaml", "other.yaml"].map(async (f) => (await stat(path.join(root, f))).mtimeMs));
    await new Promise((r) => setTimeout(r, 20));
    const result = await updateMarkers({ root, images });
    assert.deepEqual(result.changedFiles, []);
    assert.deepEqual(await Promise.all(["same.yaml", "other.yaml"].map(async (f) => (await stat(path.join(root, f))).mtimeMs)), times);
  });

  test("a marked file that does not parse is a warning; the run goes on", async () => {
    const root = await tree("broken", { "a-broken.yaml": 'a: [x # {"$imagepolicy": "flux-system:app"}\n', "b.yaml": marked() });
    const result = await updateMarkers({ root, images });
    assert.deepEqual(result.changedFiles, ["b.yaml"]);
    assert.equal(result.warnings.length, 1);
    assert.match(result.warnings[0] ?? "", /^a-broken\.yaml:\d+: not valid YAML/);
  });

  test("a file that is not UTF-8 is a warning and stays byte-identical", async () => {
    const root = await tree("latin1", { "keep.txt": "" });
    const bytes = Buffer.concat([Buffer.from("# caf"), Buffer.from([0xe9]), Buffer.from("\n" + marked())]);
    await writeFile(path.join(root, "l.yaml"), bytes);
    const result = await updateMarkers({ root, images });
    assert.match(result.warnings[0] ?? "", /^l\.yaml:1: not UTF-8/);
    assert.ok((await readFile(path.join(root, "l.yaml"))).equals(bytes));
  });

  for (const [name, p, why] of [
    ["..", "..", /leaves the root/],
    ["../sibling", "../sibling", /leaves the root/],
    ["absolute", "/etc", /must be relative/],
    ["missing", "nope", /does not exist/],
  ] as const) {
    test(`path ${name} is an error naming it`, async () => {
      const root = await tree(`bad-${name.replaceAll(/[^a-z]/g, "")}`, { "a.yaml": marked() });
      await assert.rejects(updateMarkers({ root, path: p, images }), (err: Error) => err.message.startsWith(`path "${p}"`) && why.test(err.message));
      assert.equal(await readFile(path.join(root, "a.yaml"), "utf8"), marked());
    });
  }

  test("a path that is a symlink out of root is an error", async () => {
    const outside = await tree("outside-dir", { "x.yaml": marked() });
    const root = await tree("link-dir", { "a.yaml": marked() });
    await symlink(outside, path.join(root, "out"));
    await assert.rejects(updateMarkers({ root, path: "out", images }), /path "out": resolves to .* outside the root/);
    assert.equal(await readFile(path.join(outside, "x.yaml"), "utf8"), marked());
  });

  test("a manifest symlinked out of root is an error naming it, and nothing is written", async () => {
    const outside = await tree("outside-file", { "x.yaml": marked() });
    const root = await tree("link-file", { "a.yaml": marked() });
    await symlink(path.join(outside, "x.yaml"), path.join(root, "z.yaml"));
    await assert.rejects(updateMarkers({ root, images }), (err: Error) => err.message.startsWith("z.yaml: is a symlink to"));
    assert.equal(await readFile(path.join(outside, "x.yaml"), "utf8"), marked());
    assert.equal(await readFile(path.join(root, "a.yaml"), "utf8"), marked());
  });

  test("symlinked directories inside root are not followed (their target is updated once, where it lives)", async () => {
    const root = await tree("link-inside", { "real/a.yaml": marked() });
    await symlink(path.join(root, "real"), path.join(root, "alias"));
    const result = await updateMarkers({ root, images });
    assert.deepEqual(result.changedFiles, ["real/a.yaml"]);
  });

  test("an aborted signal stops the walk", async () => {
    const root = await tree("abort", { "a.yaml": marked() });
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    await assert.rejects(updateMarkers({ root, images, signal: controller.signal }), /stop/);
    assert.equal(await readFile(path.join(root, "a.yaml"), "utf8"), marked());
  });
});

describe("updateMarkers I/O errors", () => {
  test("a marked file that cannot be written is an error naming it", async (t) => {
    const { chmod } = await import("node:fs/promises");
    const { spawnSync } = await import("node:child_process");
    const root = await tree("readonly", { "ro.yaml": marked() });
    const file = path.join(root, "ro.yaml");
    await chmod(file, 0o444);
    // root ignores file modes; the immutable attribute stops root too (ext4/xfs).
    const immutable = process.getuid?.() === 0 && spawnSync("chattr", ["+i", file]).status === 0;
    if (process.getuid?.() === 0 && !immutable) return t.skip("running as root without chattr: cannot make a file unwritable");
    try {
      await assert.rejects(updateMarkers({ root, images }), (err: Error) => err.message.startsWith("ro.yaml: cannot be written"));
      assert.equal(await readFile(file, "utf8"), marked());
    } finally {
      if (immutable) spawnSync("chattr", ["-i", file]);
    }
  });
});
