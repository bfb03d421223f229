/**
 * `slipway suspend NAME [--namespace NS]`: Stops the agent from reconciling sync NAME until `slipway resume NAME`.
 * The agent reads the `slipway.dev/suspend` annotation on the sync's ApplySet parent.
 */
import { parseArgs } from "node:util";
import { SlipwayError, errorMessage } from "../../core/errors.ts";
import { createKubeClient } from "../../agent/kube/kube-client.ts";
import { setSuspended } from "../../agent/status/parent-requests.ts";
import { fail, ok, type CliIO, type CommandRun } from "../io.ts";

const USAGE = `Usage: slipway suspend NAME [--namespace NS] [--kubeconfig FILE]

Stops the agent from reconciling sync NAME until "slipway resume NAME".

Flags:
  -n, --namespace NS   the agent's namespace (default slipway-system)
  --kubeconfig FILE    default $KUBECONFIG or ~/.kube/config
`;

/** Runs `slipway suspend`. */
export const run: CommandRun = async (args: string[], io: CliIO): Promise<number> => {
  let values;
  let name: string;
  try {
    const parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        namespace: { type: "string", short: "n", default: "slipway-system" },
        kubeconfig: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
    values = parsed.values;
    if (values.help) {
      io.stdout(USAGE);
      return 0;
    }
    if (parsed.positionals.length !== 1 || !parsed.positionals[0]) throw new SlipwayError("NAME", "give exactly one sync name");
    name = parsed.positionals[0];
  } catch (err) {
    fail(io, errorMessage(err));
    io.stderr(USAGE);
    return 2;
  }
  const client = await createKubeClient(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {});
  try {
    await setSuspended(client, values.namespace, name, true, io.signal);
    ok(io, `sync ${name} suspended`);
    return 0;
  } finally {
    client.close();
  }
};
