/**
 * Secret redaction. Secrets are registered once (a token, a password, a private key) and every
 * line that reaches a log, an output, a step summary or an error message passes through
 * `redact`, which removes every form a secret takes on the way out:
 * - the raw text (and, for a multi-line secret such as a private key, each of its long lines);
 * - URL-encoded (`encodeURIComponent`, and form encoding with `+` for spaces);
 * - JSON-escaped (`"` and `\` escaped, as inside a JSON string);
 * - base64 or base64url, at any alignment and inside longer runs: a run of base64 characters
 *   whose decoding holds a secret is replaced whole, so `Basic base64(user:password)` with any
 *   username loses the entire run, never only a part that leaves the rest decodable;
 * - credentials embedded in URLs (`scheme://user:password@host`).
 */

/** Every literal form of every registered secret, longest first (so a longer form wins). */
let forms: string[] = [];
const raws = new Set<string>();

/** Shorter values are ignored: they would redact ordinary words. */
const MIN_SECRET_LENGTH = 4;

/** A run of base64 / base64url characters long enough to hold a secret of MIN_SECRET_LENGTH. */
const BASE64_RUN = /[A-Za-z0-9+/_-]{6,}={0,2}/g;

function literalForms(value: string): string[] {
  const out = [value, encodeURIComponent(value), encodeURIComponent(value).replace(/%20/g, "+"), JSON.stringify(value).slice(1, -1)];
  const b = Buffer.from(value);
  out.push(b.toString("base64"), b.toString("base64").replace(/=+$/, ""), b.toString("base64url"));
  return out;
}

/**
 * Registers a value that must never be printed, in any of the forms listed in the file comment.
 * Values shorter than 4 characters are ignored. A multi-line value also registers each of its
 * lines of 16 characters or more (a line of a private key is as secret as the key).
 */
export function registerSecret(value: string | undefined): void {
  if (!value) return;
  const candidates = [value, value.trim()];
  if (value.includes("\n")) for (const line of value.split(/\r?\n/)) if (line.trim().length >= 16) candidates.push(line.trim());
  let added = false;
  for (const c of candidates) {
    if (c.length < MIN_SECRET_LENGTH || raws.has(c)) continue;
    raws.add(c);
    added = true;
  }
  if (!added) return;
  const all = new Set<string>();
  for (const r of raws) for (const f of literalForms(r)) if (f.length >= MIN_SECRET_LENGTH) all.add(f);
  forms = [...all].sort((a, b) => b.length - a.length);
}

function replaceLiterals(text: string): string {
  let out = text;
  for (const f of forms) if (out.includes(f)) out = out.split(f).join("***");
  return out;
}

function holdsSecret(text: string, depth: number): boolean {
  if (replaceLiterals(text) !== text) return true;
  return depth > 0 && replaceBase64Runs(text, depth - 1) !== text;
}

/** Replaces each base64 run whose decoding (at any of the 4 alignments) holds a secret. */
function replaceBase64Runs(text: string, depth: number): string {
  return text.replace(BASE64_RUN, (run) => {
    for (let offset = 0; offset < 4 && run.length - offset >= 6; offset++) {
      const decoded = Buffer.from(run.slice(offset), "base64").toString("latin1");
      if (holdsSecret(decoded, depth) || holdsSecret(Buffer.from(decoded, "latin1").toString("utf8"), depth)) return "***";
    }
    return run;
  });
}

/** Replaces every form of every registered secret, and credentials embedded in URLs, with `***`. */
export function redact(text: string): string {
  let out = text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)([^/@\s:]+)(?::[^/@\s]*)?@/gi, "$1***@");
  if (raws.size === 0) return out;
  // Base64 runs first: replacing an aligned literal inside a run would leave its rest decodable.
  out = replaceBase64Runs(out, 1);
  return replaceLiterals(out);
}

/** Forgets every registered secret (tests only). */
export function clearSecrets(): void {
  raws.clear();
  forms = [];
}
