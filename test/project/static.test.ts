// Static checks that run with the suite: typecheck, lint, file naming, and a dist/action.js that
// matches the source (GitHub runs the committed bundle, so a stale one ships old code).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import ts from "typescript";

const root = path.resolve(import.meta.dirname, "../..");
const bin = (name: string): string => path.join(root, "node_modules/.bin", name);

function sh(cmd: string, args: string[]): { status: number | null; out: string } {
  const r = spawnSync(cmd, args, { cwd: root, encoding: "utf8" });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

test("typecheck passes (tsc --noEmit, strict)", () => {
  const r = sh(bin("tsc"), ["-p", "tsconfig.json", "--noEmit"]);
  assert.equal(r.status, 0, r.out);
});

test("lint passes with no warnings", () => {
  const globs = ["core", "action", "agent", "cli", "test", "scripts", "bench", "examples"].map((d) => `${d}/**/*.ts`);
  const r = sh(bin("eslint"), ["--max-warnings=0", "--no-warn-ignored", "--no-error-on-unmatched-pattern", ...globs]);
  assert.equal(r.status, 0, r.out);
});

test("source files are kebab-case", () => {
  const bad: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(path.join(root, dir))) {
      const rel = path.join(dir, name);
      if (name === "node_modules" || name === "fixtures" || name.startsWith(".")) continue;
      if (statSync(path.join(root, rel)).isDirectory()) walk(rel);
      else if (name.endsWith(".ts") && !/^[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+)*\.ts$/.test(name)) bad.push(rel);
    }
  };
  for (const d of ["core", "action", "agent", "cli", "test", "scripts", "bench", "examples"]) walk(d);
  assert.deepEqual(bad, []);
});

test("committed dist/action.js is what the source builds", () => {
  const out = mkdtempSync(path.join(tmpdir(), "slipway-build-"));
  try {
    const r = sh(process.execPath, ["scripts/build.ts", "--outdir", out]);
    assert.equal(r.status, 0, r.out);
    const fresh = readFileSync(path.join(out, "action.js"), "utf8");
    const committed = readFileSync(path.join(root, "dist/action.js"), "utf8");
    assert.ok(fresh === committed, "dist/action.js is stale: run `npm run build` and commit dist/action.js");
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("every export of the shipped code has a doc comment", () => {
  const undocumented: string[] = [];
  const walk = (dir: string): string[] =>
    readdirSync(path.join(root, dir)).flatMap((name) => {
      const rel = path.join(dir, name);
      if (statSync(path.join(root, rel)).isDirectory()) return walk(rel);
      return name.endsWith(".ts") ? [rel] : [];
    });
  for (const file of ["core", "action", "agent", "cli"].flatMap(walk)) {
    const sf = ts.createSourceFile(file, readFileSync(path.join(root, file), "utf8"), ts.ScriptTarget.Latest, true);
    for (const st of sf.statements) {
      const exported = ts.canHaveModifiers(st) && ts.getModifiers(st)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
      if (exported && ts.getJSDocCommentsAndTags(st).length === 0) {
        undocumented.push(`${file}:${sf.getLineAndCharacterOfPosition(st.getStart()).line + 1}`);
      }
    }
  }
  assert.deepEqual(undocumented, []);
});
