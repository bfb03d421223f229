/**
 * Recognises an apply rejected because it changes an immutable field (a Deployment's selector, a
 * Service's clusterIP, a Job's template), and names the field.
 */
import { KubeApiError } from "../kube/kube-api-error.ts";

const immutablePattern = /is\simmutable|immutable\sfield/i;

/** True when `err` is a 422 Invalid / 409 Conflict (or any answer) whose message says a field is immutable. */
export function isImmutableError(err: unknown): err is KubeApiError {
  if (!(err instanceof KubeApiError)) return false;
  if (immutablePattern.test(err.apiMessage)) return true;
  return (err.status === 422 || err.status === 409) && err.causes.some((c) => immutablePattern.test(c.message ?? ""));
}

/** The immutable field(s) named by the error's causes (`spec.selector`), or the server's message when none is named. */
export function immutableFields(err: KubeApiError): string {
  const fields = err.causes.filter((c) => immutablePattern.test(c.message ?? "") && c.field).map((c) => c.field as string);
  return fields.length > 0 ? [...new Set(fields)].join(", ") : err.apiMessage;
}
