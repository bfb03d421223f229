/**
 * Go-style durations (`30s`, `1m`, `1h30m`, `500ms`), the notation Kubernetes tooling and Flux
 * use for intervals and timeouts. Pure.
 */

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a Go-style duration into milliseconds; returns undefined when the text is not one.
 * A sequence of `<number><unit>` with units `ms`, `s`, `m`, `h` (`1h30m`, `1.5s`); `0` alone is 0.
 */
export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (s === "0") return 0;
  if (s === "") return undefined;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/y;
  let total = 0;
  let pos = 0;
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m || !m[1] || !m[2]) return undefined;
    total += Number(m[1]) * (units[m[2]] ?? 0);
    pos = re.lastIndex;
  }
  return Math.round(total);
}

/** Formats milliseconds the Go way (`1h30m0s` is shortened to `1h30m`; `90s` → `1m30s`; `250ms`). */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let rest = ms;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const sec = Math.round(rest / 100) / 10;
  let out = "";
  if (h) out += `${h}h`;
  if (m) out += `${m}m`;
  if (sec || !out) out += `${sec}s`;
  return out;
}
