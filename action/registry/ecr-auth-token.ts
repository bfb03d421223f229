/**
 * ECR authorization tokens: GetAuthorizationToken returns base64 `AWS:<password>`, valid for 12
 * hours. Tokens are reused until 80 % of their lifetime has passed, then fetched again.
 */
import { SlipwayError } from "../../core/errors.ts";

/** Share of a token's lifetime after which a fresh token is fetched. */
export const TOKEN_REFRESH_FRACTION = 0.8;

/** Decodes an ECR authorization token (base64 `user:password`) into its two parts. */
export function decodeAuthorizationToken(token: string, subject: string): { username: string; password: string } {
  const text = Buffer.from(token, "base64").toString("utf8");
  const colon = text.indexOf(":");
  if (colon <= 0 || colon === text.length - 1) {
    throw new SlipwayError(subject, "GetAuthorizationToken returned a token that is not base64 \"user:password\"");
  }
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

/**
 * Whether a token fetched at `issuedAt` and expiring at `expiresAt` may still be used at `now`:
 * true until {@link TOKEN_REFRESH_FRACTION} of its lifetime has passed. A token without a
 * lifetime (no expiry, or an expiry not after its issue time) is never reused.
 */
export function tokenStillFresh(issuedAt: Date, expiresAt: Date | undefined, now: Date): boolean {
  if (!expiresAt) return false;
  const lifetime = expiresAt.getTime() - issuedAt.getTime();
  if (!(lifetime > 0)) return false;
  return now.getTime() < issuedAt.getTime() + lifetime * TOKEN_REFRESH_FRACTION;
}
