/**
 * The error the Kubernetes client throws for a non-2xx answer: HTTP status plus the reason and
 * message of the API server's Status object.
 */
import { errorMessage, SlipwayError } from "../../core/errors.ts";

/** A failed Kubernetes API request. `subject` is `METHOD path`; the message is the server's own. */
export class KubeApiError extends SlipwayError {
  /** HTTP status code (404, 409, 422, …); 0 when no answer arrived. */
  readonly status: number;
  /** The Status object's `reason` (`NotFound`, `Conflict`, `Invalid`, `Forbidden`, …) or `""`. */
  readonly reason: string;
  /** The Status object's `message`, or the raw body when the answer was not a Status. */
  readonly apiMessage: string;
  /** The Status object's `details.causes` (field errors of an `Invalid` answer), when present. */
  readonly causes: { field?: string; message?: string; reason?: string }[];
  /** Seconds the server asked us to wait before retrying (`Retry-After`), when it did. */
  retryAfterSeconds?: number;

  constructor(
    subject: string,
    init: { status: number; reason: string; message: string; causes?: { field?: string; message?: string; reason?: string }[] },
    options?: { cause?: unknown },
  ) {
    super(subject, init.status ? `${init.status} ${init.reason || "Error"}: ${init.message}` : init.message, options);
    this.name = "KubeApiError";
    this.status = init.status;
    this.reason = init.reason;
    this.apiMessage = init.message;
    this.causes = init.causes ?? [];
  }
}

/** Whether `err` is a {@link KubeApiError} with HTTP status `status`. */
export function isStatus(err: unknown, status: number): err is KubeApiError {
  return err instanceof KubeApiError && err.status === status;
}

/** Builds a {@link KubeApiError} from an HTTP status and the raw response body (a Status object or text). */
export function kubeApiErrorFrom(subject: string, status: number, body: string): KubeApiError {
  try {
    const parsed = JSON.parse(body) as { kind?: string; reason?: string; message?: string; details?: { causes?: { field?: string; message?: string; reason?: string }[] } };
    if (parsed && parsed.kind === "Status") {
      return new KubeApiError(subject, {
        status,
        reason: parsed.reason ?? "",
        message: parsed.message ?? body,
        causes: parsed.details?.causes,
      });
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  return new KubeApiError(subject, { status, reason: "", message: body.trim().slice(0, 500) || `HTTP ${status}` });
}

/**
 * A short description of any error for a message that already names its object: a
 * {@link KubeApiError} becomes `422 Invalid: <server message>` (without the request line), anything
 * else its message.
 */
export function describeError(err: unknown): string {
  if (err instanceof KubeApiError && err.status) return `${err.status} ${err.reason || "Error"}: ${err.apiMessage}`;
  // Our own errors about an API answer already carry its short form.
  if (err instanceof SlipwayError && err.cause instanceof KubeApiError) return err.message;
  return errorMessage(err);
}
