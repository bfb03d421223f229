/**
 * Following paged list APIs (ECR `nextToken`, registry `Link: <…>; rel="next"`) to the end, with
 * a bound on the number of pages so that a registry that keeps returning a cursor cannot loop forever.
 */
import { SlipwayError, throwIfAborted } from "../../core/errors.ts";

/** One page of a paged listing and the cursor of the next page, if any. */
export interface Page<T> {
  items: T[];
  next?: string;
}

/** Options for {@link collectPages}. */
export interface CollectPagesOptions {
  /** What is being listed, for the error when the page bound is hit. */
  subject: string;
  /** Most pages fetched before giving up. Default 10,000 (10 million ECR images at 1,000 a page). */
  maxPages?: number;
  signal?: AbortSignal;
}

/**
 * Calls `fetchPage` with undefined, then with each returned cursor, until a page comes back
 * without one, and returns all items in order. A repeated cursor or too many pages is an error.
 */
export async function collectPages<T>(
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
  options: CollectPagesOptions,
): Promise<T[]> {
  const maxPages = options.maxPages ?? 10_000;
  const all: T[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    throwIfAborted(options.signal);
    const result = await fetchPage(cursor);
    all.push(...result.items);
    if (result.next === undefined || result.next === "") return all;
    if (seen.has(result.next)) throw new SlipwayError(options.subject, `the registry returned the same page cursor twice after ${page + 1} pages`);
    seen.add(result.next);
    cursor = result.next;
  }
  throw new SlipwayError(options.subject, `still more pages after ${maxPages}; giving up`);
}
