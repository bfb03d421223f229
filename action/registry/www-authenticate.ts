/**
 * Parsing registry auth challenges (`WWW-Authenticate: Bearer realm="…",service="…",scope="…"`
 * or `Basic realm="…"`). Pure functions.
 */

/** One auth challenge: its scheme (lowercase) and parameters (lowercase keys). */
export interface AuthChallenge {
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses a `WWW-Authenticate` header value into its first challenge, or undefined when the
 * value is empty. Quoted parameter values may contain commas and escaped quotes.
 */
export function parseWwwAuthenticate(header: string | null | undefined): AuthChallenge | undefined {
  const text = (header ?? "").trim();
  const m = /^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)\s*(.*)$/s.exec(text);
  if (!m || !m[1]) return undefined;
  const params: Record<string, string> = {};
  const rest = m[2] ?? "";
  const param = /\s*([A-Za-z0-9_.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*(?:,|$)/gy;
  let p: RegExpExecArray | null;
  while (param.lastIndex < rest.length && (p = param.exec(rest)) !== null) {
    if (!p[1]) break;
    params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, "$1") : (p[3] ?? "");
  }
  return { scheme: m[1].toLowerCase(), params };
}
