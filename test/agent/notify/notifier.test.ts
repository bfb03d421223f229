/**
 * The notifier driven the way a reconcile drives it (configure, status writes, applied builds,
 * Events), delivering to a local HTTP receiver: an Alert's `name: "*"` with matchLabels takes
 * only the syncs whose Kustomization in git carries the labels; an event names the images a
 * revision changed by hand in git (against the previous applied build) besides the CI step's
 * trailer; a commit status result always follows a `pending` on the same commit, also when the
 * Providers were read after the revision started or the revision was already applied.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createNotifier, type Notifier } from "../../../agent/notify/notifier.ts";
import { createLogger } from "../../../core/log.ts";
import { nextStatus, type SyncStatus } from "../../../agent/status/sync-status.ts";
import type { KubeObject } from "../../../agent/kube/kube-object.ts";

const ns = "flux-system";
const sha = (c: string): string => c.repeat(40);
const rev = (c: string): string => `main@sha1:${sha(c)}`;

interface Received {
  path: string;
  body: Record<string, unknown>;
}

async function receiver(t: TestContext): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      received.push({ path: req.url ?? "", body: JSON.parse(body) as Record<string, unknown> });
      res.writeHead(200).end("{}");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

function harness(messages: Record<string, string> = {}): { notifier: Notifier; write(sync: string, s: SyncStatus): Promise<void>; event(sync: string, reason: string, revision: string): Promise<void>; logs: string[] } {
  const logs: string[] = [];
  const notifier = createNotifier({
    secrets: { read: () => Promise.resolve({ token: "tok-123" }) },
    agentNamespace: ns,
    log: createLogger({ write: (l) => logs.push(l), level: "debug" }),
    attempts: 1,
    messageOf: (_src, s) => messages[s],
  });
  const store = notifier.watchStatus({ namespace: ns, get: () => Promise.resolve(undefined), list: () => Promise.resolve([]), write: () => Promise.resolve(undefined) });
  const events = notifier.watchEvents({ record: () => Promise.resolve() });
  return {
    notifier,
    logs,
    write: async (sync, s) => void (await store.write(sync, s)),
    event: (sync, reason, revision) => events.record({ sync, type: "Normal", reason, note: `${reason} note`, revision }),
  };
}

const obj = (kind: string, name: string, extra: Partial<KubeObject> = {}): KubeObject => ({ apiVersion: "v1", kind, metadata: { name, namespace: ns }, ...extra });
const provider = (name: string, type: string, address: string): KubeObject => obj("Provider", name, { apiVersion: "notification.toolkit.fluxcd.io/v1beta3", spec: { type, address, ...(type === "github" ? { secretRef: { name: "gh" } } : {}) } });
const alert = (name: string, providerRef: string, eventSources: unknown[]): KubeObject => obj("Alert", name, { apiVersion: "notification.toolkit.fluxcd.io/v1beta3", spec: { providerRef: { name: providerRef }, eventSources } });
const kustomization = (name: string, labels: Record<string, string>): KubeObject => ({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", metadata: { name, namespace: ns, labels }, spec: {} });
const deployment = (name: string, image: string, sidecar = "registry.example/proxy:1"): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: "shop" },
  spec: { template: { spec: { containers: [{ name: "app", image }, { name: "proxy", image: sidecar }] } } },
});

test("matchLabels with name *: only syncs whose Kustomization in git carries the labels; a named source ignores them, with a warning", async (t) => {
  const r = await receiver(t);
  const h = harness();
  h.notifier.configure("flux-system", [
    provider("hook", "generic", `${r.url}/hook`),
    alert("prod", "hook", [{ kind: "Kustomization", name: "*", matchLabels: { env: "prod", team: "shop" } }]),
    alert("named", "hook", [{ kind: "Kustomization", name: "billing", matchLabels: { env: "nope" } }]),
    kustomization("shop", { env: "prod", team: "shop" }),
    kustomization("staging", { env: "staging", team: "shop" }),
    kustomization("partial", { env: "prod" }),
    kustomization("billing", {}),
  ]);
  for (const sync of ["shop", "staging", "partial", "billing", "from-config"]) await h.event(sync, "ReconciliationSucceeded", rev("a"));
  await h.notifier.idle();
  const got = r.received.map((x) => (x.body.involvedObject as { name: string }).name).sort();
  assert.deepEqual(got, ["billing", "shop"], "shop by its labels, billing by its name; staging, partial and a sync without a Kustomization in git are not taken");
  assert.ok(h.logs.some((l) => l.includes("Alert/flux-system/named: spec.eventSources[].matchLabels: applies only with name")), h.logs.join("\n"));
  // The labels follow the build: once shop's Kustomization loses them, its events go nowhere.
  h.notifier.configure("flux-system", [provider("hook", "generic", `${r.url}/hook`), alert("prod", "hook", [{ kind: "Kustomization", name: "*", matchLabels: { env: "prod", team: "shop" } }]), kustomization("shop", { env: "dev" })]);
  await h.event("shop", "ReconciliationSucceeded", rev("b"));
  await h.notifier.idle();
  assert.equal(r.received.length, 2);
});

test("an event names the images whose reference changed in the revision, by hand or by the CI step", async (t) => {
  const r = await receiver(t);
  const digest = `sha256:${"e".repeat(64)}`;
  const h = harness({ [sha("c")]: `ci: account\n\nSlipway-Image: registry.example/shop/account:2.0.0@${digest}\n` });
  h.notifier.configure("apps", [provider("hook", "generic", `${r.url}/hook`), alert("all", "hook", [{ kind: "Kustomization", name: "*" }])]);
  const applied = async (c: string, objects: KubeObject[]): Promise<void> => {
    await h.write("apps", nextStatus(undefined, { kind: "progressing", revision: rev(c), source: "manifests" }, new Date().toISOString()));
    h.notifier.applied("apps", { revision: rev(c), source: "manifests", objects, atMs: Date.now() });
    await h.event("apps", "ReconciliationSucceeded", rev(c));
  };
  await applied("a", [deployment("account", "registry.example/shop/account:1.0.0"), deployment("web", "registry.example/shop/web:1.0.0")]);
  // By hand: web's tag and account's sidecar.
  await applied("b", [deployment("account", "registry.example/shop/account:1.0.0", "registry.example/proxy:2"), deployment("web", "registry.example/shop/web:1.1.0"), deployment("new", "registry.example/shop/new:1")]);
  // By the CI step (its trailer carries the digest; the build has the same reference).
  await applied("c", [deployment("account", `registry.example/shop/account:2.0.0@${digest}`, "registry.example/proxy:2"), deployment("web", "registry.example/shop/web:1.1.0"), deployment("new", "registry.example/shop/new:1")]);
  // Nothing changed in the images.
  await applied("d", [deployment("account", `registry.example/shop/account:2.0.0@${digest}`, "registry.example/proxy:2"), deployment("web", "registry.example/shop/web:1.1.0"), deployment("new", "registry.example/shop/new:1")]);
  await h.notifier.idle();
  const image = (c: string): string | undefined => (r.received.find((x) => (x.body.metadata as Record<string, string>).revision === rev(c))?.body.metadata as Record<string, string> | undefined)?.image;
  assert.equal(r.received.length, 4);
  assert.equal(image("a"), undefined, "the first build has nothing to compare with");
  assert.equal(image("b"), "registry.example/proxy:2, registry.example/shop/web:1.1.0", "changed by hand; a new workload is no change");
  assert.equal(image("c"), `registry.example/shop/account:2.0.0@${digest}`, "the trailer's image, once");
  assert.equal(image("d"), undefined);
});

test("commit statuses: pending before the result when the Providers are read after the start, and when the revision was already applied", async (t) => {
  const r = await receiver(t);
  const h = harness();
  const notify = [provider("gh", "github", `${r.url}/acme/manifests`), alert("gh", "gh", [{ kind: "Kustomization", name: "*" }])];
  const states = (c: string): unknown[] => r.received.filter((x) => x.path === `/api/v3/repos/acme/manifests/statuses/${sha(c)}`).map((x) => x.body.state);
  // A new revision: Progressing is written before the build reads the Providers.
  const progressing = nextStatus(undefined, { kind: "progressing", revision: rev("a"), source: "manifests" }, new Date().toISOString());
  await h.write("apps", progressing);
  h.notifier.configure("apps", notify);
  const done = nextStatus(progressing, { kind: "succeeded", revision: rev("a"), source: "manifests", objects: 1, changeSet: "1 created", durationMs: 5 }, new Date().toISOString());
  await h.write("apps", done);
  await h.notifier.idle();
  assert.deepEqual(states("a"), ["pending", "success"]);
  // The same revision reconciled again: nothing more.
  await h.write("apps", done);
  await h.notifier.idle();
  assert.deepEqual(states("a"), ["pending", "success"]);

  // A restarted agent (a new notifier): the revision was already applied, no Progressing at all.
  const again = harness();
  again.notifier.configure("apps", notify);
  await again.write("apps", done);
  const failed = nextStatus(done, { kind: "failed", reason: "BuildFailed", message: "apps/x.yaml: bad", revision: rev("b"), source: "manifests", durationMs: 5 }, new Date().toISOString());
  await again.write("apps", failed);
  await again.notifier.idle();
  assert.deepEqual(states("a"), ["pending", "success", "pending", "success"]);
  assert.deepEqual(states("b"), ["pending", "failure"]);
});
