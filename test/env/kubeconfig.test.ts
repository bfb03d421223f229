// The kubeconfig names one cluster, one certificate user and makes it the current context.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { kubeconfigYaml } from "./kubeconfig.ts";

test("kubeconfigYaml points the current context at the server with the client certificate", () => {
  const cfg = parse(kubeconfigYaml({ server: "https://127.0.0.1:6443", caFile: "/ca", certFile: "/c", keyFile: "/k", user: "admin" })) as {
    clusters: { cluster: { server: string; "certificate-authority": string } }[];
    users: { name: string; user: { "client-certificate": string; "client-key": string } }[];
    "current-context": string;
  };
  assert.equal(cfg.clusters[0]?.cluster.server, "https://127.0.0.1:6443");
  assert.equal(cfg.clusters[0]?.cluster["certificate-authority"], "/ca");
  assert.deepEqual(cfg.users[0], { name: "admin", user: { "client-certificate": "/c", "client-key": "/k" } });
  assert.equal(cfg["current-context"], "admin");
});
