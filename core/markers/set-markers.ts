/**
 * Rewrites the values at image policy markers in one YAML file, changing nothing else.
 *
 * The file is parsed (all documents) only to find scalars — map values and sequence items — and
 * their exact source spans; the new text is spliced into the ORIGINAL string at those spans, so
 * comments, indentation, key order, blank lines, block scalars, CRLF line endings and a missing
 * final newline survive byte for byte. A scalar's marker is its line comment (`value # {…}`) or,
 * when it has no line comment at all, the comment line directly above its entry (above `key:` or
 * `- `) — as Flux reads field comments, a non-marker line comment hides a head comment.
 * Block scalars are never set. A marker naming a policy absent from `images` is left alone.
 */
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Scalar } from "yaml";
import type { ImageRef } from "../image-ref.ts";
import { markerValue, parseMarkerComment } from "./marker.ts";
import { imagePolicyMarkerKey } from "../well-known.ts";
import { scalarText, type ScalarStyle } from "./scalar-text.ts";

/** One value a marker changed. */
export interface MarkerChange {
  /** The file, as the caller named it. */
  file: string;
  /** 1-based line of the value. */
  line: number;
  oldValue: string;
  newValue: string;
  /** The full marker value, e.g. `flux-system:account:tag`. */
  setter: string;
  /** The policy reference `ns:name`. */
  policy: string;
  /** The Kubernetes object holding the value, when the document is one. */
  object?: { apiVersion: string; kind: string; namespace: string; name: string };
}

/** The result of setting markers in one file's text. */
export interface SetMarkersResult {
  /** The new text (identical to the input when nothing changed). */
  text: string;
  changes: MarkerChange[];
  /** `file:line: …` messages: malformed markers, unparsable files, markers that could not be set. */
  warnings: string[];
}

interface SourceToken {
  type: string;
  offset: number;
  source: string;
}

const STYLES: Readonly<Record<string, ScalarStyle>> = {
  scalar: "plain",
  "single-quoted-scalar": "single",
  "double-quoted-scalar": "double",
};

/** Maps offsets to 1-based line numbers. */
function lineOf(lineStarts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((lineStarts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return starts;
}

/**
 * The comment text (after `#`) that follows `end` on the same line, if only spaces come between
 * (or, for an item of a multi-line flow collection, its `,` and spaces).
 */
function lineComment(text: string, end: number): string | undefined {
  let i = end;
  while (text[i] === " " || text[i] === "\t") i++;
  if (text[i] === ",") {
    i++;
    if (text[i] !== " " && text[i] !== "\t") return undefined;
    while (text[i] === " " || text[i] === "\t") i++;
  }
  if (i === end || text[i] !== "#") return undefined;
  const eol = text.indexOf("\n", i);
  return text.slice(i + 1, eol < 0 ? text.length : eol).replace(/\r$/, "");
}

/**
 * The comment on the line directly above the line holding `start`, when `start` opens that line
 * (only indentation and `- ` indicators before it) and the line above holds nothing but a comment.
 */
function headComment(text: string, lineStarts: readonly number[], start: number): { comment: string; line: number } | undefined {
  const line = lineOf(lineStarts, start);
  const lineStart = lineStarts[line - 1] ?? 0;
  if (line < 2 || !/^[ \t]*(?:-[ \t]+)*$/.test(text.slice(lineStart, start))) return undefined;
  const above = text.slice(lineStarts[line - 2] ?? 0, lineStart).replace(/\r?\n$/, "");
  const m = /^[ \t]*#(.*)$/.exec(above);
  return m ? { comment: m[1] ?? "", line: line - 1 } : undefined;
}

function objectOf(doc: Document): MarkerChange["object"] {
  const root = doc.contents;
  if (!isMap(root)) return undefined;
  const str = (v: unknown): string => (typeof v === "string" ? v : "");
  const apiVersion = str(root.get("apiVersion"));
  const kind = str(root.get("kind"));
  if (!apiVersion || !kind) return undefined;
  const metadata = root.get("metadata");
  const name = isMap(metadata) ? str(metadata.get("name")) : "";
  const namespace = isMap(metadata) ? str(metadata.get("namespace")) : "";
  return { apiVersion, kind, namespace, name };
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

/**
 * Sets every marked scalar in `text` (one file, named `file` in changes and warnings) whose
 * marker names a policy in `images` (keyed `ns:name`). Pure: no I/O. A file without the literal
 * `"$imagepolicy"` is returned as is without parsing; a file that does not parse is returned as
 * is with a warning.
 */
export function setMarkersInText(text: string, file: string, images: ReadonlyMap<string, ImageRef>): SetMarkersResult {
  const changes: MarkerChange[] = [];
  const warnings: string[] = [];
  if (!text.includes(`"${imagePolicyMarkerKey}"`)) return { text, changes, warnings };

  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { keepSourceTokens: true, lineCounter, uniqueKeys: false });
  const failed = docs.flatMap((d) => d.errors);
  if (failed.length > 0) {
    const first = failed[0];
    const at = first ? lineCounter.linePos(first.pos[0]).line : 1;
    const message = first ? first.message.split("\n")[0] : "not YAML";
    warnings.push(`${file}:${at}: not valid YAML, markers in this file were not set: ${message}`);
    return { text, changes, warnings };
  }

  const lineStarts = lineStartsOf(text);
  const edits: Edit[] = [];
  const warned = new Set<number>();
  for (const doc of docs) {
    let object: MarkerChange["object"] | null = null;
    const consider = (node: Scalar, entryStart: number): void => {
      const token = node.srcToken as SourceToken | undefined;
      const style = token ? STYLES[token.type] : undefined;
      if (!token || !style) return;
      const end = token.offset + token.source.length;
      // As Flux reads field comments: the line comment when there is one, else the head comment.
      const inline = lineComment(text, end);
      const candidate = inline !== undefined ? { comment: inline, line: lineOf(lineStarts, end) } : headComment(text, lineStarts, entryStart);
      if (candidate) {
        const parsed = parseMarkerComment(candidate.comment);
        if (parsed.kind === "none") return;
        if (parsed.kind === "malformed") {
          if (!warned.has(candidate.line)) warnings.push(`${file}:${candidate.line}: ${parsed.reason}`);
          warned.add(candidate.line);
          return;
        }
        const { marker } = parsed;
        const image = images.get(marker.policy);
        if (!image) return; // a policy we were not given: leave the value alone
        const line = lineOf(lineStarts, token.offset);
        const newValue = markerValue(marker.field, image);
        if (newValue === undefined) {
          warnings.push(`${file}:${line}: marker "${marker.setter}" wants the image's ${marker.field}, but the image for ${marker.policy} has none`);
          return;
        }
        const oldValue = typeof node.source === "string" ? node.source : String(node.value);
        if (oldValue === newValue) return;
        if (object === null) object = objectOf(doc);
        edits.push({ start: token.offset, end, text: scalarText(newValue, style) });
        const change: MarkerChange = { file, line, oldValue, newValue, setter: marker.setter, policy: marker.policy };
        if (object) change.object = object;
        changes.push(change);
        return;
      }
    };
    // A plain recursive walk: the library's generic visit() cost more than parsing here.
    const walk = (node: unknown): void => {
      if (isMap(node)) {
        for (const pair of node.items) {
          if (isScalar(pair.value)) {
            if (isScalar(pair.key)) consider(pair.value, (pair.key.srcToken as SourceToken | undefined)?.offset ?? 0);
          } else walk(pair.value);
        }
      } else if (isSeq(node)) {
        for (const item of node.items) {
          if (isScalar(item)) consider(item, (item.srcToken as SourceToken | undefined)?.offset ?? 0);
          else walk(item);
        }
      }
    };
    walk(doc.contents);
  }
  if (edits.length === 0) return { text, changes, warnings };
  edits.sort((a, b) => a.start - b.start);
  let out = "";
  let at = 0;
  for (const edit of edits) {
    out += text.slice(at, edit.start) + edit.text;
    at = edit.end;
  }
  out += text.slice(at);
  changes.sort((a, b) => a.line - b.line);
  return { text: out, changes, warnings };
}
