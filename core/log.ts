/**
 * Logging. The agent logs one JSON object per line (time, level, msg and context fields such as
 * sync, source, revision, object), as cluster controllers do; the CLI prints for people.
 * Secrets are redacted here, not at each call site: the message and every string field are
 * redacted before they are encoded (JSON-escaping a secret that holds `"` or `\` would otherwise
 * hide it from the redactor), and the encoded line once more.
 */
import { redact } from "./redact.ts";

/** Log levels, lowest first. */
export type LogLevel = "debug" | "info" | "warn" | "error";

const order: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Structured context fields attached to a log line. */
export type LogFields = Record<string, string | number | boolean | undefined | null>;

/** A logger with bound context fields. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** Returns a logger that adds `fields` to every line. */
  with(fields: LogFields): Logger;
}

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** `json` writes one JSON object per line; `text` writes `level msg k=v`. Default `json`. */
  format?: "json" | "text";
  /** Lowest level written. Default `info`. */
  level?: LogLevel;
  /** Where lines go. Default process.stderr. */
  write?: (line: string) => void;
  /** Clock, for tests. Default `() => new Date()`. */
  now?: () => Date;
}

/** Creates a logger that redacts registered secrets from every line it writes. */
export function createLogger(options: LoggerOptions = {}, bound: LogFields = {}): Logger {
  const format = options.format ?? "json";
  const min = order[options.level ?? "info"];
  const write = options.write ?? ((line: string) => process.stderr.write(line + "\n"));
  const now = options.now ?? (() => new Date());
  const emit = (level: LogLevel, msg: string, fields?: LogFields): void => {
    if (order[level] < min) return;
    const all: LogFields = {};
    for (const [k, v] of Object.entries({ ...bound, ...fields })) all[k] = typeof v === "string" ? redact(v) : v;
    const text = redact(msg);
    let line: string;
    if (format === "json") {
      const obj: Record<string, unknown> = { time: now().toISOString(), level, msg: text };
      for (const [k, v] of Object.entries(all)) if (v !== undefined) obj[k] = v;
      line = JSON.stringify(obj);
    } else {
      const kv = Object.entries(all)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(" ");
      line = `${level} ${text}${kv ? " " + kv : ""}`;
    }
    write(redact(line));
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    with: (fields) => createLogger(options, { ...bound, ...fields }),
  };
}
