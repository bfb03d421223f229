/**
 * `slipway get [--namespace NS] [--output json]`: the status of every sync, read from
 * the ApplySet parents in the agent namespace: NAME READY MESSAGE REVISION SUSPENDED.
 */
import { createStatusStore, type ParentView } from "../../agent/status/status-store.ts";
import { table, type CliIO, type CommandRun } from "../io.ts";
import { clusterFlags, clusterFlagsUsage, kubeClientFromFlags, parseFlags, noPositionals, outputFormat } from "../flags.ts";

const USAGE = `Usage: slipway get [--namespace NS] [--output text|json] [--kubeconfig FILE]

Prints NAME READY MESSAGE REVISION SUSPENDED for every sync of the agent in NS.

Flags:
  -o, --output FMT     text (default) or json
${clusterFlagsUsage(21)}`;

/** The table rows of `slipway get`. Pure. */
export function statusRows(views: readonly ParentView[]): string[][] {
  return views.map((v) => [
    v.sync,
    v.status?.ready ?? "Unknown",
    (v.status?.message ?? "not reconciled yet").replace(/\s*\n\s*/g, " "),
    v.status?.lastAppliedRevision ?? "",
    v.suspended || v.status?.suspended ? "True" : "False",
  ]);
}

/** Runs `slipway get`. */
export const run: CommandRun = async (args: string[], io: CliIO): Promise<number> => {
  const parsed = parseFlags(
    io,
    args,
    USAGE,
    {
      ...clusterFlags,
      output: { type: "string", short: "o", default: "text" },
      help: { type: "boolean", short: "h" },
    },
    ({ values, positionals }) => {
      noPositionals(positionals);
      outputFormat(values.output);
      return values;
    },
  );
  if (!parsed.ok) return parsed.exit;
  const values = parsed.flags;
  const client = await kubeClientFromFlags(values);
  try {
    const views = await createStatusStore(client, values.namespace).list(io.signal);
    if (values.output === "json") {
      io.stdout(JSON.stringify(views.map((v) => ({ name: v.sync, suspended: v.suspended || v.status?.suspended === true, ...v.status })), null, 2) + "\n");
      return 0;
    }
    if (views.length === 0) {
      io.stderr(`no syncs found in namespace ${values.namespace}\n`);
      return 0;
    }
    io.stdout(table(["NAME", "READY", "MESSAGE", "REVISION", "SUSPENDED"], statusRows(views)));
    return 0;
  } finally {
    client.close();
  }
};
