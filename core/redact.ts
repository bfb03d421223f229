/**
 * Secret redaction. Secrets are registered once (a token, a password, a private key) and every
 * line that reaches a log, an output or a step summary passes through `redact`.
 */

const secrets = new Set<string>();

/** Registers a value that must never be printed. Values shorter than 4 characters are ignored. */
export function registerSecret(value: string | undefined): void {
  if (!value || value.length < 4) return;
  secrets.add(value);
  // Also hide the forms a secret takes in URLs and HTTP headers.
  secrets.add(encodeURIComponent(value));
  secrets.add(Buffer.from(value).toString("base64"));
}

/** Replaces every registered secret, and credentials embedded in URLs, with `***`. */
export function redact(text: string): string {
  let out = text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)([^/@\s:]+)(?::[^/@\s]*)?@/gi, "$1***@");
  for (const s of secrets) {
    if (out.includes(s)) out = out.split(s).join("***");
  }
  return out;
}

/** Forgets every registered secret (tests only). */
export function clearSecrets(): void {
  secrets.clear();
}
