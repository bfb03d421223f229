/**
 * A lock file so that two `up`/`down` runs (two test commands started at once) do not start the
 * same daemons twice: the second waits for the first. A lock whose process died is taken over.
 */
import { openSync, closeSync, writeFileSync, readFileSync, rmSync } from "node:fs";
import { SlipwayError } from "../../core/errors.ts";
import { sleep } from "../../core/retry.ts";

function holderAlive(file: string): boolean {
  try {
    const pid = Number(readFileSync(file, "utf8").trim());
    if (!Number.isInteger(pid) || pid <= 0) return false;
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Takes the lock `file` and returns its release; waits up to `timeoutMs` (default 15 min) while a
 * live process holds it, and takes over a lock whose holder died. `what` names the holder in the
 * timeout error.
 */
export async function acquireLock(file: string, signal: AbortSignal, timeoutMs = 15 * 60_000, what = "another `testenv up/down`"): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(file, "wx");
      writeFileSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw new SlipwayError(file, "cannot create the lock file", { cause: err });
      if (!holderAlive(file)) {
        rmSync(file, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new SlipwayError(file, `${what} holds the lock for too long`);
      await sleep(500, signal);
    }
  }
}

/** Runs `fn` holding the lock `file`; waits up to `timeoutMs` (default 15 min) for another holder. */
export async function withLock<T>(file: string, signal: AbortSignal, fn: () => Promise<T>, timeoutMs = 15 * 60_000): Promise<T> {
  const release = await acquireLock(file, signal, timeoutMs);
  try {
    return await fn();
  } finally {
    release();
  }
}
