/**
 * Mounts left under the .testenv directory (by dockerd's storage driver or network namespaces):
 * found in /proc/self/mountinfo and unmounted deepest first, so that `down` leaves none behind.
 */
import { readFileSync } from "node:fs";
import { run } from "../../core/exec.ts";

/** Decodes the octal escapes (`\040` for a space) of a mountinfo path. */
function unescapeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Mount points at or below `dir` in mountinfo text, deepest first. Pure. */
export function mountsUnder(mountinfo: string, dir: string): string[] {
  const prefix = dir.endsWith("/") ? dir : `${dir}/`;
  const points = mountinfo
    .split("\n")
    .map((line) => line.split(" ")[4])
    .filter((p): p is string => p !== undefined)
    .map(unescapeMountPath)
    .filter((p) => p === dir || p.startsWith(prefix));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** Lists the mount points below `dir` now. */
export function currentMountsUnder(dir: string): string[] {
  return mountsUnder(readFileSync("/proc/self/mountinfo", "utf8"), dir);
}

/** Unmounts (lazily) every mount below `dir`; returns the ones that could not be unmounted. */
export async function unmountUnder(dir: string, signal?: AbortSignal): Promise<string[]> {
  for (const point of currentMountsUnder(dir)) {
    await run("umount", ["-l", point], { signal, okCodes: [0, 1, 32] });
  }
  return currentMountsUnder(dir);
}
