/**
 * `.testenv/env`: the shell-sourceable description of the running infrastructure
 * (`KEY='value'` lines) that test/env/harness.ts reads. In a shell: `set -a; . .testenv/env; set +a`.
 */
import { writeFileSync } from "node:fs";
import { testEnvKeys } from "./harness.ts";

/** Quotes a value for a POSIX shell single-quoted string. */
export function shellSingleQuote(value: string): string {
  return `'${value.replace(/'/g, "'\\''")}'`;
}

/** The harness keys (test/env/harness.ts) that `vars` has no value for. */
export function missingEnvKeys(vars: Record<string, string>): string[] {
  return Object.values(testEnvKeys).filter((k) => vars[k] === undefined);
}

/** Returns the file text: the harness keys first in their declared order, then the extras sorted. */
export function envFileText(vars: Record<string, string>): string {
  const known: string[] = Object.values(testEnvKeys).filter((k) => vars[k] !== undefined);
  const extras = Object.keys(vars).filter((k) => !known.includes(k)).sort();
  const lines = [...known, ...extras].map((k) => `${k}=${shellSingleQuote(vars[k] ?? "")}`);
  return ["# Written by `npm run testenv -- up`. In a shell: set -a; . .testenv/env; set +a", ...lines, ""].join("\n");
}

/** Writes the environment file (mode 0600: it holds test passwords). */
export function writeEnvFile(file: string, vars: Record<string, string>): void {
  writeFileSync(file, envFileText(vars), { mode: 0o600 });
}
