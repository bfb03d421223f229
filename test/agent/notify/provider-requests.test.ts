// The request of each Provider type, from one Flux event or commit status: URL, headers, body.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { commitStatusRequest, eventRequest, type FluxEvent, type ResolvedProvider } from "../../../agent/notify/provider-requests.ts";
import { readNotificationObjects } from "../../../agent/notify/notification-specs.ts";

const event: FluxEvent = {
  involvedObject: { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: "flux-system", name: "apps" },
  severity: "error",
  timestamp: "2026-01-02T03:04:05.000Z",
  message: "Deployment/shop/account: progress deadline exceeded",
  reason: "HealthCheckFailed",
  metadata: { revision: "eks@sha1:abc" },
  reportingController: "kustomize-controller",
  reportingInstance: "agent-0",
};
const provider = (type: ResolvedProvider["type"], extra: Partial<ResolvedProvider> = {}): ResolvedProvider => ({ id: `Provider/flux-system/${type}`, type, address: "https://hooks.example/x", headers: {}, ...extra });

test("generic and generic-hmac: Flux's payload, the Secret's headers, the body's HMAC", () => {
  const g = eventRequest(provider("generic", { headers: { "x-team": "shop" } }), event);
  assert.deepEqual(JSON.parse(g.body), event);
  assert.equal(g.headers["x-team"], "shop");
  const h = eventRequest(provider("generic-hmac", { token: "k" }), event);
  assert.equal(h.headers["x-signature"], `sha256=${createHmac("sha256", "k").update(h.body).digest("hex")}`);
  assert.throws(() => eventRequest(provider("generic-hmac"), event), /^SlipwayError: Provider\/flux-system\/generic-hmac: type generic-hmac needs a token/);
});

test("slack, discord and msteams messages", () => {
  const s = JSON.parse(eventRequest(provider("slack", { channel: "c", token: "xoxb" }), event).body) as { channel: string; attachments: { color: string; author_name: string; fields: { title: string }[] }[] };
  assert.equal(s.channel, "c");
  assert.equal(s.attachments[0]?.color, "danger");
  assert.equal(s.attachments[0]?.author_name, "kustomization/apps.flux-system");
  assert.deepEqual(s.attachments[0]?.fields.map((f) => f.title), ["revision"]);
  assert.equal(eventRequest(provider("slack", { token: "xoxb" }), event).headers.authorization, "Bearer xoxb");
  assert.equal(eventRequest(provider("discord", { address: "https://discord.com/api/webhooks/1/t/" }), event).url, "https://discord.com/api/webhooks/1/t/slack");
  const m = JSON.parse(eventRequest(provider("msteams"), event).body) as { "@type": string; themeColor: string; sections: { activitySubtitle: string }[] };
  assert.equal(m["@type"], "MessageCard");
  assert.equal(m.themeColor, "FF0000");
  assert.equal(m.sections[0]?.activitySubtitle, event.message);
});

test("github and gitlab commit statuses", () => {
  const status = { sha: "a".repeat(40), state: "failure" as const, context: "kustomization/apps", description: "HealthCheckFailed: x" };
  const gh = commitStatusRequest(provider("github", { address: "https://github.com/acme/m.git", token: "t" }), status);
  assert.equal(gh.url, `https://api.github.com/repos/acme/m/statuses/${status.sha}`);
  assert.equal(gh.headers.authorization, "Bearer t");
  assert.deepEqual(JSON.parse(gh.body), { state: "failure", context: "kustomization/apps", description: "HealthCheckFailed: x" });
  const ghe = commitStatusRequest(provider("github", { address: "https://git.acme.example/acme/m", token: "t" }), status);
  assert.equal(ghe.url, `https://git.acme.example/api/v3/repos/acme/m/statuses/${status.sha}`);
  const gl = commitStatusRequest(provider("gitlab", { address: "https://gitlab.com/acme/group/m", token: "t" }), status);
  assert.equal(gl.url, `https://gitlab.com/api/v4/projects/acme%2Fgroup%2Fm/statuses/${status.sha}`);
  assert.equal(gl.headers["private-token"], "t");
  assert.deepEqual(JSON.parse(gl.body), { state: "failed", name: "kustomization/apps", description: "HealthCheckFailed: x" });
  assert.throws(() => commitStatusRequest(provider("github", { address: "https://github.com/acme/m" }), status), /needs a token/);
});

test("Provider and Alert objects: errors name the object and the field", () => {
  const obj = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: "notification.toolkit.fluxcd.io/v1beta1", kind, metadata: { name, namespace: "flux-system" }, spec });
  const specs = readNotificationObjects([
    obj("Provider", "ok", { type: "slack", address: "https://hooks.slack.com/x", proxy: "http://proxy:3128" }),
    obj("Provider", "sns", { type: "sns", address: "arn:aws:sns:x" }),
    obj("Alert", "bad-source", { providerRef: { name: "ok" }, eventSources: [{ kind: "HelmRelease", name: "*" }] }),
    obj("Alert", "no-provider", { providerRef: { name: "gone" }, eventSources: [{ kind: "Kustomization", name: "*" }] }),
    obj("Alert", "bad-regex", { providerRef: { name: "ok" }, eventSources: [{ kind: "Kustomization", name: "*" }], exclusionList: ["a{1001}"] }),
    obj("Alert", "good", { providerRef: { name: "ok" }, eventSources: [{ kind: "Kustomization", name: "apps" }], inclusionList: [".*succeeded.*"], exclusionList: ["^Health"] }),
  ]);
  assert.deepEqual(specs.providers.map((p) => p.id), ["Provider/flux-system/ok"]);
  // spec.proxy is taken (the notifications go through it), no longer warned about.
  assert.deepEqual(specs.warnings, []);
  assert.equal(specs.providers[0]?.proxy, "http://proxy:3128");
  assert.match(specs.errors[0] ?? "", /^Provider\/flux-system\/sns: spec.type: "sns" is not supported by Slipway yet/);
  assert.match(specs.errors[1] ?? "", /^Alert\/flux-system\/bad-source: spec.eventSources\[0\].kind: "HelmRelease" is not Kustomization or GitRepository/);
  assert.match(specs.errors[2] ?? "", /^Alert\/flux-system\/bad-regex: /);
  assert.equal(specs.errors[3], "Alert/flux-system/no-provider: spec.providerRef.name: Provider/flux-system/gone not found");
  const good = specs.alerts.find((a) => a.name === "good");
  assert.equal(good?.passes("Reconciliation succeeded"), true);
  assert.equal(good?.passes("Health check succeeded"), false);
  assert.equal(good?.passes("failed"), false);
});
