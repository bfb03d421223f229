/**
 * `slipway reconcile NAME [--with-source] [--timeout 5m] [--namespace NS]`: asks the agent to
 * reconcile a sync now (an annotation on its ApplySet parent) and waits until the agent records
 * that it handled the request; exit 0 when the sync is then Ready, 1 otherwise.
 */
import { SlipwayError } from "../../core/errors.ts";
import { requestReconcile, waitHandled } from "../../agent/status/parent-requests.ts";
import { createStatusStore } from "../../agent/status/status-store.ts";
import { fail, ok, step, waiting, type CliIO, type CommandRun } from "../io.ts";
import { clusterFlags, clusterFlagsUsage, durationFlag, kubeClientFromFlags, parseFlags } from "../flags.ts";

const USAGE = `Usage: slipway reconcile NAME [--with-source] [--timeout DURATION] [--namespace NS]

Asks the agent to reconcile sync NAME now and waits for the result.

Flags:
  --with-source        fetch the git source first, even if its interval has not passed
  --timeout DURATION   how long to wait (default 5m)
${clusterFlagsUsage(21)}`;

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
      if (positionals.length !== 1 || !positionals[0]) throw new SlipwayError("NAME", "give exactly one sync name");
      const timeoutMs = durationFlag("--timeout", values.timeout);
      return { values, name: positionals[0], timeoutMs };
    },
  );
  if (!parsed.ok) return parsed.exit;
  const { values, name, timeoutMs } = parsed.flags;
  const client = await kubeClientFromFlags(values);
  try {
    const store = createStatusStore(client, values.namespace);
    const current = await store.get(name, io.signal);
    if (current?.suspended || current?.status?.suspended) {
      fail(io, `sync ${name}: is suspended; run "slipway resume ${name}" first`);
      return 1;
    }
    step(io, `annotating sync ${name} in ${values.namespace}`);
    const at = await requestReconcile(client, values.namespace, name, { withSource: values["with-source"], signal: io.signal });
    waiting(io, "waiting for the agent to reconcile");
    const view = await waitHandled(store, name, at, { timeoutMs, signal: io.signal });
    const status = view.status;
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
