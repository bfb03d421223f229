/**
 * Listing the policies that markers name, with `file:line`, so that a marker naming a policy
 * nobody defined is reported instead of silently skipped. A line-level scan of the comments:
 * cheap, and it needs no YAML parse. Pure.
 */
import { parseMarkerComment } from "../../core/markers/marker.ts";
import { imagePolicyMarkerKey } from "../../core/well-known.ts";

/** A marker found in a file. */
export interface MarkerUse {
  /** The policy reference `ns:name`. */
  policy: string;
  /** `file:line`. */
  source: string;
}

const MARKER_LITERAL = `"${imagePolicyMarkerKey}"`;

/** Finds every well-formed marker in `text` (`file` names the sources). */
export function scanMarkers(text: string, file: string): MarkerUse[] {
  if (!text.includes(MARKER_LITERAL)) return [];
  const out: MarkerUse[] = [];
  text.split("\n").forEach((line, i) => {
    const at = line.indexOf("#");
    if (at < 0 || !line.includes(MARKER_LITERAL)) return;
    const comment = line.slice(line.indexOf("{", at));
    const parsed = parseMarkerComment(comment);
    if (parsed.kind === "marker") out.push({ policy: parsed.marker.policy, source: `${file}:${i + 1}` });
  });
  return out;
}
