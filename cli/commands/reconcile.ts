/**
 * `slipway reconcile [kustomization] NAME [--with-source] [--timeout 5m] [--namespace NS]` and
 * `slipway reconcile source git NAME`: asks the agent to reconcile a sync now (an annotation on
 * its ApplySet parent) and waits until the agent records that it handled the request; exit 0 when
 * the sync is then Ready, 1 otherwise. NAME is a sync of the agent's namespace, `NS/NAME`, or a
 * Kustomization of Flux's `flux-system`. A source is reconciled through a sync that follows it,
 * with `--with-source`.
 */
import { SlipwayError } from "../../core/errors.ts";
import { requestReconcile, waitHandled } from "../../agent/status/parent-requests.ts";
import { createStatusStore, type StatusStore } from "../../agent/status/status-store.ts";
import { splitKey } from "../../agent/flux/sync-key.ts";
import { fluxNamespace } from "../../core/well-known.ts";
import { fail, ok, step, waiting, type CliIO, type CommandRun } from "../io.ts";
import { clusterFlags, clusterFlagsUsage, durationFlag, kubeClientFromFlags, parseFlags } from "../flags.ts";

const USAGE = `Usage: slipway reconcile [kustomization] NAME [--with-source] [--timeout DURATION] [--namespace NS]
       slipway reconcile source git NAME [--timeout DURATION] [--namespace NS]

Asks the agent to reconcile sync NAME now and waits for the result. NAME is a sync of the
agent's namespace, NAMESPACE/NAME, or a Kustomization of flux-system. A source is fetched
through a sync that follows it.

Flags:
  --with-source        fetch the git source first, even if its interval has not passed
  --timeout DURATION   how long to wait (default 5m)
${clusterFlagsUsage(21)}`;

/**
 * The key of the sync a person names: `NS/NAME` as given; a bare NAME is the agent namespace's
 * sync when it has one, else Flux's `flux-system/NAME` when that exists, else NAME.
 */
export async function resolveSyncName(store: StatusStore, name: string, signal?: AbortSignal): Promise<string> {
  if (name.includes("/")) {
    const { namespace, name: n } = splitKey(name, store.namespace);
    return namespace === store.namespace ? n : `${namespace}/${n}`;
  }
  if (await store.get(name, signal)) return name;
  const flux = `${fluxNamespace}/${name}`;
  if (fluxNamespace !== store.namespace && (await store.get(flux, signal))) return flux;
  return name;
}

/** Parses the words after `reconcile`/`suspend`/`resume`: `NAME`, `kustomization NAME` (`ks`), or (reconcile only) `source git NAME`. */
export function targetOf(words: readonly string[], sources: boolean): { kind: "sync" | "source"; name: string } {
  const [a, b, c, ...rest] = words;
  if (words.length === 1 && a) return { kind: "sync", name: a };
  if (words.length === 2 && b && (a === "kustomization" || a === "ks")) return { kind: "sync", name: b };
  if (sources && words.length === 3 && c && a === "source" && b === "git" && rest.length === 0) return { kind: "source", name: c };
  throw new SlipwayError("NAME", sources ? "give exactly one sync name (NAME, kustomization NAME or source git NAME)" : "give exactly one sync name (NAME or kustomization NAME)");
}

/** Runs `slipway reconcile`. */
export const run: CommandRun = async (args: string[], io: CliIO): Promise<number> => {
  const parsed = parseFlags(
    io,
    args,
    USAGE,
    {
      "with-source": { type: "boolean", default: false },
      timeout: { type: "string", default: "5m" },
      ...clusterFlags,
      help: { type: "boolean", short: "h" },
    },
    ({ values, positionals }) => {
      const target = targetOf(positionals, true);
      const timeoutMs = durationFlag("--timeout", values.timeout);
      return { values, target, timeoutMs };
    },
  );
  if (!parsed.ok) return parsed.exit;
  const { values, target, timeoutMs } = parsed.flags;
  const client = await kubeClientFromFlags(values);
  try {
    const store = createStatusStore(client, values.namespace);
    let name: string;
    let withSource = values["with-source"];
    if (target.kind === "source") {
      const views = await store.list(io.signal);
      const keys = target.name.includes("/") ? [target.name.replace(`${values.namespace}/`, "")] : [target.name, `${fluxNamespace}/${target.name}`];
      const follower = views.find((v) => v.status?.source !== undefined && keys.includes(v.status.source) && !v.suspended && !v.status.suspended);
      if (!follower) {
        fail(io, `source git ${target.name}: no sync that is not suspended follows it in ${values.namespace}`);
        return 1;
      }
      name = follower.sync;
      withSource = true;
      step(io, `fetching GitRepository ${target.name} through sync ${name}`);
    } else {
      name = await resolveSyncName(store, target.name, io.signal);
    }
    const current = await store.get(name, io.signal);
    if (current?.suspended || current?.status?.suspended) {
      fail(io, `sync ${name}: is suspended; run "slipway resume ${name}" first`);
      return 1;
    }
    step(io, `annotating sync ${name} in ${values.namespace}`);
    const at = await requestReconcile(client, values.namespace, name, { withSource, signal: io.signal });
    waiting(io, "waiting for the agent to reconcile");
    const view = await waitHandled(store, name, at, { timeoutMs, signal: io.signal });
    const status = view.status;
    if (target.kind === "source" && status?.reason !== "ArtifactFailed" && status?.lastAttemptedRevision) ok(io, `fetched revision ${status.lastAttemptedRevision}`);
    if (status?.ready === "True") {
      ok(io, `${status.message}${status.lastChangeSet ? ` (${status.lastChangeSet})` : ""}`);
      return 0;
    }
    fail(io, `${status?.reason ?? "Unknown"}: ${status?.message ?? "no status"}`);
    return 1;
  } finally {
    client.close();
  }
};
