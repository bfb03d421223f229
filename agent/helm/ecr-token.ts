/**
 * Credentials for an ECR-hosted chart registry (`provider: aws`): `GetAuthorizationToken` with
 * the agent's own identity (the pod's IAM role; `ecr:GetAuthorizationToken` plus pull
 * permissions on the repository), decoded into the user and password Helm logs in with. The
 * region comes from the host (`<account>.dkr.ecr.<region>.amazonaws.com`); the password is
 * registered with the redactor.
 */
import { ECRClient, GetAuthorizationTokenCommand } from "@aws-sdk/client-ecr";
import { SlipwayError, errorMessage } from "../../core/errors.ts";
import { registerSecret } from "../../core/redact.ts";
import type { RepositoryCredentials } from "./chart-source.ts";

/** The region of an ECR registry host; undefined when the host is not ECR's. Pure. */
export function ecrRegion(host: string): string | undefined {
  return /^\d{12}\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(host)?.[1];
}

/** Gets a token for `host` (an ECR registry); `endpoint` overrides the ECR API URL. */
export async function ecrCredentials(host: string, options: { endpoint?: string; region?: string; signal?: AbortSignal } = {}): Promise<RepositoryCredentials> {
  const region = options.region ?? ecrRegion(host) ?? process.env.AWS_REGION;
  if (!region) throw new SlipwayError(`registry ${host}`, "is not an ECR host (<account>.dkr.ecr.<region>.amazonaws.com), and AWS_REGION is not set");
  const client = new ECRClient({ region, ...(options.endpoint ? { endpoint: options.endpoint } : {}) });
  try {
    const out = await client.send(new GetAuthorizationTokenCommand({}), options.signal ? { abortSignal: options.signal } : {});
    const token = out.authorizationData?.[0]?.authorizationToken;
    if (!token) throw new Error("the answer holds no token");
    const [username, password] = Buffer.from(token, "base64").toString("utf8").split(/:(.*)/s);
    if (!username || !password) throw new Error("the token is not user:password");
    registerSecret(password);
    registerSecret(token);
    return { username, password };
  } catch (err) {
    throw new SlipwayError(`registry ${host}`, `ECR GetAuthorizationToken failed: ${errorMessage(err)}`, { cause: err });
  } finally {
    client.destroy();
  }
}
