/**
 * Checking a build's inputs before any work: the context must be a directory and the
 * Dockerfile must exist, each error naming the input and the path.
 */
import { stat } from "node:fs/promises";
import path from "node:path";
import { SlipwayError } from "../../core/errors.ts";

/** The Dockerfile a build uses: `dockerfile` when given (relative to the working directory), else `<context>/Dockerfile`. */
export function resolveDockerfile(context: string, dockerfile: string | undefined): string {
  return dockerfile ? path.resolve(dockerfile) : path.resolve(context, "Dockerfile");
}

/**
 * Throws a SlipwayError naming the `context` or `dockerfile` input and the path when the context
 * is not a directory or the Dockerfile is not a file.
 */
export async function checkBuildInputs(context: string, dockerfile: string): Promise<void> {
  const kind = async (p: string): Promise<"file" | "directory" | "other" | "missing"> => {
    try {
      const s = await stat(p);
      return s.isFile() ? "file" : s.isDirectory() ? "directory" : "other";
    } catch {
      return "missing";
    }
  };
  const ctx = await kind(context);
  if (ctx !== "directory") {
    throw new SlipwayError("input context", `${path.resolve(context)} ${ctx === "missing" ? "does not exist" : "is not a directory"}`);
  }
  const df = await kind(dockerfile);
  if (df !== "file") {
    throw new SlipwayError("input dockerfile", `${dockerfile} ${df === "missing" ? "does not exist" : "is not a file"}`);
  }
}
