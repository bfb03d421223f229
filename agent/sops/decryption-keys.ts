/**
 * The keys of a Kustomization's `decryption.secretRef`: the Secret in the Kustomization's
 * namespace, whose `*.agekey` entries are age private keys and whose `sops.aws-kms` entry holds
 * static AWS credentials for KMS (YAML with `aws_access_key_id`, `aws_secret_access_key` and
 * optionally `aws_session_token`), as in Flux. Without that entry SOPS calls KMS with the agent's
 * own identity (the pod's IAM role), which needs `kms:Decrypt` only. Entries Flux reads for other
 * key services (`*.asc` PGP keys, `sops.azure-kv`, `sops.gcp-kms`, `sops.vault-token`) are
 * reported, never used. Every key and credential is registered with the redactor as it is read.
 */
import { parse } from "yaml";
import * as z from "zod";
import { SlipwayError, errorMessage } from "../../core/errors.ts";
import { registerSecret } from "../../core/redact.ts";
import type { KubeClient } from "../kube/kube-client.ts";

/** What the Secret holds for SOPS. */
export interface DecryptionKeys {
  ageKeys: string[];
  /** Static credentials for AWS KMS (`sops.aws-kms`); SOPS then uses them instead of the agent's identity. */
  awsKms?: AwsKmsCredentials;
  /** Entries that are not used, with why (for a warning). */
  ignored: string[];
}

/** Static AWS credentials, as Flux reads them from `sops.aws-kms`. */
export interface AwsKmsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

const awsKmsSchema = z.object({ aws_access_key_id: z.string().min(1), aws_secret_access_key: z.string().min(1), aws_session_token: z.string().optional() });

/** Parses a `sops.aws-kms` entry; errors name the entry, never a value. Pure. */
export function parseAwsKms(text: string, subject: string): AwsKmsCredentials {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new SlipwayError(`${subject}: sops.aws-kms`, "does not parse as YAML", { cause: new Error(errorMessage(err).split("\n")[0]) });
  }
  const r = awsKmsSchema.safeParse(doc);
  if (!r.success) throw new SlipwayError(`${subject}: sops.aws-kms`, "needs aws_access_key_id and aws_secret_access_key (and optionally aws_session_token)");
  return { accessKeyId: r.data.aws_access_key_id, secretAccessKey: r.data.aws_secret_access_key, ...(r.data.aws_session_token ? { sessionToken: r.data.aws_session_token } : {}) };
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
    else if (k === "sops.aws-kms") {
      out.awsKms = parseAwsKms(value, subject);
      registerSecret(out.awsKms.secretAccessKey);
      registerSecret(out.awsKms.sessionToken);
    } else out.ignored.push(`${subject}: ${k}: ${k.endsWith(".asc") ? "PGP keys are not supported by Slipway" : "is not used by Slipway (age keys are *.agekey, AWS credentials sops.aws-kms; without them AWS KMS uses the agent's IAM role)"}`);
  }
  if (out.ageKeys.length === 0 && !out.awsKms && out.ignored.length > 0) out.ignored.push(`${subject}: holds no *.agekey or sops.aws-kms entry`);
  return out;
}
