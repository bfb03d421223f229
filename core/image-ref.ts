/**
 * Container image references (`registry/path:tag@sha256:…`), the one home of their grammar in
 * the project: parsing and validating by the OCI distribution reference grammar (an optional
 * registry host with port, lowercase path components joined by `/`, an optional tag
 * `[\w][\w.-]{0,127}` and an optional digest `algo:hex`), the host/repository split with Docker
 * Hub's implicit `docker.io/library/`, same-repository comparison, and the tag grammar.
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
const PATH = `${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const NAME = `(?:${DOMAIN}/)?${PATH}`;
const PATH_ONLY = new RegExp(`^${PATH}$`);
/** The OCI tag grammar: a word character, then up to 127 word characters, dots or dashes. */
const TAG = "[\\w][\\w.-]{0,127}";
const TAG_ONLY = new RegExp(`^${TAG}$`);
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

/**
 * Splits `text` into name, tag and digest without validating any part: the digest is what
 * follows the first `@`, the tag what follows the last `:` after the last `/` (so a registry
 * port is never taken for a tag). For references produced by tools (build output) and for
 * inputs that are validated afterwards; use parseImageRef for anything a person wrote.
 */
export function splitImageRef(text: string): ImageRef {
  const at = text.indexOf("@");
  const noDigest = at === -1 ? text : text.slice(0, at);
  const colon = noDigest.lastIndexOf(":");
  const ref: ImageRef = { name: colon > noDigest.lastIndexOf("/") ? noDigest.slice(0, colon) : noDigest };
  if (colon > noDigest.lastIndexOf("/")) ref.tag = noDigest.slice(colon + 1);
  if (at !== -1) ref.digest = text.slice(at + 1);
  return ref;
}

/** An image repository name split into registry host and repository path. */
export interface ImageRepository {
  /** e.g. `123456789012.dkr.ecr.eu-west-1.amazonaws.com`, `127.0.0.1:5000`, `localhost`, `docker.io`. */
  host: string;
  /** e.g. `shop/account`, `library/nginx`. */
  repository: string;
}

/** Docker Hub's registry host, implied when a name's first component is not a host. */
export const DOCKER_HUB_HOST = "docker.io";

/**
 * Whether the first `/`-separated component of a name is a registry host: it contains a `.` or a
 * `:` (a port), or is `localhost`; otherwise the name is a Docker Hub path. The rule Docker and
 * the distribution library apply.
 */
function isHostComponent(first: string): boolean {
  return first.includes(".") || first.includes(":") || first === "localhost";
}

/** Whether `name` (no tag, no digest) starts with a registry host rather than a Docker Hub path. */
export function hasRegistryHost(name: string): boolean {
  const slash = name.indexOf("/");
  return slash !== -1 && isHostComponent(name.slice(0, slash));
}

/**
 * Splits a repository name `host/path` (no tag, no digest) into host and path. Without a host the
 * image is on Docker Hub (`docker.io`, `library/` added to one-component names). Throws a
 * SlipwayError about `subject` (default `input image`) when a tag or digest is present or the path
 * breaks the grammar.
 */
export function splitImageRepository(image: string, subject = "input image"): ImageRepository {
  if (image.includes("@") || image.slice(image.lastIndexOf("/") + 1).includes(":")) {
    throw new SlipwayError(subject, `"${image}" must be a repository without tag or digest`);
  }
  const slash = image.indexOf("/");
  let host: string;
  let repository: string;
  if (hasRegistryHost(image)) {
    host = image.slice(0, slash);
    repository = image.slice(slash + 1);
  } else {
    host = DOCKER_HUB_HOST;
    repository = slash === -1 ? `library/${image}` : image;
  }
  if (!PATH_ONLY.test(repository)) {
    throw new SlipwayError(subject, `"${image}": repository path "${repository}" must be lowercase components of [a-z0-9._-] joined by "/"`);
  }
  return { host, repository };
}

/**
 * Whether two references name the same repository: tag and digest ignored, compared
 * case-insensitively without surrounding space or a trailing `/`, with Docker Hub's implicit
 * host and `library/` made explicit (`nginx` = `docker.io/library/nginx`).
 */
export function sameRepository(a: string, b: string): boolean {
  const norm = (s: string): string => {
    const name = splitImageRef(s.trim().toLowerCase().replace(/\/+$/, "")).name;
    try {
      const { host, repository } = splitImageRepository(name);
      return `${host}/${repository}`;
    } catch {
      return name;
    }
  };
  return norm(a) === norm(b);
}

/** Whether `tag` is a valid OCI tag (`[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`). */
export function isValidTag(tag: string): boolean {
  return TAG_ONLY.test(tag);
}

/**
 * Throws a SlipwayError about `subject` (e.g. `extra-tags`) unless `tag` is a valid OCI tag
 * (`[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`), saying which rule it breaks.
 */
export function assertValidTag(tag: string, subject: string): void {
  if (isValidTag(tag)) return;
  const why =
    tag.length === 0
      ? "is empty"
      : tag.length > 128
        ? `is ${tag.length} characters long (at most 128)`
        : /^[.-]/.test(tag)
          ? "must not start with '.' or '-'"
          : `contains characters outside [A-Za-z0-9_.-]`;
  throw new SlipwayError(subject, `"${tag}" is not a valid image tag: it ${why}`);
}
