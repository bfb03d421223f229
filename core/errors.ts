/**
 * Errors that name what they are about. Every error Slipway shows a person starts with the
 * object, file or input it concerns ("input image: …", "Deployment/shop/account: …") and keeps
 * the underlying error as `cause`. Messages are redacted when the error is made (see
 * core/redact.ts), so no registered secret survives in a message, whoever prints it.
 */
import { redact } from "./redact.ts";

/** An error about one named thing (an input, a file:line, an object id), with an optional cause. */
export class SlipwayError extends Error {
  /** What the error is about: an input name, `file:line`, `Kind/ns/name`. */
  readonly subject: string;

  constructor(subject: string, message: string, options?: { cause?: unknown }) {
    super(redact(`${subject}: ${message}`), options);
    this.name = "SlipwayError";
    this.subject = redact(subject);
  }
}

/** Returns the message of any thrown value (redacted), following `cause` chains one level for context. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause;
    if (cause instanceof Error && !err.message.includes(cause.message)) {
      return redact(`${err.message}: ${cause.message}`);
    }
    return redact(err.message);
  }
  return redact(String(err));
}

/** Throws the signal's reason when the signal has been aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw signal.reason instanceof Error ? signal.reason : new Error("aborted", { cause: signal.reason });
  }
}
