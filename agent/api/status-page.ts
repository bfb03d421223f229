/**
 * The agent's status page, read-only, served beside the status API (`GET /status`): every sync
 * with its Ready state, revision (linked to the commit when the repository's host is known), last
 * change set, the objects of its set and their health, the images its workloads run, and its
 * recent Events. Plain server-rendered HTML with one small inline script that fetches
 * `/status/fragment` every few seconds and swaps the content in, so no build step and no external
 * asset is involved (the cluster may have no internet).
 *
 * Authentication is the status API's token, given once: `GET /status?token=<SLIPWAY_API_TOKEN>`
 * (a form on the 401 page sends it) is answered with an HttpOnly, SameSite=Strict cookie and a
 * redirect that drops the token from the address bar and the history. The cookie holds an HMAC of
 * a fixed label keyed by the token, never the token itself, so it cannot be replayed against the
 * API; rotating the token ends every session. `Authorization: Bearer <token>` works too (curl).
 * Without a configured token the page is off (404), like the API.
 */
import { createHmac, randomBytes } from "node:crypto";
import { safeEqual } from "../receivers/verify-call.ts";
import type http from "node:http";
import { errorMessage } from "../../core/errors.ts";
import type { Logger } from "../../core/log.ts";
import type { KubeClient } from "../kube/kube-client.ts";
import type { StatusStore } from "../status/status-store.ts";
import { workloadImages } from "../metrics/delivery-observer.ts";
import type { WorkloadImage } from "../metrics/agent-metrics.ts";
import { apiSync, bearerMatches, type ApiSync, type ApiSyncSpec, type RequestHandler } from "./status-api.ts";
import { listSyncMembers, memberHealth, type MemberHealth } from "./sync-members.ts";
import { parentRef } from "../applyset/applyset-parent.ts";

/** The page's path; `<pagePath>/fragment` is what the script polls. */
export const pagePath = "/status";

/** The session cookie's name. */
export const sessionCookie = "slipway_status";

/** Options for {@link createStatusPage}. */
export interface StatusPageOptions {
  store: StatusStore;
  client: KubeClient;
  /** The status API's token. Undefined or empty: the page is off. */
  token: string | undefined;
  specs(): readonly ApiSyncSpec[];
  log: Logger;
  /** How often the page refreshes itself, ms. Default 3000. */
  refreshMs?: number;
  /** Events shown per sync. Default 8. */
  events?: number;
}

/** One recent Event of a sync, as the page lists it. */
export interface PageEvent {
  time: string;
  type: string;
  reason: string;
  message: string;
}

/** Everything the page shows about one sync. */
export interface PageSync {
  sync: ApiSync;
  health: MemberHealth[];
  images: WorkloadImage[];
  events: PageEvent[];
  /** Set when the live members could not be read. */
  error?: string;
}

/** The session cookie's value for `token`: an HMAC keyed by the token, so the cookie never carries the token. Pure. */
export function sessionValue(token: string): string {
  return createHmac("sha256", token).update("slipway status page session v1").digest("base64url");
}

/** Whether a `Cookie` header carries a valid session for `token`; constant time in the value. */
export function sessionMatches(cookieHeader: string | undefined, token: string): boolean {
  const want = sessionValue(token);
  let ok = false;
  for (const part of (cookieHeader ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0 || part.slice(0, eq).trim() !== sessionCookie) continue;
    if (safeEqual(part.slice(eq + 1).trim(), want)) ok = true;
  }
  return ok;
}

/** Escapes text for HTML element content and quoted attributes. Pure. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);
}

/**
 * The web address of commit `sha` in repository `url` when the host's layout is known (GitHub,
 * GitLab, Bitbucket, AWS CodeCommit); undefined otherwise. Credentials in the URL are dropped. Pure.
 */
export function commitUrl(url: string, sha: string): string | undefined {
  if (!/^[0-9a-f]{7,64}$/.test(sha)) return undefined;
  let host: string;
  let repoPath: string;
  const scp = /^(?:[^@/]+@)?([^:/]+):(?!\/)(.+)$/.exec(url);
  if (scp && !/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    host = scp[1] ?? "";
    repoPath = scp[2] ?? "";
  } else {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return undefined;
    }
    host = u.hostname;
    repoPath = u.pathname.replace(/^\/+/, "");
  }
  repoPath = repoPath.replace(/\.git\/?$/, "").replace(/\/+$/, "");
  if (!repoPath) return undefined;
  const cc = /^git-codecommit\.([a-z0-9-]+)\.amazonaws\.com$/.exec(host);
  if (cc) {
    const name = repoPath.replace(/^v1\/repos\//, "");
    return `https://${cc[1]}.console.aws.amazon.com/codesuite/codecommit/repositories/${encodeURIComponent(name)}/commit/${sha}?region=${cc[1]}`;
  }
  if (host === "github.com" || host.startsWith("github.")) return `https://${host}/${repoPath}/commit/${sha}`;
  if (host === "gitlab.com" || host.startsWith("gitlab.")) return `https://${host}/${repoPath}/-/commit/${sha}`;
  if (host === "bitbucket.org") return `https://${host}/${repoPath}/commits/${sha}`;
  return undefined;
}

const shaOf = (revision: string | undefined): string | undefined => /(?:^|@)sha1:([0-9a-f]{40})$/.exec(revision ?? "")?.[1];

/** A sync's state in one word, as the page shows it: Ready, Failed, Progressing or Suspended. Pure. */
export function stateOf(sync: ApiSync): "Ready" | "Failed" | "Progressing" | "Suspended" {
  if (sync.suspended) return "Suspended";
  if (sync.ready === "True") return "Ready";
  if (sync.ready === "False") return "Failed";
  return "Progressing";
}

function revisionHtml(sync: ApiSync, revision: string | undefined): string {
  if (!revision) return "<span class=dim>none yet</span>";
  const sha = shaOf(revision);
  const link = sha && sync.repository ? commitUrl(sync.repository.url, sha) : undefined;
  const text = escapeHtml(revision);
  return link ? `<a href="${escapeHtml(link)}" rel="noreferrer" target="_blank"><code>${text}</code></a>` : `<code>${text}</code>`;
}

/** The HTML of one sync's card. Pure. */
export function renderSync(p: PageSync): string {
  const s = p.sync;
  const state = stateOf(s);
  const rows: [string, string][] = [
    ["Ready", `${escapeHtml(s.ready ?? "Unknown")} <span class=dim>${escapeHtml(s.reason ?? "")}</span>`],
    ["Message", escapeHtml(s.message ?? "")],
    ["Applied revision", revisionHtml(s, s.lastAppliedRevision)],
  ];
  if (s.lastAttemptedRevision && s.lastAttemptedRevision !== s.lastAppliedRevision) rows.push(["Attempted revision", revisionHtml(s, s.lastAttemptedRevision)]);
  if (s.repository) rows.push(["Source", `${escapeHtml(s.repository.name)} <code>${escapeHtml(s.path ?? "")}</code> <span class=dim>${escapeHtml(Object.entries(s.repository.ref).map(([k, v]) => `${k} ${v}`).join(", "))}</span>`]);
  rows.push(["Last change set", escapeHtml(s.lastChangeSet ?? "")]);
  if (s.lastReconcileTime) rows.push(["Last reconcile", `<time>${escapeHtml(s.lastReconcileTime)}</time>${s.lastDurationMs !== undefined ? ` <span class=dim>(${(s.lastDurationMs / 1000).toFixed(1)} s)</span>` : ""}`]);
  const table = (head: string[], body: string[][], cls: string, empty: string): string =>
    body.length === 0
      ? `<p class=dim>${empty}</p>`
      : `<table class=${cls}><thead><tr>${head.map((h) => `<th>${h}</th>`).join("")}</tr></thead><tbody>${body.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
  const health = table(["Object", "Health", "Message"], p.health.map((h) => [`<code>${escapeHtml(h.id)}</code>`, `<span class="h h-${escapeHtml(h.status)}">${escapeHtml(h.status)}</span>`, escapeHtml(h.message)]), "objects", "no objects");
  const images = table(["Workload", "Container", "Image", "Tag"], p.images.map((i) => [`<code>${escapeHtml(`${i.kind}/${i.namespace ? `${i.namespace}/` : ""}${i.name}`)}</code>`, escapeHtml(i.container), `<code>${escapeHtml(i.image)}</code>`, `<code>${escapeHtml(i.tag)}</code>`]), "images", "no workloads");
  const events = table(["Time", "Type", "Reason", "Message"], p.events.map((e) => [`<time>${escapeHtml(e.time)}</time>`, escapeHtml(e.type), escapeHtml(e.reason), escapeHtml(e.message)]), "events", "no recent events");
  return `<section class="sync s-${state}" data-sync="${escapeHtml(s.name)}">
<h2><span class="state" data-state="${state}">${state}</span> ${escapeHtml(s.name)}${s.objects !== undefined ? ` <span class=dim>${s.objects} objects</span>` : ""}</h2>
<dl>${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join("")}</dl>
${p.error ? `<p class=err>${escapeHtml(p.error)}</p>` : ""}<details open><summary>Objects</summary>${health}</details>
<details open><summary>Images</summary>${images}</details>
<details open><summary>Recent events</summary>${events}</details>
</section>`;
}

/** The page's changing content: every sync's card and the time it was rendered. Pure. */
export function renderFragment(syncs: readonly PageSync[], now: Date): string {
  const body = syncs.length === 0 ? "<p class=dim>No syncs recorded yet.</p>" : syncs.map(renderSync).join("\n");
  return `<p class=dim id=updated>Updated <time>${escapeHtml(now.toISOString())}</time></p>\n${body}`;
}

const style = `body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
header{background:#1d2330;color:#fff;padding:10px 20px;display:flex;gap:16px;align-items:baseline}
header h1{font-size:18px;margin:0}main{padding:12px 20px}.dim{color:#6b7280}
.sync{background:#fff;border:1px solid #d8dce3;border-left:6px solid #9ca3af;border-radius:6px;padding:8px 14px;margin:0 0 14px}
.s-Ready{border-left-color:#16a34a}.s-Failed{border-left-color:#dc2626}.s-Progressing{border-left-color:#d97706}
h2{font-size:16px;margin:4px 0 8px}.state{font-size:12px;padding:2px 8px;border-radius:10px;background:#9ca3af;color:#fff;vertical-align:middle}
.s-Ready .state{background:#16a34a}.s-Failed .state{background:#dc2626}.s-Progressing .state{background:#d97706}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:0 0 6px}dt{color:#6b7280}dd{margin:0;word-break:break-all}
table{border-collapse:collapse;width:100%;margin:4px 0 8px}th,td{text-align:left;padding:3px 8px;border-bottom:1px solid #eceef2;vertical-align:top}
th{font-weight:600;color:#4b5563}summary{cursor:pointer;color:#374151;font-weight:600}code{font-size:12px}
.h-Current{color:#16a34a}.h-InProgress{color:#d97706}.h-Failed{color:#dc2626}.err{color:#dc2626}a{color:#1d4ed8}time{white-space:nowrap}`;

/** The whole page around `fragment`, with the refresh script under `nonce`. Pure. */
export function renderPage(fragment: string, nonce: string, refreshMs: number): string {
  const script = `(()=>{const m=document.getElementById("content"),s=document.getElementById("conn");
const tick=async()=>{try{const r=await fetch(${JSON.stringify(`${pagePath}/fragment`)},{credentials:"same-origin",cache:"no-store"});
if(r.status===401){location.reload();return}if(!r.ok)throw new Error(String(r.status));m.innerHTML=await r.text();s.textContent=""}
catch(e){s.textContent="cannot reach the agent ("+e.message+"), retrying"}finally{setTimeout(tick,${refreshMs})}};setTimeout(tick,${refreshMs})})();`;
  return `<!doctype html>
<html lang=en><head><meta charset=utf-8><meta name=viewport content="width=device-width,initial-scale=1">
<link rel=icon href="data:,"><title>Slipway status</title><style nonce="${nonce}">${style}</style></head>
<body><header><h1>Slipway</h1><span>status, read-only</span><span class=err id=conn></span></header>
<main id=content>${fragment}</main>
<script nonce="${nonce}">${script}</script></body></html>
`;
}

function loginPage(message: string): string {
  return `<!doctype html>
<html lang=en><head><meta charset=utf-8><title>Slipway status: sign in</title></head>
<body style="font:14px system-ui,sans-serif;margin:40px"><h1>Slipway status</h1><p>${escapeHtml(message)}</p>
<form method=get action="${pagePath}"><label>Token (SLIPWAY_API_TOKEN) <input type=password name=token autocomplete=off></label> <button>Open</button></form></body></html>
`;
}

function send(res: http.ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    "Content-Type": type,
    "Content-Length": Buffer.byteLength(body),
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    ...extra,
  });
  res.end(body);
}

interface CoreEvent {
  type?: string;
  reason?: string;
  message?: string;
  eventTime?: string;
  lastTimestamp?: string;
  metadata?: { creationTimestamp?: string };
}

/** Reads what the page shows about every sync: status, live members' health and images, recent Events. */
export async function readPageSyncs(options: Pick<StatusPageOptions, "store" | "client" | "specs" | "events">, signal: AbortSignal): Promise<PageSync[]> {
  const { store, client } = options;
  const max = options.events ?? 8;
  const specs = options.specs();
  const views = await store.list(signal);
  return Promise.all(
    views.map(async (view): Promise<PageSync> => {
      const sync = apiSync(view, specs.find((s) => s.name === view.sync));
      try {
        const [members, events] = await Promise.all([
          listSyncMembers(client, view.sync, store.namespace, signal),
          client.request<{ items?: CoreEvent[] }>({
            method: "GET",
            path: `/api/v1/namespaces/${encodeURIComponent(store.namespace)}/events`,
            query: { fieldSelector: `involvedObject.name=${parentRef(view.sync, store.namespace).name}` },
            signal,
          }),
        ]);
        const list = (events.body.items ?? [])
          .map((e) => ({ time: e.eventTime ?? e.lastTimestamp ?? e.metadata?.creationTimestamp ?? "", type: e.type ?? "", reason: e.reason ?? "", message: e.message ?? "" }))
          .sort((a, b) => b.time.localeCompare(a.time))
          .slice(0, max);
        return { sync, health: memberHealth(members), images: workloadImages(members), events: list };
      } catch (err) {
        return { sync, health: [], images: [], events: [], error: `cannot read the live objects: ${errorMessage(err)}` };
      }
    }),
  );
}

/** Creates the page's request handler (`/status`, `/status/fragment`); other paths are left alone. */
export function createStatusPage(options: StatusPageOptions): RequestHandler {
  const refreshMs = options.refreshMs ?? 3000;
  return async (req, res) => {
    const url = new URL(req.url ?? "/", "http://agent");
    const fragment = url.pathname === `${pagePath}/fragment`;
    if (url.pathname !== pagePath && url.pathname !== `${pagePath}/` && !fragment) return false;
    const token = options.token;
    if (!token) {
      send(res, 404, "text/plain; charset=utf-8", "the status page is off: set SLIPWAY_API_TOKEN in the agent's environment\n");
      return true;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      send(res, 405, "text/plain; charset=utf-8", "the status page is read-only: use GET\n", { Allow: "GET, HEAD" });
      return true;
    }
    const given = url.searchParams.get("token");
    if (given !== null && !fragment) {
      if (bearerMatches(`Bearer ${given}`, token)) {
        const secure = (req.headers["x-forwarded-proto"] ?? "") === "https" ? "; Secure" : "";
        send(res, 303, "text/plain; charset=utf-8", "signed in\n", {
          Location: pagePath,
          "Set-Cookie": `${sessionCookie}=${sessionValue(token)}; Path=${pagePath}; HttpOnly; SameSite=Strict; Max-Age=43200${secure}`,
        });
      } else {
        options.log.warn("status page refused: wrong token");
        send(res, 401, "text/html; charset=utf-8", loginPage("Wrong token."));
      }
      return true;
    }
    if (!sessionMatches(req.headers.cookie, token) && !bearerMatches(req.headers.authorization, token)) {
      send(res, 401, fragment ? "text/plain; charset=utf-8" : "text/html; charset=utf-8", fragment ? "unauthorized\n" : loginPage("Give the agent's status token to open the page."));
      return true;
    }
    let syncs: PageSync[];
    try {
      syncs = await readPageSyncs(options, AbortSignal.timeout(30_000));
    } catch (err) {
      options.log.error(`status page: ${errorMessage(err)}`);
      send(res, 502, "text/plain; charset=utf-8", `cannot read the status from the API server: ${errorMessage(err)}\n`);
      return true;
    }
    const html = renderFragment(syncs, new Date());
    if (fragment) {
      send(res, 200, "text/html; charset=utf-8", html);
      return true;
    }
    const nonce = randomBytes(16).toString("base64");
    send(res, 200, "text/html; charset=utf-8", renderPage(html, nonce, refreshMs), {
      "Content-Security-Policy": `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
    });
    return true;
  };
}
