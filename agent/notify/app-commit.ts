/**
 * The app commit a manifest commit delivers, from the trailers the CI step writes
 * (`Slipway-Source: <repo URL>@<sha>`, `Slipway-Image: <ref>@<digest>`), and whether a
 * `github` / `gitlab` Provider can post on it: the app repository must be on the same host as the
 * Provider's address (its token is that host's). Pure.
 */

/** What the trailers of a manifest commit say. */
export interface DeliveryTrailers {
  /** The app repository's URL. */
  sourceRepo?: string;
  sourceSha?: string;
  /** `repo:tag@sha256:…`. */
  image?: string;
}

/** Reads the trailers from a commit message; absent ones are undefined. */
export function readDeliveryTrailers(message: string): DeliveryTrailers {
  const out: DeliveryTrailers = {};
  for (const line of message.split("\n")) {
    const src = /^Slipway-Source:\s*(\S+)@([0-9a-f]{40})\s*$/.exec(line);
    if (src) {
      out.sourceRepo = src[1];
      out.sourceSha = src[2];
    }
    const img = /^Slipway-Image:\s*(\S+)\s*$/.exec(line);
    if (img) out.image = img[1];
  }
  return out;
}

/** The Provider address to post on for the app repository, when it is on the same host (scheme and port included) as `address`. */
export function appRepositoryAddress(address: string, sourceRepo: string): string | undefined {
  try {
    const a = new URL(address);
    const s = new URL(sourceRepo);
    return a.origin === s.origin ? `${s.origin}${s.pathname.replace(/\.git$/, "")}` : undefined;
  } catch {
    return undefined;
  }
}
