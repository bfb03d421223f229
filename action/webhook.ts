/**
 * Poking the agent after a push: POST `{"revision": "<branch>@sha1:<commit>", "branch", "commit"}`
 * to its webhook URL with the shared token in `X-Slipway-Token`, so the cluster syncs now instead
 * of at the next poll. A failed poke is reported, never fatal: the commit is already in git.
 * Redirects are not followed: fetch would carry `X-Slipway-Token` to wherever they point.
 */
import { SlipwayError } from "../core/errors.ts";
import { ciUserAgent, hookTokenHeader } from "../core/well-known.ts";

/** Options for {@link pokeWebhook}. */
export interface WebhookOptions {
  url: string;
  /** Shared secret; sent as `X-Slipway-Token` when given. */
  token?: string;
  branch: string;
  commit: string;
  /** Gives up after this long, ms. Default 10000. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Sends the revision; resolves with the HTTP status, throws a SlipwayError naming webhook-url on failure. */
export async function pokeWebhook(options: WebhookOptions): Promise<number> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 10_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const headers: Record<string, string> = { "content-type": "application/json", "user-agent": ciUserAgent };
  if (options.token) headers[hookTokenHeader] = options.token;
  let res: Response;
  try {
    res = await fetch(options.url, {
      method: "POST",
      headers,
      body: JSON.stringify({ revision: `${options.branch}@sha1:${options.commit}`, branch: options.branch, commit: options.commit }),
      signal,
      redirect: "manual",
    });
  } catch (err) {
    throw new SlipwayError("input webhook-url", `cannot reach ${options.url}`, { cause: err });
  }
  await res.body?.cancel();
  if (res.status >= 300 && res.status < 400) {
    throw new SlipwayError("input webhook-url", `${options.url} answered ${res.status} (a redirect, not followed so the token stays with this URL); give the agent's own URL`);
  }
  if (!res.ok) throw new SlipwayError("input webhook-url", `${options.url} answered ${res.status} ${res.statusText}`);
  return res.status;
}
