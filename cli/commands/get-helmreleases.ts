/**
 * `slipway get helmreleases [-A] [--namespace NS] [--output json]`: every HelmRelease the agent
 * renders, from the release statuses in the agent namespace (agent/helm/release-status.ts):
 * NAME CHART VERSION REVISION READY MESSAGE, NAMESPACE first under `-A`. Without `-A` only the
 * releases of the agent's namespace and of Flux's `flux-system` are shown, as `flux get
 * helmreleases` shows one namespace. REVISION is the release revision (1 on install, one more
 * for each applied change of chart or values).
 */
import { fluxNamespace } from "../../core/well-known.ts";
import { listReleaseStatuses, type HelmReleaseStatus } from "../../agent/helm/release-status.ts";
import { table, type CliIO, type CommandRun } from "../io.ts";
import { clusterFlagsUsage, kubeClientFromFlags, listFlags, parseFlags, outputFormat, noPositionals } from "../flags.ts";

const USAGE = `Usage: slipway get helmreleases [-A] [--namespace NS] [--output text|json] [--kubeconfig FILE]

NAME CHART VERSION REVISION READY MESSAGE of every HelmRelease the agent in NS renders.

Flags:
  -A, --all-namespaces show the releases of every namespace, with a NAMESPACE column
  -o, --output FMT     text (default) or json
${clusterFlagsUsage(21)}`;

/** The table: one row per release, sorted by namespace and name. Pure. */
export function helmReleaseTable(statuses: readonly HelmReleaseStatus[], allNamespaces: boolean): string {
  const sorted = [...statuses].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  const header = ["NAME", "CHART", "VERSION", "REVISION", "READY", "MESSAGE"];
  const rows = sorted.map((s) => [s.name, s.chart, s.version, String(s.revision), s.ready, s.message.replace(/\s*\n\s*/g, " ")]);
  return allNamespaces ? table(["NAMESPACE", ...header], rows.map((r, i) => [sorted[i]?.namespace ?? "", ...r])) : table(header, rows);
}

/** Runs `slipway get helmreleases` (the noun already taken off `args`). */
export const run: CommandRun = async (args: string[], io: CliIO): Promise<number> => {
  const parsed = parseFlags(
    io,
    args,
    USAGE,
    listFlags,
    ({ values, positionals }) => {
      outputFormat(values.output);
      noPositionals(positionals, "slipway get helmreleases takes no other words");
      return values;
    },
  );
  if (!parsed.ok) return parsed.exit;
  const values = parsed.flags;
  const client = await kubeClientFromFlags(values);
  try {
    const all = values["all-namespaces"];
    const statuses = (await listReleaseStatuses(client, values.namespace, io.signal)).filter((s) => all || s.namespace === values.namespace || s.namespace === fluxNamespace);
    if (values.output === "json") {
      io.stdout(JSON.stringify({ helmreleases: statuses.map(({ releaseDigest: _d, ...rest }) => rest) }, null, 2) + "\n");
      return 0;
    }
    if (statuses.length === 0) {
      io.stderr(`no helmreleases found${all ? "" : ` in ${values.namespace} or ${fluxNamespace} (-A for every namespace)`}\n`);
      return 0;
    }
    io.stdout(helmReleaseTable(statuses, all));
    return 0;
  } finally {
    client.close();
  }
};
