/**
 * A guard against YAML alias bombs ("billion laughs"): anchors and aliases that a parser, or
 * kustomize, would expand into far more nodes than the file holds. The file is parsed into its
 * syntax tree (aliases stay unexpanded, linear in the file's size) and the expanded size is
 * counted with one memoized walk, so the check itself is linear however deep the bomb nests.
 * Pure.
 */
import { isAlias, isMap, isPair, isSeq, LineCounter, parseAllDocuments, type Document, type Node } from "yaml";
import path from "node:path";
import { SlipwayError } from "./errors.ts";

/** Options for {@link checkYamlAliases}. */
export interface YamlAliasLimits {
  /**
   * Most nodes that aliases may add when expanded (expanded size minus the file's own nodes).
   * Default 100000: ordinary uses of anchors add a few hundred.
   */
  maxAliasNodes?: number;
}

/** The default of {@link YamlAliasLimits.maxAliasNodes}. */
export const DEFAULT_MAX_ALIAS_NODES = 100_000;

/** Thrown inside the walk when a budget is exceeded or an alias refers to its own ancestor. */
class Exceeded extends Error {
  readonly offset: number;

  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

/**
 * Counts the nodes of `doc` with every alias expanded, stopping (throwing) as soon as the count
 * passes `budget`. The walk goes in document order and records anchors as it meets them (an
 * alias names the latest anchor before it), so resolving an alias is one map lookup, and each
 * anchored node's expanded size is computed once.
 */
function expandedSize(doc: Document.Parsed, budget: number): number {
  const memo = new Map<Node, number>();
  const anchors = new Map<string, Node>();
  const active = new Set<Node>();
  let total = 0;
  const size = (node: unknown): number => {
    if (node === null || node === undefined) return 0;
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      const offset = node.range?.[0] ?? 0;
      if (!target) return 1;
      if (active.has(target)) throw new Exceeded(`alias *${node.source} refers to a node that contains it (a recursive alias)`, offset);
      const n = memo.get(target) ?? measure(target);
      total += n;
      if (total > budget) throw new Exceeded(`aliases expand to more than ${budget} nodes (an alias bomb)`, offset);
      return n;
    }
    return measure(node as Node);
  };
  const measure = (node: Node): number => {
    const known = memo.get(node);
    if (known !== undefined) return known;
    const anchor = (node as { anchor?: string }).anchor;
    if (anchor) anchors.set(anchor, node);
    active.add(node);
    let n = 1;
    if (isMap(node) || isSeq(node)) {
      for (const item of node.items) {
        if (isPair(item)) n += size(item.key) + size(item.value);
        else n += size(item);
      }
    }
    active.delete(node);
    memo.set(node, n);
    return n;
  };
  size(doc.contents);
  return total;
}

/**
 * Refuses YAML text whose aliases would expand beyond the limit (or refer to their own
 * ancestors), with a SlipwayError naming `file:line`. Text without an `&` (no anchor, hence no
 * alias) is accepted without parsing. Syntax errors are left to the real parser.
 */
export function checkYamlAliases(text: string, file: string, limits: YamlAliasLimits = {}): void {
  if (!text.includes("&")) return;
  const budget = limits.maxAliasNodes ?? DEFAULT_MAX_ALIAS_NODES;
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter });
  if (!Array.isArray(docs)) return;
  let used = 0;
  for (const doc of docs) {
    try {
      used += expandedSize(doc, budget - used);
    } catch (err) {
      if (!(err instanceof Exceeded)) throw err;
      throw new SlipwayError(`${file}:${lineCounter.linePos(err.offset).line}`, `${err.message}; refused`);
    }
  }
}

/**
 * Refuses YAML text that was decoded from UTF-16 or UTF-32 as if it were UTF-8 (a byte order
 * mark FF FE / FE FF, or NUL characters, which YAML never holds), with a SlipwayError naming the
 * file and how to convert it. Pure.
 */
export function checkYamlEncoding(text: string, file: string): void {
  if (text.startsWith("\uFFFD\uFFFD") || text.includes("\u0000")) {
    throw new SlipwayError(file, `is UTF-16 (or UTF-32) text, not UTF-8: convert it (iconv -f UTF-16 -t UTF-8 ${path.basename(file)}) and commit it again`);
  }
}
