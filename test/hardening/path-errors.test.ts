// `slipway build --path` given a file, a path that does not exist, or a directory holding a
// UTF-16 manifest: each a one-line message that names the path and says what to do.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { runCli } from "../cli/run-cli.ts";

const manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: u\n";
const utf16 = (text: string): Buffer => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);

test("--path errors are one line naming the path and what to do", async (t) => {
  const root = await mkdtemp(path.join(tmpdir(), "slipway-path-errors-"));
  t.after(() => rm(root, { recursive: true, force: true }));
  await writeFile(path.join(root, "file.yaml"), manifest);
  await mkdir(path.join(root, "plain"));
  await writeFile(path.join(root, "plain/cm.yaml"), utf16(manifest));
  await mkdir(path.join(root, "kustomized"));
  await writeFile(path.join(root, "kustomized/kustomization.yaml"), "resources: [cm.yaml]\n");
  await writeFile(path.join(root, "kustomized/cm.yaml"), utf16(manifest));
  const rows: [string, RegExp][] = [
    ["file.yaml", /^✗ --path .*\/file\.yaml: is a file, not a directory: give the directory that holds it \(--path .*slipway-path-errors-\w+\)$/],
    ["nope", /^✗ --path .*\/nope: does not exist: give a directory of manifests \(or one with a kustomization\.yaml\)$/],
    ["plain", /^✗ cm\.yaml: is UTF-16 \(or UTF-32\) text, not UTF-8: convert it \(iconv -f UTF-16 -t UTF-8 cm\.yaml\) and commit it again$/],
    ["kustomized", /^✗ path \.: cm\.yaml: is UTF-16 \(or UTF-32\) text, not UTF-8: convert it/],
  ];
  for (const [p, want] of rows) {
    const r = await runCli(["build", "--path", p], { cwd: root });
    assert.equal(r.code, 1, p);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, `${p}: one line: ${r.stderr}`);
    assert.match(lines[0] ?? "", want);
  }
});
