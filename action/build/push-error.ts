/**
 * Making sense of a failed `docker push` / `buildah push`: a registry's refusal to overwrite an
 * immutable tag (ECR), a missing or refused login, or anything else, each as one clear error.
 */
import { SlipwayError } from "../../core/errors.ts";
import { splitImageRef } from "../../core/image-ref.ts";

/** Turns a push failure for `ref` (tag `tag`) into a SlipwayError naming the tag or the image. */
export function classifyPushError(ref: string, tag: string | undefined, err: unknown): SlipwayError {
  const text = err instanceof Error ? err.message : String(err);
  if (tag && /ImageTagAlreadyExists|already exists .*(?:immutable|cannot be overwritten)|cannot be overwritten because the (?:repository|tag) is immutable/i.test(text)) {
    return new SlipwayError(`tag ${tag}`, `already exists in ${splitImageRef(ref).name}, whose tags are immutable; nothing pushed under it`, { cause: err });
  }
  if (/unauthorized|authentication required|no basic auth credentials|denied|403 Forbidden/i.test(text)) {
    return new SlipwayError(`image ${ref}`, `push refused by the registry (login missing, expired or without push permission): ${lastLine(text)}`, { cause: err });
  }
  return new SlipwayError(`image ${ref}`, `push failed: ${lastLine(text)}`, { cause: err });
}

function lastLine(text: string): string {
  const lines = text.trim().split("\n");
  return lines[lines.length - 1] ?? text;
}
