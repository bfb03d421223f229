/**
 * The CodeCommit HTTPS password: a SigV4 signature over a `GIT` request for the repository path,
 * computed from AWS credentials at the moment git needs it (it is valid for about 15 minutes).
 * Pure: no I/O, the clock is a parameter.
 *
 * Hand-written on purpose: this is not an HTTP request signature. git-remote-codecommit signs a
 * pseudo-request (method `GIT`, no query, no payload hash, `host` as the only signed header) that
 * the AWS SDK's signers (`@smithy/signature-v4`) cannot produce without reshaping their canonical
 * request; the twenty lines here follow the published algorithm and are pinned by its test vector.
 */
import { createHash, createHmac } from "node:crypto";

/** What {@link signCodeCommit} needs. */
export interface CodeCommitSignInput {
  /** Host of the git endpoint, e.g. `git-codecommit.us-west-2.amazonaws.com`. */
  host: string;
  /** Path of the repository, e.g. `/v1/repos/shop-manifests`. */
  path: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Temporary credentials' session token; it becomes part of the username. */
  sessionToken?: string;
  /** Signing time. */
  now: Date;
}

/** A username and password pair for git's HTTP basic auth. */
export interface CodeCommitPassword {
  /** `AccessKeyId`, or `AccessKeyId%SessionToken` for temporary credentials. */
  username: string;
  /** `<yyyymmddThhmmss>Z<hex signature>`. */
  password: string;
}

const hmac = (key: string | Buffer, data: string): Buffer => createHmac("sha256", key).update(data, "utf8").digest();

/** Formats a date as the UTC `yyyymmddThhmmss` stamp the signature covers (no trailing Z). */
export function codeCommitTimestamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, "").slice(0, 15);
}

/** Signs a CodeCommit git request and returns the basic-auth username and password git sends. */
export function signCodeCommit(input: CodeCommitSignInput): CodeCommitPassword {
  const stamp = codeCommitTimestamp(input.now);
  const day = stamp.slice(0, 8);
  const canonical = `GIT\n${input.path}\n\nhost:${input.host}\n\nhost\n`;
  const scope = `${day}/${input.region}/codecommit/aws4_request`;
  const toSign = `AWS4-HMAC-SHA256\n${stamp}\n${scope}\n${createHash("sha256").update(canonical, "utf8").digest("hex")}`;
  const kDate = hmac(`AWS4${input.secretAccessKey}`, day);
  const kRegion = hmac(kDate, input.region);
  const kService = hmac(kRegion, "codecommit");
  const kSigning = hmac(kService, "aws4_request");
  const signature = createHmac("sha256", kSigning).update(toSign, "utf8").digest("hex");
  const username = input.sessionToken ? `${input.accessKeyId}%${input.sessionToken}` : input.accessKeyId;
  return { username, password: `${stamp}Z${signature}` };
}
