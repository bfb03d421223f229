/**
 * `slipway agent --config FILE [--once] [--kubeconfig K] [--cache-dir DIR] [--secrets-dir DIR]
 * [--listen ADDR] [--leader-elect=false] [--leader-elect-* DURATION]`: runs the agent. With
 * `--once`, every sync is reconciled one time in dependency order and the exit code is 1 when
 * any failed. The daemon campaigns for the Lease unless `--leader-elect=false`, and exits 1 when
 * it loses it (its pod restarts as a candidate). Logs are JSON lines on stderr.
 */
import { SlipwayError } from "../../core/errors.ts";
import { parseDuration } from "../../core/duration.ts";
import { createLogger } from "../../core/log.ts";
import { loadConfig } from "../../agent/config/load-config.ts";
import { runAgent } from "../../agent/run-agent.ts";
import type { CliIO, CommandRun } from "../io.ts";
import { clusterFlagsUsage, kubeconfigFlag, parseFlags, noPositionals } from "../flags.ts";

const USAGE = `Usage: slipway agent --config FILE [--once] [flags]

Runs the agent: fetches the configured git sources, builds each sync's path with kustomize,
applies it server-side, prunes what left git, waits for health, records status.

Flags:
  --config FILE        agent configuration (YAML), required
  --once               reconcile every sync once, in dependency order; exit 1 if any failed
${clusterFlagsUsage(21, { namespace: false, kubeconfig: "default $KUBECONFIG, ~/.kube/config, or the pod's service account" })}  --cache-dir DIR      where source clones are kept (default $SLIPWAY_CACHE_DIR or <tmp>/slipway-cache)
  --secrets-dir DIR    read git Secrets from DIR/<secret-name>/<key> instead of the API
  --listen ADDR        override the configuration's listen address (e.g. 127.0.0.1:0)
  --log-format FMT     json (default) or text
  --leader-elect=BOOL  elect one replica through the Lease slipway-agent (default true);
                       the others serve probes and metrics and stand by
  --leader-elect-lease-duration D   how long the Lease holds unrenewed (default 30s)
  --leader-elect-renew-deadline D   a leader that has not renewed for D stops (default 20s)
  --leader-elect-retry-period D     renewals and standby reads, one per D (default 10s)
`;

/** `--leader-elect`, `--leader-elect=true|false`: parseArgs' booleans take no value. */
function normalizeLeaderElect(args: string[]): string[] {
  return args.map((a) => (a === "--leader-elect" ? "--leader-elect=true" : a));
}

function durationFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) throw new SlipwayError(`--${flag} ${value}`, "is not a positive duration such as 15s or 1m");
  return ms;
}

/** Runs `slipway agent`. */
export const run: CommandRun = async (args: string[], io: CliIO): Promise<number> => {
  const parsed = parseFlags(
    io,
    normalizeLeaderElect(args),
    USAGE,
    {
      config: { type: "string" },
      once: { type: "boolean", default: false },
      ...kubeconfigFlag,
      "cache-dir": { type: "string" },
      "secrets-dir": { type: "string" },
      listen: { type: "string" },
      "log-format": { type: "string", default: "json" },
      "leader-elect": { type: "string", default: "true" },
      "leader-elect-lease-duration": { type: "string" },
      "leader-elect-renew-deadline": { type: "string" },
      "leader-elect-retry-period": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    ({ values, positionals }) => {
      noPositionals(positionals);
      if (!values.config) throw new SlipwayError("--config", "is required");
      const given = values["log-format"];
      const format: "json" | "text" | undefined = given === "json" || given === "text" ? given : undefined;
      if (!format) throw new SlipwayError(`--log-format ${given}`, 'want "json" or "text"');
      const elect = values["leader-elect"];
      if (elect !== "true" && elect !== "false") throw new SlipwayError(`--leader-elect=${elect}`, 'want "true" or "false"');
      const timings = {
        leaseDurationMs: durationFlag("leader-elect-lease-duration", values["leader-elect-lease-duration"]),
        renewDeadlineMs: durationFlag("leader-elect-renew-deadline", values["leader-elect-renew-deadline"]),
        retryPeriodMs: durationFlag("leader-elect-retry-period", values["leader-elect-retry-period"]),
      };
      const leaderElection = Object.fromEntries(Object.entries(timings).filter(([, v]) => v !== undefined)) as { leaseDurationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number };
      return { values, config: values.config, format, leaderElect: elect === "true", leaderElection };
    },
  );
  if (!parsed.ok) return parsed.exit;
  const { values, format, leaderElect, leaderElection } = parsed.flags;
  const config = await loadConfig(parsed.flags.config, io.signal);
  const log = createLogger({ level: config.logLevel, format, write: (line) => io.stderr(line + "\n") });
  const failed = await runAgent({
    config,
    once: values.once,
    signal: io.signal,
    log,
    leaderElect,
    leaderElection,
    ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}),
    ...(values["cache-dir"] ? { cacheDir: values["cache-dir"] } : {}),
    ...(values["secrets-dir"] ? { secretsDir: values["secrets-dir"] } : {}),
    ...(values.listen ? { listen: values.listen } : {}),
  });
  return failed.length > 0 ? 1 : 0;
};
