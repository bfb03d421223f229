/**
 * `slipway diff --path DIR [--sync NAME] [--namespace NS] [--target-namespace NS]`: builds DIR as
 * the agent would and prints what the agent would do with it — the apply engine's plan
 * (agent/apply/resource-manager.ts): each object created, configured, unchanged or skipped, decided
 * by server-side dry-run exactly as the agent decides (the `reconcile` and `ssa` markers
 * honoured), as a unified diff per object, Secret values masked. Exit 0 when nothing would
 * change, 1 when something would (as `kubectl diff`) or an object would fail, 2 on usage errors.
 * With `--sync`, objects carry the labels the agent adds for that sync, so a diff against what the
 * agent applied shows only real changes, and the sync's live ApplySet members that DIR no longer
 * holds are shown as deletions (what pruning would do; prune-disabled members are kept).
 */
import { ResourceManager } from "../../agent/apply/resource-manager.ts";
import { parentId, parentRef, readParent, recordOf, unionRecords, withPartOf } from "../../agent/applyset/applyset-parent.ts";
import { getParent } from "../../agent/applyset/applyset-store.ts";
import { applySetPartOfLabel } from "../../core/well-known.ts";
import { validateObjects } from "../../agent/sync/validate-objects.ts";
import { buildFlags, buildFlagsUsage, buildFromFlags } from "./build.ts";
import { fail, ok, type CliIO, type CommandRun } from "../io.ts";
import { clusterFlags, clusterFlagsUsage, kubeClientFromFlags, parseFlags, noPositionals } from "../flags.ts";

const USAGE = `Usage: slipway diff --path DIR [--sync NAME] [--namespace NS] [--target-namespace NS]

Shows what the agent would do applying DIR (server-side dry-run): a unified diff per object
that would be created, configured or pruned; Secret values masked. Exit 1 when there are
differences.

Flags:
${buildFlagsUsage}  --sync NAME                label objects as sync NAME's agent would, and show what pruning would delete (recommended)
${clusterFlagsUsage(27)}`;

/** Runs `slipway diff`. */
export const run: CommandRun = async (args: string[], io: CliIO): Promise<number> => {
  const parsed = parseFlags(
    io,
    args,
    USAGE,
    {
      ...buildFlags,
      sync: { type: "string" },
      ...clusterFlags,
      help: { type: "boolean", short: "h" },
    },
    ({ values, positionals }) => {
      noPositionals(positionals, "give the directory with --path");
      return values;
    },
  );
  if (!parsed.ok) return parsed.exit;
  const values = parsed.flags;
  const sync = values.sync;
  let objects = await buildFromFlags(values, io, sync ? { sync, namespace: values.namespace } : undefined);
  if (sync) {
    const id = parentId(parentRef(sync, values.namespace));
    objects = objects.map((o) => withPartOf(o, id));
  }
  const client = await kubeClientFromFlags(values);
  try {
    const valid = await validateObjects({ client, objects, ...(values["target-namespace"] ? { targetNamespace: values["target-namespace"] } : {}), signal: io.signal });
    if (valid.errors.length > 0) {
      for (const e of valid.errors) fail(io, e.message);
      return 1;
    }
    objects = valid.objects;
    const manager = new ResourceManager({ client });
    let prune;
    if (sync) {
      // The agent prunes from the union of what the parent records and what the build holds.
      const ref = parentRef(sync, values.namespace);
      const parent = await getParent(client, ref, io.signal);
      const old = parent ? readParent(parent, ref) : { groupKinds: [], namespaces: [] };
      prune = { id: parentId(ref), record: unionRecords(old, recordOf(objects, ref.namespace)) };
    }
    const plan = await manager.plan(objects, { ...(prune ? { prune, memberSelector: `${applySetPartOfLabel}=${prune.id}` } : {}), signal: io.signal });
    for (const e of plan.entries) if (e.diff) io.stdout(e.diff);
    for (const f of plan.failures) fail(io, f.message);
    const changing = plan.entries.filter((e) => e.action === "created" || e.action === "configured").length;
    const pruned = plan.entries.filter((e) => e.action === "deleted").length;
    const skipped = plan.entries.filter((e) => e.action === "skipped").length;
    const skippedNote = skipped > 0 ? `, ${skipped} skipped` : "";
    if (changing + pruned + plan.failures.length === 0) ok(io, `no differences (${objects.length} objects${skippedNote})`);
    else io.stderr(`${changing} of ${objects.length} objects differ${skippedNote}${sync ? `, ${pruned} would be pruned` : ""}${plan.failures.length > 0 ? `, ${plan.failures.length} would fail` : ""}\n`);
    return changing + pruned + plan.failures.length > 0 ? 1 : 0;
  } finally {
    client.close();
  }
};
