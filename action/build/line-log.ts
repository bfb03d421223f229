/**
 * Turning a builder's streamed output into log lines: chunks are split at newlines, and each
 * complete, non-empty line is logged (secrets are redacted by the logger).
 */
import type { Logger } from "../../core/log.ts";

/** A chunk sink for `run(..., { onOutput })` and a `flush` for the last partial line. */
export interface LineLog {
  onOutput: (chunk: string) => void;
  flush: () => void;
}

/** Creates a sink that logs each output line at debug level (info when `level` says so). */
export function lineLog(log: Logger, level: "debug" | "info" = "info"): LineLog {
  let pending = "";
  const emit = (line: string): void => {
    const text = line.replace(/\r$/, "").trimEnd();
    if (text) log[level](text);
  };
  return {
    onOutput(chunk) {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf("\n")) !== -1) {
        emit(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
    },
    flush() {
      emit(pending);
      pending = "";
    },
  };
}
