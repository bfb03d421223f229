// `slipway suspend|resume source git NAME`: a GitRepository lives in git (or the agent's
// configuration), which the agent runs as it is, so the command says where to suspend it instead
// of writing a suspension that the next revision would undo. Against the real API server.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createKubeClient } from "../../agent/kube/kube-client.ts";
import { createSourceStatusStore } from "../../agent/status/source-status.ts";
import { createNamespace, integration } from "../env/harness.ts";
import { runCli } from "./run-cli.ts";

test("suspend/resume source git: a source defined in git is suspended in git, a configured one through its syncs; an unknown one is named", async (t) => {
  const env = integration(t);
  if (!env) return;
  const ns = await createNamespace(env, t, "slipway-suspend-src");
  const client = await createKubeClient({ kubeconfig: env.kubeconfig });
  t.after(() => client.close());
  const store = createSourceStatusStore(client, ns);
  const fetched = { ok: true as const, revision: "main@sha1:0123456789abcdef0123456789abcdef01234567", durationMs: 10 };
  await store.record("flux-system/monitoring", { url: "https://git.example/m.git", ref: "branch main", definedBy: "cluster" }, fetched);
  await store.record("manifests", { url: "https://git.example/shop.git", ref: "branch eks" }, fetched);
  const cli = (...words: string[]): ReturnType<typeof runCli> => runCli([...words, "-n", ns, "--kubeconfig", env.kubeconfig]);

  const git = await cli("suspend", "source", "git", "monitoring");
  assert.equal(git.code, 1, git.stderr);
  assert.match(git.stderr, /✗ GitRepository flux-system\/monitoring: is defined in git \(by sync cluster\): set spec\.suspend: true in its file and push/);
  const resumeGit = await cli("resume", "source", "git", "flux-system/monitoring");
  assert.match(resumeGit.stderr, /✗ GitRepository flux-system\/monitoring: is defined in git \(by sync cluster\): set spec\.suspend: false/);
  const configured = await cli("suspend", "source", "git", "manifests");
  assert.equal(configured.code, 1);
  assert.match(configured.stderr, /✗ source manifests: is the source of the agent's configuration \(ConfigMap slipway-config\), which has no suspend: suspend the syncs that follow it/);
  const missing = await cli("suspend", "source", "git", "nope");
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /✗ source git nope: no such source in slipway-suspend-src-\w+/);
  const bad = await cli("suspend", "source", "helm", "x");
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /✗ NAME: give exactly one sync name \(NAME, kustomization NAME or source git NAME\)/);
});
