/**
 * Image tags from a template. The default template `{timestamp}` gives the UTC build time as
 * `YYYYMMDDHHmmss` (`20210608052721`), which sorts alphabetically and numerically in build order,
 * so an alphabetical or numerical image policy always picks the newest build.
 */
import { SlipwayError } from "../core/errors.ts";
import { assertValidTag } from "../core/image-ref.ts";

/** The tag template used when none is given: the UTC build time, `YYYYMMDDHHmmss`. */
export const DEFAULT_TAG_FORMAT = "{timestamp}";

/** What a tag template can refer to. */
export interface TagContext {
  /** The build time; rendered in UTC. */
  now: Date;
  /** Full commit SHA of the source, for `{sha}` and `{short-sha}`. */
  sha?: string;
  /** Branch name (`refs/heads/` is dropped), for `{branch}`. */
  branch?: string;
  /** CI build number, for `{build}`. */
  buildNumber?: string;
}

/** Makes a branch name usable inside a tag: `refs/heads/` dropped, other characters become `-`. */
export function sanitizeBranch(branch: string): string {
  return branch
    .replace(/^refs\/heads\//, "")
    .replace(/[^A-Za-z0-9_.-]+/g, "-")
    .replace(/^[.-]+/, "");
}

const pad = (n: number, width = 2): string => String(n).padStart(width, "0");

/** The UTC date of `d` as `YYYYMMDD`. */
function utcDate(d: Date): string {
  return `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
}

/**
 * Renders a tag template. Tokens: `{timestamp}` (UTC `YYYYMMDDHHmmss`), `{date}` (UTC
 * `YYYYMMDD`), `{sha}` (full commit SHA), `{short-sha}` (its first 7 characters), `{branch}`
 * (sanitized to the tag alphabet, `/` → `-`), `{build}` (CI build number). Text outside braces is
 * kept. An unknown token, a token whose value is missing, or a result that is not a valid OCI tag
 * throws a SlipwayError naming the template.
 */
export function formatTag(template: string, ctx: TagContext): string {
  const subject = `tag-format "${template}"`;
  if (Number.isNaN(ctx.now.getTime())) throw new SlipwayError(subject, "the build time is not a valid date");
  const need = (token: string, value: string | undefined, what: string): string => {
    if (value === undefined || value === "") throw new SlipwayError(subject, `{${token}} needs ${what}, which this build does not have`);
    return value;
  };
  const value = (token: string): string => {
    switch (token) {
      case "timestamp": {
        const d = ctx.now;
        return `${utcDate(d)}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
      }
      case "date":
        return utcDate(ctx.now);
      case "sha":
        return need(token, ctx.sha, "the commit SHA");
      case "short-sha":
        return need(token, ctx.sha, "the commit SHA").slice(0, 7);
      case "branch": {
        const b = sanitizeBranch(need(token, ctx.branch, "the branch name"));
        return need(token, b, "a branch name with at least one tag character");
      }
      case "build":
        return need(token, ctx.buildNumber, "the CI build number");
      default:
        throw new SlipwayError(
          subject,
          `unknown token {${token}} (known: {timestamp}, {date}, {sha}, {short-sha}, {branch}, {build})`,
        );
    }
  };
  let out = "";
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf("{", i);
    const close = template.indexOf("}", i);
    if (close !== -1 && (open === -1 || close < open)) throw new SlipwayError(subject, `unmatched "}" at position ${close + 1}`);
    if (open === -1) {
      out += template.slice(i);
      break;
    }
    const end = template.indexOf("}", open + 1);
    if (end === -1) throw new SlipwayError(subject, `unclosed "{" at position ${open + 1}`);
    out += template.slice(i, open) + value(template.slice(open + 1, end));
    i = end + 1;
  }
  assertValidTag(out, subject);
  return out;
}
