/**
 * The `Link: <…>; rel="next"` header registries use to page `/v2/<name>/tags/list` (RFC 8288).
 */

/** The target of the `rel="next"` entry of a `Link` header, or undefined. */
export function nextLink(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>\s*(.*)$/.exec(part);
    if (m && /(?:^|;)\s*rel\s*=\s*"?(?:[^";]*\s)?next(?:\s[^";]*)?"?\s*(?:;|$)/i.test(m[2] ?? "")) return m[1];
  }
  return undefined;
}
