/**
 * AWS KMS for the SOPS tests: the moto server of the test environment (moto-ecr.ts) answers every
 * AWS service on its one port, KMS included, so a KMS key is one `TrentService.CreateKey` call
 * away, and `sops` reaches it through `AWS_ENDPOINT_URL_KMS` with moto's test credentials.
 */
import type { TestEnv } from "./harness.ts";

/** Creates a symmetric KMS key in moto and returns its ARN. */
export async function createKmsKey(env: Pick<TestEnv, "ecrEndpoint" | "awsRegion" | "awsAccessKeyId">, description: string): Promise<string> {
  const res = await fetch(env.ecrEndpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": "TrentService.CreateKey",
      // moto reads the region from the credential scope; it does not check the signature.
      authorization: `AWS4-HMAC-SHA256 Credential=${env.awsAccessKeyId}/20260101/${env.awsRegion}/kms/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify({ Description: description, KeyUsage: "ENCRYPT_DECRYPT", KeySpec: "SYMMETRIC_DEFAULT" }),
  });
  const body = (await res.json()) as { KeyMetadata?: { Arn?: string } };
  const arn = body.KeyMetadata?.Arn;
  if (!res.ok || !arn) throw new Error(`moto KMS CreateKey answered ${res.status}: ${JSON.stringify(body)}`);
  return arn;
}

/** The environment `sops` (or the agent) needs to reach moto's KMS with its test credentials. */
export function kmsEnvironment(env: Pick<TestEnv, "ecrEndpoint" | "awsRegion" | "awsAccessKeyId" | "awsSecretAccessKey">): Record<string, string> {
  return { AWS_ENDPOINT_URL_KMS: env.ecrEndpoint, AWS_REGION: env.awsRegion, AWS_ACCESS_KEY_ID: env.awsAccessKeyId, AWS_SECRET_ACCESS_KEY: env.awsSecretAccessKey };
}
