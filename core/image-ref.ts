/**
 * Container image references (`registry/path:tag@sha256:…`), parsed and validated by the OCI
 * distribution reference grammar: an optional registry host (with port), lowercase path
 * components joined by `/`, an optional tag `[\w][\w.-]{0,127}` and an optional digest `algo:hex`.
 */
import { SlipwayError } from "./errors.ts";

/** A parsed image reference. `name` is the registry host plus the repository path, as written. */
export interface ImageRef {
  /** Registry host and repository path, e.g. `123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/shop/account`. */
  name: string;
  /** The tag, e.g. `20210608052721`. */
  tag?: string;
  /** The content digest, e.g. `sha256:3b5c…`. */
  digest?: string;
}

const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN_NAME = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*`;
const IPV6 = "\\[(?:[a-fA-F0-9:]+)\\]";
const DOMAIN = `(?:${DOMAIN_NAME}|${IPV6})(?::[0-9]+)?`;
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = "[\\w][\\w.-]{0,127}";
const DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
const REFERENCE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const NAME_ANY_CASE = new RegExp(`^(${NAME.replaceAll("[a-z0-9]", "[a-zA-Z0-9]")})(?::(${TAG}))?(?:@(.*))?$`);

/** Hex lengths of the digest algorithms registries implement; others only need the grammar. */
const DIGEST_HEX_LENGTH: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };

/** Longest repository name the distribution grammar allows. */
const NAME_MAX_LENGTH = 255;

/**
 * Parses `text` as an image reference (`name[:tag][@digest]`).
 * Throws a SlipwayError whose subject names the text when it breaks the grammar.
 */
export function parseImageRef(text: string): ImageRef {
  const subject = `image reference "${text}"`;
  if (text.length === 0) throw new SlipwayError(subject, "is empty");
  const m = REFERENCE.exec(text);
  if (!m) {
    if (NAME_ANY_CASE.test(text) && /[A-Z]/.test(text.split(/[:@]/)[0] ?? "")) {
      throw new SlipwayError(subject, "repository name must be lowercase");
    }
    throw new SlipwayError(subject, "invalid reference format (want registry/path[:tag][@algorithm:hex])");
  }
  const [, name = "", tag, digest] = m;
  if (name.length > NAME_MAX_LENGTH) {
    throw new SlipwayError(subject, `repository name must not be longer than ${NAME_MAX_LENGTH} characters`);
  }
  if (digest !== undefined) {
    const [algorithm = "", hex = ""] = digest.split(":");
    const want = DIGEST_HEX_LENGTH[algorithm];
    if (want !== undefined && hex.length !== want) {
      throw new SlipwayError(subject, `${algorithm} digest must have ${want} hex characters, got ${hex.length}`);
    }
    if (want !== undefined && hex !== hex.toLowerCase()) {
      throw new SlipwayError(subject, `${algorithm} digest must be lowercase hex`);
    }
  }
  const ref: ImageRef = { name };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/** Formats a reference as `name[:tag][@digest]`, the inverse of parseImageRef. */
export function formatImageRef(ref: ImageRef): string {
  return ref.name + (ref.tag !== undefined ? `:${ref.tag}` : "") + (ref.digest !== undefined ? `@${ref.digest}` : "");
}
