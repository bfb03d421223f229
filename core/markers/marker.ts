/**
 * Image policy markers: a YAML comment holding the JSON object `{"$imagepolicy": "NS:NAME"}`
 * (the full image) or `"NS:NAME:tag"`, `"NS:NAME:name"`, `"NS:NAME:digest"` (one part of it).
 */
import type { ImageRef } from "../image-ref.ts";
import { imagePolicyMarkerKey } from "../well-known.ts";

/** Which part of the image a marker sets. */
export type MarkerField = "image" | "tag" | "name" | "digest";

/** A parsed marker. */
export interface Marker {
  /** The marker's `$imagepolicy` value as written, e.g. `flux-system:account:tag`. */
  setter: string;
  /** The policy reference `ns:name`. */
  policy: string;
  field: MarkerField;
}


/** The outcome of reading one comment: not a marker, a marker, or a malformed marker. */
export type MarkerParse = { kind: "none" } | { kind: "marker"; marker: Marker } | { kind: "malformed"; reason: string };

const FIELDS: Readonly<Record<string, MarkerField>> = { tag: "tag", name: "name", digest: "digest" };

/**
 * Reads a comment's text (what follows `#`; further leading `#`s are dropped). A comment that
 * does not mention `$imagepolicy` is not a marker; one that does but is not a JSON object of
 * strings with an `$imagepolicy` of the form `NS:NAME[:tag|name|digest]` is malformed.
 */
export function parseMarkerComment(comment: string): MarkerParse {
  if (!comment.includes(imagePolicyMarkerKey)) return { kind: "none" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(comment.replace(/^#*/, "").trim());
  } catch (err) {
    return { kind: "malformed", reason: `marker is not valid JSON (${(err as Error).message})` };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return { kind: "malformed", reason: "marker must be a JSON object" };
  }
  // Flux decodes the comment into a string-to-string map: any other value type fails the marker.
  const values = parsed as Record<string, unknown>;
  const setter = values[imagePolicyMarkerKey];
  if (typeof setter !== "string") return { kind: "malformed", reason: `marker's "${imagePolicyMarkerKey}" must be a string` };
  const other = Object.keys(values).find((k) => typeof values[k] !== "string");
  if (other !== undefined) return { kind: "malformed", reason: `marker's "${other}" must be a string (a marker is a JSON object of strings)` };
  const parts = setter.split(":");
  const [ns = "", name = "", fieldText] = parts;
  const field = fieldText === undefined ? "image" : FIELDS[fieldText];
  if (parts.length > 3 || ns === "" || name === "" || field === undefined) {
    return { kind: "malformed", reason: `marker "${setter}" is not NS:NAME, NS:NAME:tag, NS:NAME:name or NS:NAME:digest` };
  }
  return { kind: "marker", marker: { setter, policy: `${ns}:${name}`, field } };
}

/**
 * The value a marker writes for `image`: `name:tag[@digest]` for the full image, else the one
 * part. Returns undefined when the image lacks that part (a `:tag` marker for a digest-only image).
 */
export function markerValue(field: MarkerField, image: ImageRef): string | undefined {
  switch (field) {
    case "image":
      if (image.tag === undefined && image.digest === undefined) return undefined;
      return image.name + (image.tag !== undefined ? `:${image.tag}` : "") + (image.digest !== undefined ? `@${image.digest}` : "");
    case "tag":
      return image.tag;
    case "name":
      return image.name;
    case "digest":
      return image.digest;
  }
}
