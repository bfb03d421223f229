/**
 * Test helper: a private copy of the tiny image context in test/fixtures/images/hello with a
 * unique stamp file, so each build has its own digest; removed after the test.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import os from "node:os";
import path from "node:path";

const fixture = path.resolve(import.meta.dirname, "../../fixtures/images/hello");

/** Copies the fixture context to a temporary directory and returns its path. */
export function imageContext(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "slipway-ctx-"));
  cpSync(fixture, dir, { recursive: true });
  writeFileSync(path.join(dir, "stamp.txt"), randomBytes(16).toString("hex"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
