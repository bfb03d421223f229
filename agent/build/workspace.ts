/**
 * A private, disposable copy of a source tree for one build: generated kustomizations and
 * namespace wrappers are written here, never into the cached clone or the user's checkout.
 */
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { applySourceIgnore } from "../source/apply-sourceignore.ts";

/** A temporary tree; `dispose` removes it. */
export interface Workspace {
  root: string;
  dispose(): Promise<void>;
}

/** Creates an empty workspace under `parent` (default the OS temp dir). */
export async function createWorkspace(parent = tmpdir()): Promise<Workspace> {
  const dir = await mkdtemp(path.join(parent, "slipway-build-"));
  const root = path.join(dir, "src");
  return { root, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/** Copies a local directory tree (without `.git`, symlinks kept as links) into a workspace, then applies `.sourceignore`. */
export async function copyIntoWorkspace(from: string, ws: Workspace, signal?: AbortSignal): Promise<void> {
  await cp(from, ws.root, { recursive: true, verbatimSymlinks: true, filter: (src) => path.basename(src) !== ".git" });
  await applySourceIgnore(ws.root, signal);
}
