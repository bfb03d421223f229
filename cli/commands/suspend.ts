/**
 * `slipway suspend NAME [--namespace NS]`: Stops the agent from reconciling sync NAME until
 * `slipway resume NAME` (which shares this file's flag handling). The agent reads the
 * `slipway.dev/suspend` annotation on the sync's ApplySet parent.
 */
import { requestReconcile, setSuspended } from "../../agent/status/parent-requests.ts";
import { ok, type CliIO, type CommandRun } from "../io.ts";
import { createStatusStore } from "../../agent/status/status-store.ts";
import { resolveSyncName, targetOf } from "./reconcile.ts";
import { SlipwayError } from "../../core/errors.ts";
import { fluxNamespace } from "../../core/well-known.ts";
import { splitKey } from "../../agent/flux/sync-key.ts";
import { createSourceStatusStore } from "../../agent/status/source-status.ts";
import { clusterFlags, clusterFlagsUsage, kubeClientFromFlags, parseFlags } from "../flags.ts";

const usage = (verb: "suspend" | "resume"): string => `Usage: slipway ${verb} [kustomization] NAME [--namespace NS] [--kubeconfig FILE]
       slipway ${verb} source git NAME

${verb === "suspend" ? 'Stops the agent from reconciling sync NAME until "slipway resume NAME".' : "Lets the agent reconcile sync NAME again, and asks it to reconcile now."}
A GitRepository is ${verb === "suspend" ? "suspended" : "resumed"} in git (spec.suspend), where the agent reads it: "source git NAME" says where.

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
      return { values, target: targetOf(positionals, true) };
    },
  );
  if (!parsed.ok) return parsed.exit;
  const { values, target } = parsed.flags;
  const given = target.name;
  const client = await kubeClientFromFlags(values);
  try {
    if (target.kind === "source") {
      // Flux patches the GitRepository in the cluster; here it lives in git (or the configuration), which the agent runs as it is.
      const sources = await createSourceStatusStore(client, values.namespace).list(io.signal);
      const key = given.includes("/") ? (splitKey(given, values.namespace).namespace === values.namespace ? splitKey(given, values.namespace).name : given) : given;
      const found = sources.find((v) => v.source === key) ?? sources.find((v) => v.source === `${fluxNamespace}/${given}`);
      if (!found) throw new SlipwayError(`source git ${given}`, `no such source in ${values.namespace} (\`slipway get sources git -A\` lists them)`);
      if (found.status.definedBy) {
        throw new SlipwayError(
          `GitRepository ${found.source}`,
          `is defined in git (by sync ${found.status.definedBy}): set spec.suspend: ${suspend ? "true" : "false"} in its file and push; the agent runs what git holds, so a ${suspend ? "suspension" : "resumption"} outside git would not last`,
        );
      }
      throw new SlipwayError(`source ${found.source}`, `is the source of the agent's configuration (ConfigMap slipway-config), which has no suspend: ${suspend ? "suspend" : "resume"} the syncs that follow it (slipway ${suspend ? "suspend" : "resume"} kustomization NAME), or define it as a GitRepository in git with spec.suspend`);
    }
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
