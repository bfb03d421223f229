/**
 * Errors that name what they are about. Every error Slipway shows a person starts with the
 * object, file or input it concerns ("input image: …", "Deployment/shop/account: …") and keeps
 * the underlying error as `cause`.
 */

/** An error about one named thing (an input, a file:line, an object id), with an optional cause. */
export class SlipwayError extends Error {
  /** What the error is about: an input name, `file:line`, `Kind/ns/name`. */
  readonly subject: string;

  constructor(subject: string, message: string, options?: { cause?: unknown }) {
    super(`${subject}: ${message}`, options);
    this.name = "SlipwayError";
    this.subject = subject;
  }
}

/** Returns the message of any thrown value, following `cause` chains one level for context. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause;
    if (cause instanceof Error && !err.message.includes(cause.message)) {
      return `${err.message}: ${cause.message}`;
    }
    return err.message;
  }
  return String(err);
}

/** Throws the signal's reason when the signal has been aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw signal.reason instanceof Error ? signal.reason : new Error("aborted", { cause: signal.reason });
  }
}
