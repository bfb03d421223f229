/**
 * Kubeconfig files for the local control plane: one server, one user authenticated by a client
 * certificate, one context.
 */
import { writeFileSync } from "node:fs";
import { stringify } from "yaml";

/** What a kubeconfig points at. */
export interface KubeconfigOptions {
  /** API server URL, `https://127.0.0.1:PORT`. */
  server: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  /** User and context name. Default `slipway`. */
  user?: string;
}

/** Returns the kubeconfig YAML text. Pure. */
export function kubeconfigYaml(options: KubeconfigOptions): string {
  const user = options.user ?? "slipway";
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "slipway-testenv", cluster: { server: options.server, "certificate-authority": options.caFile } }],
    users: [{ name: user, user: { "client-certificate": options.certFile, "client-key": options.keyFile } }],
    contexts: [{ name: user, context: { cluster: "slipway-testenv", user } }],
    "current-context": user,
    preferences: {},
  });
}

/** Writes a kubeconfig file (mode 0600). */
export function writeKubeconfig(file: string, options: KubeconfigOptions): void {
  writeFileSync(file, kubeconfigYaml(options), { mode: 0o600 });
}
