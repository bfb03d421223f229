/**
 * How each kind of receiver authenticates a call, and what a verified call asks for. Pure:
 * headers and the raw body in, a verdict out. Signatures are HMAC-SHA256 of the exact bytes
 * received, compared in constant time:
 *
 * - github: `X-Hub-Signature-256: sha256=<hex>`; `X-GitHub-Event` ping is answered, push triggers
 *   the sources whose branch is the pushed ref; `X-GitHub-Delivery` identifies the call.
 * - gitlab: `X-Gitlab-Token: <secret>`; `Push Hook` triggers like GitHub's push.
 * - generic-hmac (Bitbucket Server and others): `X-Signature: sha256=<hex>` of the body.
 * - slipway (the CI step): `X-Slipway-Signature: sha256=<hex>` of `<timestamp>.<body>` with
 *   `X-Slipway-Timestamp` (Unix seconds) within five minutes; body `{revision?, branch?, source?}`.
 *
 * The identity of each verified call (delivery id, or the signature) is what the server's replay
 * cache remembers.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { ReceiverType } from "./receiver-config.ts";

/** Header names (lowercase, as Node gives them). */
export const receiverHeaders = {
  githubSignature: "x-hub-signature-256",
  githubEvent: "x-github-event",
  githubDelivery: "x-github-delivery",
  gitlabToken: "x-gitlab-token",
  gitlabEvent: "x-gitlab-event",
  gitlabEventUuid: "x-gitlab-event-uuid",
  genericSignature: "x-signature",
  slipwaySignature: "x-slipway-signature",
  slipwayTimestamp: "x-slipway-timestamp",
} as const;

/** How far the CI step's timestamp may be from the agent's clock, seconds. */
export const slipwayTimestampSkewS = 300;

/** The outcome of verifying one call. */
export type Verdict =
  /** 401: missing or wrong credentials; 403: authentic but refused (stale timestamp). */
  | { ok: false; status: 401 | 403; reason: string }
  /** 400: authentic but unreadable. */
  | { ok: false; status: 400; reason: string }
  /** Authentic. `pong` answers a ping; `branch` limits the sources to those following it; `replayKey` identifies the call. */
  | { ok: true; replayKey: string; pong?: boolean; ignore?: string; branch?: string; revision?: string; source?: string };

type Headers = Record<string, string | string[] | undefined>;

function header(h: Headers, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Constant-time equality of two strings (false for different lengths, without an early exit on content). */
export function safeEqual(given: string, want: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(want);
  if (a.length !== b.length) {
    timingSafeEqual(b, b);
    return false;
  }
  return timingSafeEqual(a, b);
}

/** `sha256=<hex>` of HMAC-SHA256(secret, data). Pure. */
export function hmacSha256(secret: string, data: string | Buffer): string {
  return `sha256=${createHmac("sha256", secret).update(data).digest("hex")}`;
}

/** The CI step's signature headers for `body` at `timestampS`. Pure. */
export function slipwaySignatureHeaders(secret: string, body: string, timestampS: number): Record<string, string> {
  return { [receiverHeaders.slipwaySignature]: hmacSha256(secret, `${timestampS}.${body}`), [receiverHeaders.slipwayTimestamp]: String(timestampS) };
}

function branchOfRef(ref: unknown): string | undefined {
  return typeof ref === "string" && ref.startsWith("refs/heads/") ? ref.slice("refs/heads/".length) : undefined;
}

function json(body: Buffer): Record<string, unknown> | undefined {
  if (body.length === 0) return {};
  try {
    const v = JSON.parse(body.toString("utf8")) as unknown;
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Verifies a call to a receiver of `type` with shared `secret` (undefined: an open receiver,
 * which skips the check). `nowS` is the agent's clock in Unix seconds.
 */
export function verifyCall(type: ReceiverType, secret: string | undefined, headers: Headers, body: Buffer, nowS: number): Verdict {
  const unauthorized = (reason: string): Verdict => ({ ok: false, status: 401, reason });
  switch (type) {
    case "github": {
      const sig = header(headers, receiverHeaders.githubSignature);
      if (secret !== undefined) {
        if (!sig) return unauthorized(`missing ${receiverHeaders.githubSignature}`);
        if (!safeEqual(sig, hmacSha256(secret, body))) return unauthorized("wrong signature");
      }
      const event = header(headers, receiverHeaders.githubEvent) ?? "";
      const replayKey = `delivery:${header(headers, receiverHeaders.githubDelivery) ?? sig ?? ""}`;
      if (event === "ping") return { ok: true, replayKey, pong: true };
      if (event !== "push") return { ok: true, replayKey, ignore: `event ${event || "(none)"}` };
      const payload = json(body);
      if (!payload) return { ok: false, status: 400, reason: "body is not a JSON object" };
      const branch = branchOfRef(payload.ref);
      if (!branch) return { ok: true, replayKey, ignore: "not a branch push" };
      return { ok: true, replayKey, branch, ...(typeof payload.after === "string" ? { revision: payload.after } : {}) };
    }
    case "gitlab": {
      const token = header(headers, receiverHeaders.gitlabToken);
      if (secret !== undefined) {
        if (!token) return unauthorized(`missing ${receiverHeaders.gitlabToken}`);
        if (!safeEqual(token, secret)) return unauthorized("wrong token");
      }
      const uuid = header(headers, receiverHeaders.gitlabEventUuid);
      const payload = json(body);
      if (!payload) return { ok: false, status: 400, reason: "body is not a JSON object" };
      const replayKey = uuid ? `gitlab:${uuid}` : "";
      if (header(headers, receiverHeaders.gitlabEvent) !== "Push Hook") return { ok: true, replayKey, ignore: "not a Push Hook" };
      const branch = branchOfRef(payload.ref);
      if (!branch) return { ok: true, replayKey, ignore: "not a branch push" };
      return { ok: true, replayKey, branch, ...(typeof payload.after === "string" ? { revision: payload.after } : {}) };
    }
    case "generic-hmac": {
      const sig = header(headers, receiverHeaders.genericSignature);
      if (secret !== undefined) {
        if (!sig) return unauthorized(`missing ${receiverHeaders.genericSignature}`);
        if (!safeEqual(sig, hmacSha256(secret, body))) return unauthorized("wrong signature");
      }
      return { ok: true, replayKey: sig ? `sig:${sig}` : "" };
    }
    case "slipway": {
      const sig = header(headers, receiverHeaders.slipwaySignature);
      const ts = header(headers, receiverHeaders.slipwayTimestamp);
      if (secret !== undefined) {
        if (!sig || !ts) return unauthorized(`missing ${receiverHeaders.slipwaySignature} or ${receiverHeaders.slipwayTimestamp}`);
        if (!/^\d{1,12}$/.test(ts) || !safeEqual(sig, hmacSha256(secret, Buffer.concat([Buffer.from(`${ts}.`), body])))) return unauthorized("wrong signature");
        if (Math.abs(nowS - Number(ts)) > slipwayTimestampSkewS) return { ok: false, status: 403, reason: "timestamp outside the accepted window" };
      }
      const payload = json(body);
      if (!payload) return { ok: false, status: 400, reason: 'body must be JSON: {"revision": "..."}' };
      const str = (k: string): string | undefined => (typeof payload[k] === "string" ? (payload[k] as string) : undefined);
      for (const k of ["revision", "branch", "source"]) if (payload[k] !== undefined && str(k) === undefined) return { ok: false, status: 400, reason: `${k} must be a string` };
      const revision = str("revision");
      const branch = str("branch");
      const source = str("source");
      return { ok: true, replayKey: sig ? `sig:${sig}` : "", ...(revision ? { revision } : {}), ...(branch ? { branch } : {}), ...(source ? { source } : {}) };
    }
  }
}
