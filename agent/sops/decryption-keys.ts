/**
 * The keys of a Kustomization's `decryption.secretRef`: the Secret in the Kustomization's
 * namespace, whose `*.agekey` entries are age private keys (as in Flux). AWS KMS needs no entry:
 * SOPS calls KMS with the agent's own identity (the pod's IAM role), which needs `kms:Decrypt`
 * only. Entries Flux reads for other key services (`*.asc` PGP keys, `sops.aws-kms`,
 * `sops.azure-kv`, `sops.gcp-kms`, `sops.vault-token`) are reported, never used. Every key is
 * registered with the redactor as it is read.
 */
import { SlipwayError } from "../../core/errors.ts";
import { registerSecret } from "../../core/redact.ts";
import type { KubeClient } from "../kube/kube-client.ts";

/** What the Secret holds for SOPS. */
export interface DecryptionKeys {
  ageKeys: string[];
  /** Entries that are not used, with why (for a warning). */
  ignored: string[];
}

/** Reads `Secret/<namespace>/<name>`; a missing Secret fails naming it and the field. */
export async function readDecryptionKeys(client: KubeClient, namespace: string, name: string, signal?: AbortSignal): Promise<DecryptionKeys> {
  const subject = `Secret/${namespace}/${name}`;
  const res = await client
    .request<{ data?: Record<string, string> }>({ method: "GET", path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`, allowNotFound: true, signal })
    .catch((err: unknown) => {
      throw new SlipwayError(subject, "cannot read the decryption keys (spec.decryption.secretRef)", { cause: err });
    });
  if (res.status === 404) throw new SlipwayError(subject, "not found (spec.decryption.secretRef)");
  const out: DecryptionKeys = { ageKeys: [], ignored: [] };
  for (const [k, v] of Object.entries(res.body.data ?? {})) {
    const value = Buffer.from(v, "base64").toString("utf8");
    registerSecret(value);
    for (const line of value.split("\n")) if (line.trim().startsWith("AGE-SECRET-KEY-")) registerSecret(line.trim());
    if (k.endsWith(".agekey")) out.ageKeys.push(value);
    else out.ignored.push(`${subject}: ${k}: ${k.endsWith(".asc") ? "PGP keys are not supported by Slipway" : "is not used by Slipway (age keys are *.agekey; AWS KMS uses the agent's IAM role)"}`);
  }
  if (out.ageKeys.length === 0 && out.ignored.length > 0) out.ignored.push(`${subject}: holds no *.agekey entry`);
  return out;
}
