/**
 * `slipway diff --path DIR [--sync NAME] [--namespace NS] [--target-namespace NS]`: builds DIR as
 * the agent would, asks the API server what a server-side apply would make of each object
 * (`dryRun=All`), and prints a unified diff of the live object against that result, per object.
 * Exit 0 when nothing differs, 1 when something does (as `kubectl diff`), 2 on usage errors.
 * With `--sync`, objects carry the labels the agent adds for that sync, so a diff against what the
 * agent applied shows only real changes, and the sync's live ApplySet members that DIR no longer
 * holds are shown as deletions (what pruning would do).
 */
import path from "node:path";
import { stringify } from "yaml";
import { SlipwayError } from "../../core/errors.ts";
import { unifiedDiff } from "../../core/markers/unified-diff.ts";
import { createKubeClient } from "../../agent/kube/kube-client.ts";
import { objectId, type KubeObject } from "../../agent/kube/kube-object.ts";
import { serverSideApply } from "../../agent/apply/server-side-apply.ts";
import { parentId, parentRef, partOfLabel, readParent, withPartOf } from "../../agent/applyset/applyset-parent.ts";
import { getParent } from "../../agent/applyset/applyset-store.ts";
import { resolveGroupKind } from "../../agent/applyset/group-kind-mapping.ts";
import { pruneDisabled } from "../../agent/applyset/prune.ts";
import type { KubeClient } from "../../agent/kube/kube-client.ts";
import { inventoryKey } from "../../agent/kube/kube-object.ts";
import { buildLocal } from "./build.ts";
import { ok, type CliIO, type CommandRun } from "../io.ts";
import { parseFlags, noPositionals } from "../flags.ts";

const USAGE = `Usage: slipway diff --path DIR [--sync NAME] [--namespace NS] [--target-namespace NS]

Shows what applying DIR would change in the cluster (server-side dry-run), as unified diffs.
Exit 1 when there are differences.

Flags:
  --path DIR                 directory to build (default ".")
  --sync NAME                label objects as sync NAME's agent would (recommended)
  -n, --namespace NS         the agent's namespace, with --sync (default slipway-system)
  --target-namespace NS      set this namespace on every namespaced object
  --kubeconfig FILE          default $KUBECONFIG or ~/.kube/config
`;

/** The object as compared: without fields that change on every write. Pure. */
export function comparable(obj: KubeObject | undefined): string {
  if (!obj) return "";
  const { managedFields: _m, resourceVersion: _r, generation: _g, creationTimestamp: _c, uid: _u, ...meta } = obj.metadata;
  return stringify({ ...obj, metadata: meta }, { sortMapEntries: true, lineWidth: 0 });
}

/**
 * The live members of sync `sync`'s ApplySet that `keep` lacks and pruning would delete (objects
 * marked prune-disabled are left out), sorted by id. None when the sync has no parent yet.
 */
export async function prunable(client: KubeClient, sync: string, namespace: string, keep: readonly KubeObject[], signal?: AbortSignal): Promise<KubeObject[]> {
  const ref = parentRef(sync, namespace);
  const live = await getParent(client, ref, signal);
  if (!live) return [];
  const record = readParent(live, ref);
  const id = parentId(ref);
  const kept = new Set(keep.map(inventoryKey));
  const out: KubeObject[] = [];
  for (const gk of record.groupKinds) {
    const mapping = await resolveGroupKind(client, gk, signal);
    if (!mapping) continue;
    for (const ns of mapping.namespaced ? record.namespaces : [undefined]) {
      const res = await client.request<{ items: KubeObject[] }>({
        method: "GET",
        path: client.objectPath(mapping, ns),
        query: { labelSelector: `${partOfLabel}=${id}` },
        signal,
      });
      for (const item of res.body.items) {
        const obj = { ...item, apiVersion: mapping.apiVersion, kind: mapping.kind };
        if (!kept.has(inventoryKey(obj)) && !pruneDisabled(obj)) out.push(obj);
      }
    }
  }
  return out.sort((a, b) => objectId(a).localeCompare(objectId(b)));
}

/** Runs `slipway diff`. */
export const run: CommandRun = async (args: string[], io: CliIO): Promise<number> => {
  const parsed = parseFlags(
    io,
    args,
    USAGE,
    {
      path: { type: "string", default: "." },
      sync: { type: "string" },
      namespace: { type: "string", short: "n", default: "slipway-system" },
      "target-namespace": { type: "string" },
      kubeconfig: { type: "string" },
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
  let objects = await buildLocal(path.resolve(io.cwd, values.path), {
    signal: io.signal,
    ...(values["target-namespace"] ? { targetNamespace: values["target-namespace"] } : {}),
    ...(sync ? { owner: { sync, namespace: values.namespace } } : {}),
  });
  if (sync) {
    const id = parentId(parentRef(sync, values.namespace));
    objects = objects.map((o) => withPartOf(o, id));
  }
  const client = await createKubeClient(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {});
  let differing = 0;
  let pruned = 0;
  try {
    for (const obj of objects) {
      const id = objectId(obj);
      let mapping;
      try {
        mapping = await client.resource(obj.apiVersion, obj.kind, io.signal);
      } catch (err) {
        throw new SlipwayError(id, "cannot diff", { cause: err });
      }
      if (mapping.namespaced && !obj.metadata.namespace) obj.metadata.namespace = "default";
      const live = await client.request<KubeObject>({ method: "GET", path: client.objectPath(mapping, obj.metadata.namespace, obj.metadata.name), allowNotFound: true, signal: io.signal });
      let merged: KubeObject;
      try {
        merged = await serverSideApply({ client, mapping, obj, dryRun: true, signal: io.signal });
      } catch (err) {
        throw new SlipwayError(id, "server-side dry-run failed", { cause: err });
      }
      const before = live.status === 404 ? "" : comparable(live.body);
      const after = comparable(merged);
      if (before === after) continue;
      differing++;
      io.stdout(unifiedDiff(id, before, after));
    }
    if (sync) {
      for (const gone of await prunable(client, sync, values.namespace, objects, io.signal)) {
        pruned++;
        io.stdout(unifiedDiff(objectId(gone), comparable(gone), ""));
      }
    }
  } finally {
    client.close();
  }
  if (differing + pruned === 0) ok(io, `no differences (${objects.length} objects)`);
  else io.stderr(`${differing} of ${objects.length} objects differ${sync ? `, ${pruned} would be pruned` : ""}\n`);
  return differing + pruned > 0 ? 1 : 0;
};
