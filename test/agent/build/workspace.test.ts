// Copying a local tree into a build workspace: .git left out at any depth (directory or file),
// symlinks copied as links, .sourceignore applied.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { copyIntoWorkspace, createWorkspace } from "../../../agent/build/workspace.ts";

test("copyIntoWorkspace leaves out every .git, keeps symlinks as links and applies .sourceignore", async (t) => {
  const from = mkdtempSync(path.join(tmpdir(), "slipway-ws-src-"));
  const ws = await createWorkspace();
  t.after(async () => {
    rmSync(from, { recursive: true, force: true });
    await ws.dispose();
  });
  mkdirSync(path.join(from, ".git/objects"), { recursive: true });
  mkdirSync(path.join(from, "apps/sub"), { recursive: true });
  writeFileSync(path.join(from, ".git/HEAD"), "ref\n");
  writeFileSync(path.join(from, "apps/sub/.git"), "gitdir: ../../.git/modules/sub\n");
  writeFileSync(path.join(from, "apps/deploy.yaml"), "kind: A\n");
  writeFileSync(path.join(from, "apps/notes.txt"), "n\n");
  writeFileSync(path.join(from, ".sourceignore"), "*.txt\n");
  symlinkSync("deploy.yaml", path.join(from, "apps/link.yaml"));
  await copyIntoWorkspace(from, ws);
  assert.ok(!existsSync(path.join(ws.root, ".git")));
  assert.ok(!existsSync(path.join(ws.root, "apps/sub/.git")));
  assert.ok(existsSync(path.join(ws.root, "apps/sub")));
  assert.equal(readFileSync(path.join(ws.root, "apps/deploy.yaml"), "utf8"), "kind: A\n");
  assert.ok(!existsSync(path.join(ws.root, "apps/notes.txt")), ".sourceignore applied");
  assert.ok(lstatSync(path.join(ws.root, "apps/link.yaml")).isSymbolicLink());
  assert.equal(readlinkSync(path.join(ws.root, "apps/link.yaml")), "deploy.yaml");
});
