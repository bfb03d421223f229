/**
 * Numbers as Go's `strconv.ParseFloat(s, 64)` reads them, which the numerical image policy uses:
 * decimal (`12`, `-1.5`, `.5`, `1.`, `1e3`, `1_000` with underscores between digits), hexadecimal
 * with a binary exponent (`0x1p-2`; `0x1F` without `p` is rejected), `inf`/`infinity` with an
 * optional sign and `nan`, case-insensitive. A finite literal too large for a float64 is an error,
 * as in Go. JavaScript's Number() differs: it accepts `0x1F`, `0b1`, "" and surrounding spaces.
 */

const DIGITS = "[0-9](?:_?[0-9])*";
const DECIMAL = new RegExp(`^[+-]?(?:${DIGITS}(?:\\.(?:${DIGITS})?)?|\\.${DIGITS})(?:[eE][+-]?${DIGITS})?$`);
const HEX = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?[0-9]+)$/;
const INFINITY = /^([+-]?)(?:inf|infinity)$/i;
const NAN = /^nan$/i;

/** Parses `text` as Go's ParseFloat would; returns undefined where Go returns an error. */
export function parseGoFloat(text: string): number | undefined {
  if (DECIMAL.test(text)) {
    const value = Number(text.replaceAll("_", ""));
    return Number.isFinite(value) ? value : undefined;
  }
  const hex = HEX.exec(text);
  if (hex) {
    const [, sign, int = "", frac = "", exp = "0"] = hex;
    if (int === "" && frac === "") return undefined;
    const mantissa = Number.parseInt(int + frac || "0", 16);
    const value = mantissa * 2 ** (Number(exp) - 4 * frac.length);
    if (!Number.isFinite(value)) return undefined;
    return sign === "-" ? -value : value;
  }
  const inf = INFINITY.exec(text);
  if (inf) return inf[1] === "-" ? -Infinity : Infinity;
  if (NAN.test(text)) return Number.NaN;
  return undefined;
}
