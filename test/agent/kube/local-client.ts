/**
 * Test helper: a KubeClient for a local HTTP or HTTPS server (a test's own stand-in for one API
 * behaviour), through a kubeconfig written to a temporary directory with a test token. The
 * client, the server and the directory are closed when the test ends.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestContext } from "node:test";
import { createKubeClient, type KubeClient, type KubeClientOptions } from "../../../agent/kube/kube-client.ts";

/**
 * Listens `server` on a kernel-chosen port of 127.0.0.1 and returns a client for it: over https
 * trusting `ca` (the server's certificate, PEM) when given, else over plain http.
 */
export async function localClient(t: TestContext, server: http.Server, options: Omit<KubeClientOptions, "kubeconfig"> & { ca?: Buffer } = {}): Promise<KubeClient> {
  const { ca, ...clientOptions } = options;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const dir = mkdtempSync(path.join(tmpdir(), "slipway-local-kube-"));
  const kubeconfig = path.join(dir, "config");
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      "current-context": "c",
      contexts: [{ name: "c", context: { cluster: "c", user: "u" } }],
      clusters: [{ name: "c", cluster: ca ? { server: `https://127.0.0.1:${port}`, "certificate-authority-data": ca.toString("base64") } : { server: `http://127.0.0.1:${port}`, "insecure-skip-tls-verify": true } }],
      users: [{ name: "u", user: { token: "local-test-token-1" } }],
    }),
  );
  const client = await createKubeClient({ ...clientOptions, kubeconfig });
  t.after(async () => {
    client.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });
  return client;
}
