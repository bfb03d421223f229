/**
 * Reading ImagePolicy objects out of a YAML file (one or many documents; documents of other kinds
 * are skipped), with errors that name `file:line` of the document at fault.
 */
import { LineCounter, parseAllDocuments } from "yaml";
import { SlipwayError } from "../errors.ts";
import { parseImagePolicy, type ImagePolicy } from "./image-policy.ts";

/**
 * Parses every `kind: ImagePolicy` document in `text` (the contents of `file`). The namespace of
 * a policy without one is `defaultNamespace` (default "default"). Throws a SlipwayError naming
 * `file:line` for YAML errors and invalid policies.
 */
export function parsePolicyFile(text: string, file: string, defaultNamespace = "default"): ImagePolicy[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter });
  const policies: ImagePolicy[] = [];
  for (const doc of docs) {
    const first = doc.errors[0];
    if (first) {
      const { line } = lineCounter.linePos(first.pos[0]);
      throw new SlipwayError(`${file}:${line}`, `not valid YAML: ${first.message.split("\n")[0]}`, { cause: first });
    }
    const value: unknown = doc.toJS();
    if (typeof value !== "object" || value === null || (value as { kind?: unknown }).kind !== "ImagePolicy") continue;
    const start = doc.contents?.range?.[0] ?? doc.range[0];
    policies.push(parseImagePolicy(value, `${file}:${lineCounter.linePos(start).line}`, defaultNamespace));
  }
  return policies;
}
