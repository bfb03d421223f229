/**
 * `slipway suspend NAME [--namespace NS]`: Stops the agent from reconciling sync NAME until
 * `slipway resume NAME` (which shares this file's flag handling). The agent reads the
 * `slipway.dev/suspend` annotation on the sync's ApplySet parent.
 */
import { requestReconcile, setSuspended } from "../../agent/status/parent-requests.ts";
import { ok, type CliIO, type CommandRun } from "../io.ts";
import { createStatusStore } from "../../agent/status/status-store.ts";
import { resolveSyncName, targetOf } from "./reconcile.ts";
import { clusterFlags, clusterFlagsUsage, kubeClientFromFlags, parseFlags } from "../flags.ts";

const usage = (verb: "suspend" | "resume"): string => `Usage: slipway ${verb} [kustomization] NAME [--namespace NS] [--kubeconfig FILE]

${verb === "suspend" ? 'Stops the agent from reconciling sync NAME until "slipway resume NAME".' : "Lets the agent reconcile sync NAME again, and asks it to reconcile now."}

Flags:
${clusterFlagsUsage(21)}`;

/** Runs `slipway suspend` (`suspend: true`) or `slipway resume` (`suspend: false`, then a reconcile request). */
export async function runSuspend(args: string[], io: CliIO, suspend: boolean): Promise<number> {
  const USAGE = usage(suspend ? "suspend" : "resume");
  const parsed = parseFlags(
    io,
    args,
    USAGE,
    {
      ...clusterFlags,
      help: { type: "boolean", short: "h" },
    },
    ({ values, positionals }) => {
      return { values, given: targetOf(positionals, false).name };
    },
  );
  if (!parsed.ok) return parsed.exit;
  const { values, given } = parsed.flags;
  const client = await kubeClientFromFlags(values);
  try {
    const name = await resolveSyncName(createStatusStore(client, values.namespace), given, io.signal);
    await setSuspended(client, values.namespace, name, suspend, io.signal);
    if (suspend) {
      ok(io, `sync ${name} suspended`);
    } else {
      await requestReconcile(client, values.namespace, name, { signal: io.signal });
      ok(io, `sync ${name} resumed; reconcile requested`);
    }
    return 0;
  } finally {
    client.close();
  }
}

/** Runs `slipway suspend`. */
export const run: CommandRun = (args: string[], io: CliIO): Promise<number> => runSuspend(args, io, true);
