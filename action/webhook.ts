/**
 * Poking the agent after a push: POST `{"revision": "<branch>@sha1:<commit>", "branch", "commit"}`
 * to its `slipway` receiver, so the cluster syncs now instead of at the next poll. With a secret
 * the call is signed: `X-Slipway-Signature: sha256=HMAC(secret, "<timestamp>.<body>")` and
 * `X-Slipway-Timestamp` (the agent refuses a stale or replayed call); the secret itself never
 * leaves this process. A failed poke is reported, never fatal: the commit is already in git.
 * Redirects are not followed.
 */
import { SlipwayError } from "../core/errors.ts";
import { ciUserAgent } from "../core/well-known.ts";
import { slipwaySignatureHeaders } from "../agent/receivers/verify-call.ts";

/** Options for {@link pokeWebhook}. */
export interface WebhookOptions {
  url: string;
  /** HMAC secret shared with the agent's receiver; the call is signed when given. */
  secret?: string;
  branch: string;
  commit: string;
  /** Clock for the signature's timestamp, ms. Default Date.now. */
  now?: () => number;
  /** Gives up after this long, ms. Default 10000. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Sends the revision; resolves with the HTTP status, throws a SlipwayError naming webhook-url on failure. */
export async function pokeWebhook(options: WebhookOptions): Promise<number> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 10_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const body = JSON.stringify({ revision: `${options.branch}@sha1:${options.commit}`, branch: options.branch, commit: options.commit });
  const headers: Record<string, string> = { "content-type": "application/json", "user-agent": ciUserAgent };
  if (options.secret) Object.assign(headers, slipwaySignatureHeaders(options.secret, body, Math.floor((options.now ?? Date.now)() / 1000)));
  let res: Response;
  try {
    res = await fetch(options.url, {
      method: "POST",
      headers,
      body,
      signal,
      redirect: "manual",
    });
  } catch (err) {
    throw new SlipwayError("input webhook-url", `cannot reach ${options.url}`, { cause: err });
  }
  await res.body?.cancel();
  if (res.status >= 300 && res.status < 400) {
    throw new SlipwayError("input webhook-url", `${options.url} answered ${res.status} (a redirect, not followed); give the agent's own URL`);
  }
  if (!res.ok) throw new SlipwayError("input webhook-url", `${options.url} answered ${res.status} ${res.statusText}`);
  return res.status;
}

/** Options for {@link notifyQueue}. */
export interface NotifyQueueOptions {
  /** `https://sqs.<region>.amazonaws.com/<account>/<name>` (AWS_ENDPOINT_URL_SQS overrides the endpoint). */
  queueUrl: string;
  branch: string;
  commit: string;
  signal?: AbortSignal;
}

/**
 * Sends the revision to the agent's SQS queue (credentials from the AWS SDK's chain); resolves
 * with the message id, throws a SlipwayError naming notify-queue-url on failure.
 */
export async function notifyQueue(options: NotifyQueueOptions): Promise<string> {
  const { SQSClient, SendMessageCommand } = await import("@aws-sdk/client-sqs");
  const region = /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com/.exec(options.queueUrl)?.[1];
  const client = new SQSClient(region ? { region } : {});
  try {
    const body = JSON.stringify({ branch: options.branch, revision: `${options.branch}@sha1:${options.commit}`, commit: options.commit });
    const out = await client.send(new SendMessageCommand({ QueueUrl: options.queueUrl, MessageBody: body }), { abortSignal: options.signal ?? AbortSignal.timeout(30_000) });
    return out.MessageId ?? "";
  } catch (err) {
    throw new SlipwayError("input notify-queue-url", `cannot send to ${options.queueUrl}`, { cause: err });
  } finally {
    client.destroy();
  }
}
