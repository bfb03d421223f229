// dockerconfigjson credentials: decoding `auth`, host matching as docker writes keys, and Secrets
// files whose errors never quote a value.
import { test } from "node:test";
import assert from "node:assert/strict";
import { credentialsForHost, parseDockerConfig } from "../../../action/registry/docker-config-auth.ts";
import { parseRegistrySecrets } from "../../../action/update/registry-secrets.ts";
import { redact } from "../../../core/redact.ts";
import { matchesSelector, parseInputs } from "../../../action/inputs.ts";

const b64 = (s: string): string => Buffer.from(s).toString("base64");

test("auth and username/password entries; keys with scheme and /v1/; Docker Hub's aliases; no match for another host", () => {
  const auths = parseDockerConfig(
    JSON.stringify({ auths: { "https://ghcr.io": { auth: b64("me:ghp-secret-1") }, "registry.example.com:5000/v2/": { username: "u", password: "p-secret-2" }, "https://index.docker.io/v1/": { auth: b64("hub:hub-secret-3") }, "only.token": { identitytoken: "x" } } }),
    "cfg",
  );
  assert.deepEqual(credentialsForHost(auths, "ghcr.io"), { username: "me", password: "ghp-secret-1" });
  assert.deepEqual(credentialsForHost(auths, "registry.example.com:5000"), { username: "u", password: "p-secret-2" });
  assert.deepEqual(credentialsForHost(auths, "docker.io"), { username: "hub", password: "hub-secret-3" });
  assert.equal(credentialsForHost(auths, "registry.example.com"), undefined, "the port is part of the host");
  assert.equal(credentialsForHost(auths, "evil.ghcr.io"), undefined);
  assert.equal(credentialsForHost(auths, "only.token"), undefined);
  assert.equal(redact("x ghp-secret-1 y"), "x *** y");
});

test("a Secrets file: data (base64) and stringData, List, namespace default; errors name file:line and never the value", () => {
  const cfg = JSON.stringify({ auths: { "r.example": { username: "u", password: "pw-secret-4" } } });
  const text = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: a\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: ${b64(cfg)}\n---\napiVersion: v1\nkind: List\nitems:\n  - kind: Secret\n    metadata: {name: b, namespace: apps}\n    stringData:\n      .dockerconfigjson: '${cfg}'\n`;
  const secrets = parseRegistrySecrets(text, "secrets.yaml", "flux-system");
  assert.deepEqual([...secrets.keys()], ["flux-system/a", "apps/b"]);
  assert.deepEqual(credentialsForHost(secrets.get("apps/b") ?? new Map(), "r.example"), { username: "u", password: "pw-secret-4" });
  assert.throws(() => parseRegistrySecrets("kind: Secret\nmetadata: {name: c}\ndata: {token: eA==}\n", "s.yaml", "ns"), /^SlipwayError: s\.yaml:1: Secret\/ns\/c: has no \.dockerconfigjson/);
  assert.throws(
    () => parseRegistrySecrets(`kind: Secret\nmetadata: {name: d}\nstringData:\n  .dockerconfigjson: "{not json pw-secret-5"\n`, "s.yaml", "ns"),
    (err: Error) => /s\.yaml:1: Secret\/ns\/d \.dockerconfigjson: is not JSON/.test(err.message) && !err.message.includes("pw-secret-5"),
  );
});

test("policy and policy-selector inputs: NS/NAME items, equality selectors", () => {
  const i = parseInputs((n) => ({ mode: "update", "manifest-repo": "https://git.example/m.git", policy: "flux-system/web, apps/api", "policy-selector": "team=shop,!skip,tier!=db" })[n]);
  assert.deepEqual(i.policies, ["flux-system/web", "apps/api"]);
  assert.equal(matchesSelector({ team: "shop" }, i.policySelector), true);
  assert.equal(matchesSelector({ team: "shop", skip: "" }, i.policySelector), false);
  assert.equal(matchesSelector({ team: "shop", tier: "db" }, i.policySelector), false);
  assert.equal(matchesSelector(undefined, i.policySelector), false);
  assert.throws(() => parseInputs((n) => ({ mode: "update", "manifest-repo": "https://git.example/m.git", policy: "web" })[n]), /^SlipwayError: input policy: "web" is not NS\/NAME$/);
  assert.throws(() => parseInputs((n) => ({ mode: "update" })[n]), /^SlipwayError: input manifest-repo: is required in mode update$/);
  assert.throws(() => parseInputs((n) => ({ mode: "update", "manifest-repo": "https://git.example/m.git", "policy-selector": "a=b=c" })[n]), /input policy-selector/);
});
