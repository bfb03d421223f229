/**
 * Test helper: the seed's manifest repository as Flux bootstrapped it (examples/shop: branch
 * `eks`, `clusters/eks/flux-system/` with gotk-components.yaml, gotk-sync.yaml and its
 * kustomization.yaml, `clusters/eks/shop/`, `clusters/eks/monitoring.yaml`), made runnable on
 * the test cluster: the shop's namespace renamed to the test's own, gotk-sync.yaml's URL set to
 * the test repository.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const examples = path.resolve(import.meta.dirname, "../../../examples/shop");

/** Options for {@link seedTree}. */
export interface SeedTreeOptions {
  /** The shop's namespace on the test cluster (replaces `shop`). */
  appNamespace: string;
  /** The URL gotk-sync.yaml's GitRepository points at. */
  url: string;
  /** Keep clusters/eks/monitoring.yaml. Default false. */
  monitoring?: boolean;
}

/** Writes the seed's tree into a fresh temp dir and returns it (removed by the caller). */
export function seedTree(options: SeedTreeOptions): string {
  const dir = mkdtempSync(path.join(tmpdir(), "slipway-seed-"));
  cpSync(examples, dir, { recursive: true });
  const shop = path.join(dir, "clusters/eks/shop");
  for (const f of readdirSync(shop)) {
    const file = path.join(shop, f);
    const text = readFileSync(file, "utf8")
      .replace(/^(\s*)namespace: shop$/gm, `$1namespace: ${options.appNamespace}`)
      .replace(/^kind: Namespace\nmetadata:\n {2}name: shop$/m, `kind: Namespace\nmetadata:\n  name: ${options.appNamespace}`);
    writeFileSync(file, text);
  }
  const sync = path.join(dir, "clusters/eks/flux-system/gotk-sync.yaml");
  writeFileSync(sync, readFileSync(sync, "utf8").replace("<git repository url>", options.url));
  if (!options.monitoring) rmSync(path.join(dir, "clusters/eks/monitoring.yaml"));
  return dir;
}
