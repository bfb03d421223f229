/**
 * The HTTP request each Provider type sends, from Flux's event payload (so receivers written for
 * Flux's notification-controller keep working) or from a commit status:
 *
 * | type | request |
 * |---|---|
 * | `generic` | POST the event as JSON to the address, the Secret's `headers` added |
 * | `generic-hmac` | the same, signed: `X-Signature: sha256=<hex HMAC-SHA256 of the body, key = token>` |
 * | `slack` | Slack's attachment message (`channel`, `username`); with a token, a bot's `Authorization: Bearer` |
 * | `discord` | Slack's message to the webhook's Slack-compatible endpoint (`<address>/slack`) |
 * | `msteams` | a MessageCard |
 * | `github` | `POST /repos/<owner>/<repo>/statuses/<sha>` on the API of the address' host, `Authorization: Bearer <token>` |
 * | `gitlab` | `POST /api/v4/projects/<path>/statuses/<sha>`, `PRIVATE-TOKEN: <token>` |
 *
 * Pure.
 */
import { createHmac } from "node:crypto";
import { SlipwayError } from "../../core/errors.ts";
import type { ProviderType } from "./notification-specs.ts";

/** Flux's event payload, as the notification-controller receives it from the other controllers. */
export interface FluxEvent {
  involvedObject: { apiVersion: string; kind: string; namespace: string; name: string };
  severity: "info" | "error";
  timestamp: string;
  message: string;
  reason: string;
  /** `revision`, `summary`, the Alert's eventMetadata. */
  metadata: Record<string, string>;
  reportingController: string;
  reportingInstance: string;
}

/** A commit status for `github` / `gitlab` Providers. */
export interface CommitStatus {
  sha: string;
  state: "pending" | "success" | "failure";
  /** `kustomization/<name>`, as Flux names it. */
  context: string;
  description: string;
}

/** What a Provider resolved to at delivery time (address and token may come from its Secret). */
export interface ResolvedProvider {
  id: string;
  type: ProviderType;
  address: string;
  token?: string;
  channel?: string;
  username?: string;
  headers: Record<string, string>;
  /** The HTTP(S) proxy to send through, when any. */
  proxy?: string;
}

/** One HTTP request. */
export interface ProviderRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

const jsonHeaders = { "content-type": "application/json", "user-agent": "slipway-notifier" };

function slackBody(p: ResolvedProvider, e: FluxEvent): string {
  const fields = Object.entries(e.metadata).map(([title, value]) => ({ title, value, short: false }));
  return JSON.stringify({
    ...(p.channel ? { channel: p.channel } : {}),
    ...(p.username ? { username: p.username } : {}),
    attachments: [
      {
        color: e.severity === "error" ? "danger" : "good",
        author_name: `${e.involvedObject.kind.toLowerCase()}/${e.involvedObject.name}.${e.involvedObject.namespace}`,
        text: e.message,
        mrkdwn_in: ["text"],
        fields,
      },
    ],
  });
}

/** The request that delivers event `e` through `p`; throws naming the Provider when `p` cannot send events. */
export function eventRequest(p: ResolvedProvider, e: FluxEvent): ProviderRequest {
  switch (p.type) {
    case "generic":
    case "generic-hmac": {
      const body = JSON.stringify(e);
      const headers: Record<string, string> = { ...jsonHeaders, ...p.headers };
      if (p.type === "generic-hmac") {
        if (!p.token) throw new SlipwayError(p.id, "type generic-hmac needs a token key in its secretRef (the HMAC key)");
        headers["x-signature"] = `sha256=${createHmac("sha256", p.token).update(body).digest("hex")}`;
      }
      return { url: p.address, headers, body };
    }
    case "slack":
      return { url: p.address, headers: { ...jsonHeaders, ...(p.token ? { authorization: `Bearer ${p.token}` } : {}) }, body: slackBody(p, e) };
    case "discord":
      return { url: `${p.address.replace(/\/+$/, "")}/slack`, headers: { ...jsonHeaders }, body: slackBody(p, e) };
    case "msteams":
      return {
        url: p.address,
        headers: { ...jsonHeaders },
        body: JSON.stringify({
          "@type": "MessageCard",
          "@context": "http://schema.org/extensions",
          themeColor: e.severity === "error" ? "FF0000" : "0076D7",
          summary: `${e.involvedObject.kind}/${e.involvedObject.namespace}/${e.involvedObject.name}`,
          sections: [
            {
              activityTitle: `${e.involvedObject.kind.toLowerCase()}/${e.involvedObject.name}.${e.involvedObject.namespace}`,
              activitySubtitle: e.message,
              facts: Object.entries(e.metadata).map(([name, value]) => ({ name, value })),
            },
          ],
        }),
      };
    case "github":
    case "gitlab":
      throw new SlipwayError(p.id, `type ${p.type} posts commit statuses, not events`);
  }
}

/** `https://github.com/acme/m.git` → its API base and `owner/repo` path. Throws naming the Provider. */
function repoOf(p: ResolvedProvider): { origin: string; path: string; host: string } {
  let u: URL;
  try {
    u = new URL(p.address);
  } catch {
    throw new SlipwayError(p.id, "spec.address: is not a repository URL such as https://github.com/owner/repo");
  }
  const path = u.pathname.replace(/^\/+/, "").replace(/\/+$/, "").replace(/\.git$/, "");
  if (!path.includes("/")) throw new SlipwayError(p.id, "spec.address: needs the repository's owner and name (https://host/owner/repo)");
  return { origin: u.origin, path, host: u.hostname };
}

/** The request that posts commit status `s` through a `github` or `gitlab` Provider. */
export function commitStatusRequest(p: ResolvedProvider, s: CommitStatus): ProviderRequest {
  if (!p.token) throw new SlipwayError(p.id, `type ${p.type} needs a token key in its secretRef`);
  const repo = repoOf(p);
  const description = s.description.length > 140 ? `${s.description.slice(0, 139)}…` : s.description;
  if (p.type === "github") {
    const api = repo.host === "github.com" ? "https://api.github.com" : `${repo.origin}/api/v3`;
    return {
      url: `${api}/repos/${repo.path}/statuses/${s.sha}`,
      headers: { ...jsonHeaders, accept: "application/vnd.github+json", authorization: `Bearer ${p.token}` },
      body: JSON.stringify({ state: s.state, context: s.context, description }),
    };
  }
  if (p.type === "gitlab") {
    return {
      url: `${repo.origin}/api/v4/projects/${encodeURIComponent(repo.path)}/statuses/${s.sha}`,
      headers: { ...jsonHeaders, "private-token": p.token },
      body: JSON.stringify({ state: s.state === "failure" ? "failed" : s.state, name: s.context, description }),
    };
  }
  throw new SlipwayError(p.id, `type ${p.type} sends events, not commit statuses`);
}

/** Whether the Provider type posts commit statuses (github, gitlab) rather than events. */
export function isCommitStatusType(type: ProviderType): boolean {
  return type === "github" || type === "gitlab";
}
