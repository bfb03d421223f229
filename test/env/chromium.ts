/**
 * Headless Chromium for the browser tests: Debian's `chromium` package, installed through apt on
 * first use and kept, driven by `playwright-core` through `executablePath` (no browser download).
 * The browser is closed when the test ends.
 */
import { existsSync } from "node:fs";
import type { TestContext } from "node:test";
import { chromium, type Browser } from "playwright-core";
import { ensureDebianPackages, findProgram } from "./apt.ts";

/** Installs Chromium when missing and launches it headless; closed after `t`. */
export async function launchChromium(t: TestContext): Promise<Browser> {
  await ensureDebianPackages([{ program: "chromium", pkg: "chromium" }]);
  // Debian's /usr/bin/chromium is a shell wrapper around the real binary: launch the binary.
  const executablePath = existsSync("/usr/lib/chromium/chromium") ? "/usr/lib/chromium/chromium" : findProgram("chromium");
  if (!executablePath) throw new Error("chromium: not found after installing Debian's chromium package");
  // --no-sandbox: the tests may run as root, where Chromium's sandbox refuses to start.
  const browser = await chromium.launch({ executablePath, headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
  t.after(() => browser.close());
  return browser;
}
