/**
 * `slipway agent --config FILE [--once] [--kubeconfig K] [--cache-dir DIR] [--secrets-dir DIR]
 * [--listen ADDR]`: runs the agent. With `--once`, every sync is reconciled one time in
 * dependency order and the exit code is 1 when any failed. Logs are JSON lines on stderr.
 */
import { SlipwayError } from "../../core/errors.ts";
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
`;

/** Runs `slipway agent`. */
export const run: CommandRun = async (args: string[], io: CliIO): Promise<number> => {
  const parsed = parseFlags(
    io,
    args,
    USAGE,
    {
      config: { type: "string" },
      once: { type: "boolean", default: false },
      ...kubeconfigFlag,
      "cache-dir": { type: "string" },
      "secrets-dir": { type: "string" },
      listen: { type: "string" },
      "log-format": { type: "string", default: "json" },
      help: { type: "boolean", short: "h" },
    },
    ({ values, positionals }) => {
      noPositionals(positionals);
      if (!values.config) throw new SlipwayError("--config", "is required");
      const given = values["log-format"];
      const format: "json" | "text" | undefined = given === "json" || given === "text" ? given : undefined;
      if (!format) throw new SlipwayError(`--log-format ${given}`, 'want "json" or "text"');
      return { values, config: values.config, format };
    },
  );
  if (!parsed.ok) return parsed.exit;
  const { values, format } = parsed.flags;
  const config = await loadConfig(parsed.flags.config, io.signal);
  const log = createLogger({ level: config.logLevel, format, write: (line) => io.stderr(line + "\n") });
  const failed = await runAgent({
    config,
    once: values.once,
    signal: io.signal,
    log,
    ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}),
    ...(values["cache-dir"] ? { cacheDir: values["cache-dir"] } : {}),
    ...(values["secrets-dir"] ? { secretsDir: values["secrets-dir"] } : {}),
    ...(values.listen ? { listen: values.listen } : {}),
  });
  return failed.length > 0 ? 1 : 0;
};
