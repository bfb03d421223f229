/**
 * The error a watch ends with when its stream goes silent: a connection that stays open but
 * carries no byte for the idle limit (a NAT or load balancer that dropped the flow, a frozen
 * proxy). The watch loop resumes such a stream from the last resourceVersion instead of backing
 * off, as it does for a stream the server closed.
 */
import { SlipwayError } from "../../core/errors.ts";

/** No byte arrived on a watch for `idleMs`; `answered` says whether the server had sent the response head before it went silent. */
export class WatchIdleError extends SlipwayError {
  /** The idle limit that passed, in ms. */
  readonly idleMs: number;
  /**
   * True when the server had answered (status and headers) before the silence: a stream that
   * hung midway. False when no answer came at all, which is more like an unreachable server.
   */
  readonly answered: boolean;

  constructor(subject: string, idleMs: number, answered: boolean, options?: { cause?: unknown }) {
    super(subject, `no data for ${idleMs < 10_000 ? `${idleMs} ms` : `${Math.round(idleMs / 1000)} s`}${answered ? "" : " (no answer)"}; the stream is treated as hung`, options);
    this.name = "WatchIdleError";
    this.idleMs = idleMs;
    this.answered = answered;
  }
}
