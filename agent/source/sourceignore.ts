/**
 * `.sourceignore` matching: gitignore syntax (comments, `!` negation, trailing `/` for
 * directories, anchored patterns, `*`, `?`, `[…]`, `**`), the last matching pattern wins, and a
 * file inside an ignored directory stays ignored. Patterns of a `.sourceignore` in a
 * subdirectory apply below that directory. Pure.
 */

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

/** One compiled pattern. */
interface Rule {
  /** Directory (relative, `""` for the root) of the file the pattern came from. */
  base: string;
  negate: boolean;
  dirOnly: boolean;
  re: RegExp;
}

function globToRegExp(glob: string): string {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] ?? "";
    if (c === "*") {
      if (glob[i + 1] === "*") {
        const before = i === 0 || glob[i - 1] === "/";
        const after = glob[i + 2] === "/" || i + 2 === glob.length;
        if (before && after) {
          // `**/` matches zero or more directories; a trailing `**` matches everything below.
          if (glob[i + 2] === "/") {
            out += "(?:.*/)?";
            i += 2;
          } else {
            out += ".*";
            i += 1;
          }
          continue;
        }
      }
      out += "[^/]*";
    } else if (c === "?") out += "[^/]";
    else if (c === "[") {
      const end = glob.indexOf("]", i + 2);
      if (end < 0) out += "\\[";
      else {
        let cls = glob.slice(i + 1, end).replace(/\\/g, "\\\\");
        if (cls.startsWith("!")) cls = "^" + cls.slice(1);
        out += `[${cls}]`;
        i = end;
      }
    } else if (c === "\\" && i + 1 < glob.length) {
      out += (glob[i + 1] ?? "").replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
      i++;
    } else out += c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  return out;
}

/** Compiles the lines of one ignore file found in directory `base` (relative, `""` for the root). */
export function compileIgnore(text: string, base = ""): Rule[] {
  const rules: Rule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.replace(/(?<!\\)\s+$/, "");
    if (line === "" || line.startsWith("#")) continue;
    let negate = false;
    if (line.startsWith("!")) {
      negate = true;
      line = line.slice(1);
    } else if (line.startsWith("\\!") || line.startsWith("\\#")) line = line.slice(1);
    let dirOnly = false;
    if (line.endsWith("/")) {
      dirOnly = true;
      line = line.slice(0, -1);
    }
    if (line === "") continue;
    const anchored = line.includes("/");
    if (line.startsWith("/")) line = line.slice(1);
    const body = globToRegExp(line);
    rules.push({ base, negate, dirOnly, re: new RegExp(anchored ? `^${body}$` : `^(?:.*/)?${body}$`) });
  }
  return rules;
}

/** A set of ignore rules, checked path by path. */
export interface IgnoreMatcher {
  /** Whether `relPath` (slash-separated, relative to the source root) is ignored by the rules themselves. */
  ignores(relPath: string, isDir: boolean): boolean;
  /** A matcher with more rules added after these (a nested `.sourceignore`). */
  extend(rules: readonly Rule[]): IgnoreMatcher;
}

/** Creates a matcher from compiled rules, in order (later rules win). */
export function createIgnoreMatcher(rules: readonly Rule[]): IgnoreMatcher {
  return {
    ignores(relPath, isDir) {
      let ignored = false;
      for (const r of rules) {
        if (r.dirOnly && !isDir) continue;
        let p = relPath;
        if (r.base) {
          if (!relPath.startsWith(r.base + "/")) continue;
          p = relPath.slice(r.base.length + 1);
        }
        if (r.re.test(p)) ignored = !r.negate;
      }
      return ignored;
    },
    extend: (more) => createIgnoreMatcher([...rules, ...more]),
  };
}

/** The rules every source starts with: {@link defaultIgnorePatterns}. */
export function defaultIgnoreRules(): Rule[] {
  return compileIgnore(defaultIgnorePatterns.join("\n"));
}

/**
 * Given every path of a tree (directories with a trailing `/`) and the `.sourceignore` texts by
 * directory, returns the paths that are ignored — a path under an ignored directory included.
 */
export function ignoredPaths(paths: readonly string[], ignoreFiles: ReadonlyMap<string, string>, base: readonly Rule[] = defaultIgnoreRules()): Set<string> {
  const sorted = [...paths].sort();
  const ignored = new Set<string>();
  const ignoredDirs: string[] = [];
  // Rules that apply inside each directory: the parent's plus the directory's own file.
  const rulesFor = (dir: string): Rule[] => {
    const out: Rule[] = [...base];
    const parts = dir ? dir.split("/") : [];
    for (let n = 0; n <= parts.length; n++) {
      const d = parts.slice(0, n).join("/");
      const text = ignoreFiles.get(d);
      if (text !== undefined) out.push(...compileIgnore(text, d));
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
