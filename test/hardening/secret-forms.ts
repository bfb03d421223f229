/** Helpers that look for every form of a secret in text the tests collect. */

/** Every encoding of `secret` this suite expects never to see in output. */
export function formsOf(secret: string): string[] {
  const b = Buffer.from(secret);
  return [secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1), b.toString("base64"), b.toString("base64url")];
}

/** True when `text` decodes, at any base64 alignment of any base64 run, to something holding `secret`. */
export function base64Leaks(text: string, secret: string): boolean {
  for (const run of text.match(/[A-Za-z0-9+/_-]{6,}={0,2}/g) ?? []) {
    for (let o = 0; o < 4; o++) if (Buffer.from(run.slice(o), "base64").toString("latin1").includes(secret)) return true;
  }
  return false;
}

/** Names the forms of `secret` found in `text` (empty when none leaked). */
export function leaks(text: string, secret: string): string[] {
  const found = formsOf(secret).filter((f) => text.includes(f));
  if (base64Leaks(text, secret)) found.push("base64 run");
  return found;
}
