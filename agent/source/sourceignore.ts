/**
 * `.sourceignore` matching as Flux's source-controller does it: gitignore syntax (comments, `!`
 * negation, trailing `/` for directories, anchored patterns, `*`, `?`, `[…]`, `**`), the last
 * matching pattern wins, and a file inside an ignored directory stays ignored. Patterns of a
 * `.sourceignore` in a subdirectory apply below that directory, after the ones above it; Flux's
 * default exclusions come first. The gitignore grammar itself is the `ignore` package's (the
 * matcher `git check-ignore` agrees with), case-sensitive as git and Flux are. Pure.
 */
import ignore, { type Ignore } from "ignore";

/** What is left out of every source even without a `.sourceignore` (VCS and CI metadata, images, archives). */
export const defaultIgnorePatterns: readonly string[] = [
  ".git/",
  ".gitignore",
  ".gitmodules",
  ".gitattributes",
  "*.jpg",
  "*.jpeg",
  "*.gif",
  "*.png",
  "*.wmv",
  "*.flv",
  "*.tar.gz",
  "*.zip",
  ".github/",
  ".circleci/",
  ".travis.yml",
  ".gitlab-ci.yml",
  "appveyor.yml",
  ".drone.yml",
  "cloudbuild.yaml",
  "codeship-services.yml",
  "codeship-steps.yml",
  "**/.goreleaser.yml",
  "**/.sops.yaml",
  "**/.flux.yaml",
];

/** The patterns of one ignore file, rewritten relative to the source root. */
export interface IgnoreRules {
  /** Directory (relative, `""` for the root) of the file the patterns came from; they match paths below it. */
  base: string;
  /** The file's patterns, in order, as a root file would spell them (`*.md` in `apps/` matches below `/apps/` only). */
  patterns: string[];
}

/** Escapes the glob characters of a literal path for a gitignore pattern. */
function literal(p: string): string {
  return p.replace(/[\\*?[\]]/g, "\\$&");
}

/**
 * Compiles the lines of one ignore file found in directory `base` (relative, `""` for the root):
 * a pattern with a `/` before its end is anchored at `base`, any other matches at any depth below
 * it, as git scopes a nested `.gitignore`.
 */
export function compileIgnore(text: string, base = ""): IgnoreRules {
  if (!base) return { base, patterns: text.split(/\r?\n/) };
  const patterns: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    if (raw.trim() === "" || raw.startsWith("#")) continue;
    const negate = raw.startsWith("!");
    const body = negate ? raw.slice(1) : raw;
    const anchored = body.replace(/\/+\s*$/, "").includes("/");
    const scoped = anchored ? `/${literal(base)}/${body.replace(/^\//, "")}` : `/${literal(base)}/**/${body}`;
    patterns.push((negate ? "!" : "") + scoped);
  }
  return { base, patterns };
}

/** A set of ignore rules, checked path by path. */
export interface IgnoreMatcher {
  /**
   * Whether `relPath` (slash-separated, relative to the source root) is ignored by the rules
   * themselves. What lies under an excluded directory is the tree's business ({@link ignoredPaths}):
   * here `a/*` ignores `a/b` but not, by itself, `a/b/c`.
   */
  ignores(relPath: string, isDir: boolean): boolean;
  /** A matcher with more rules added after these (a nested `.sourceignore`). */
  extend(rules: IgnoreRules | readonly IgnoreRules[]): IgnoreMatcher;
}

const newIgnore = (): Ignore => ignore({ ignorecase: false });

/** Creates a matcher from rule sets in order (later patterns win, across files as within one). */
export function createIgnoreMatcher(rules: IgnoreRules | readonly IgnoreRules[]): IgnoreMatcher {
  const sets: readonly IgnoreRules[] = Array.isArray(rules) ? rules : [rules as IgnoreRules];
  const matcher = newIgnore().add(sets.flatMap((r) => r.patterns));
  return {
    ignores(relPath, isDir) {
      const query = isDir ? `${relPath}/` : relPath;
      const parts = relPath.split("/");
      const parents = parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join("/"));
      if (!parents.some((d) => matcher.test(`${d}/`).ignored)) return matcher.test(query).ignored;
      // A parent directory is excluded, which `ignore` (as git) extends to everything below it:
      // judge the path by the rules alone, with its parents re-included last.
      return newIgnore()
        .add(matcher)
        .add(parents.map((d) => `!/${literal(d)}/`))
        .test(query).ignored;
    },
    extend: (more) => createIgnoreMatcher([...sets, ...(Array.isArray(more) ? more : [more as IgnoreRules])]),
  };
}

/** The rules every source starts with: {@link defaultIgnorePatterns}. */
export function defaultIgnoreRules(): IgnoreRules[] {
  return [compileIgnore(defaultIgnorePatterns.join("\n"))];
}

/**
 * Given every path of a tree (directories with a trailing `/`) and the `.sourceignore` texts by
 * directory, returns the paths that are ignored — a path under an ignored directory included.
 */
export function ignoredPaths(paths: readonly string[], ignoreFiles: ReadonlyMap<string, string>, base: readonly IgnoreRules[] = defaultIgnoreRules()): Set<string> {
  const sorted = [...paths].sort();
  const ignored = new Set<string>();
  const ignoredDirs: string[] = [];
  // Rules that apply inside each directory: the parent's plus the directory's own file.
  const rulesFor = (dir: string): IgnoreRules[] => {
    const out: IgnoreRules[] = [...base];
    const parts = dir ? dir.split("/") : [];
    for (let n = 0; n <= parts.length; n++) {
      const d = parts.slice(0, n).join("/");
      const text = ignoreFiles.get(d);
      if (text !== undefined) out.push(compileIgnore(text, d));
    }
    return out;
  };
  const cache = new Map<string, IgnoreMatcher>();
  for (const entry of sorted) {
    const isDir = entry.endsWith("/");
    const rel = isDir ? entry.slice(0, -1) : entry;
    if (ignoredDirs.some((d) => rel.startsWith(d + "/"))) {
      ignored.add(entry);
      continue;
    }
    const dir = rel.includes("/") ? rel.slice(0, rel.lastIndexOf("/")) : "";
    let m = cache.get(dir);
    if (!m) {
      m = createIgnoreMatcher(rulesFor(dir));
      cache.set(dir, m);
    }
    if (m.ignores(rel, isDir)) {
      ignored.add(entry);
      if (isDir) ignoredDirs.push(rel);
    }
  }
  return ignored;
}
