/**
 * Recognizing Amazon ECR registry hosts and reading the account and region out of them:
 * `<account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]`, the dual-stack
 * `<account>.dkr-ecr[-fips].<region>.on.aws`, the European Sovereign Cloud (`amazonaws.eu`) and
 * the isolated partitions.
 */

/** What an ECR registry host says about itself. */
export interface EcrHost {
  /** The 12-digit AWS account (the ECR registry id). */
  accountId: string;
  /** The AWS region, e.g. `ap-northeast-2`, `cn-north-1`, `us-gov-west-1`. */
  region: string;
  /** Whether the host is a FIPS endpoint (`dkr.ecr-fips.…`). */
  fips: boolean;
  /** Whether the host is a dual-stack (IPv4 + IPv6) endpoint (`dkr-ecr.…`). */
  dualStack: boolean;
}

/** DNS suffixes of the partitions ECR runs in. */
const SUFFIXES = [
  "amazonaws\\.com",
  "amazonaws\\.com\\.cn",
  "amazonaws\\.eu",
  "on\\.aws",
  "c2s\\.ic\\.gov",
  "sc2s\\.sgov\\.gov",
  "cloud\\.adc-e\\.uk",
  "csp\\.hci\\.ic\\.gov",
];

const ECR_HOST = new RegExp(`^([0-9]{12})\\.dkr([.-])ecr(-fips)?\\.([a-z0-9-]+)\\.(?:${SUFFIXES.join("|")})(?::443)?$`);

/** Parses `host` (no scheme, no path) as an ECR registry host, or returns undefined when it is not one. */
export function parseEcrHost(host: string): EcrHost | undefined {
  const m = ECR_HOST.exec(host.toLowerCase());
  if (!m || !m[1] || !m[4]) return undefined;
  return { accountId: m[1], region: m[4], fips: m[3] !== undefined, dualStack: m[2] === "-" };
}
