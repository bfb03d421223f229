/**
 * The `slipway` command: a thin dispatcher. Each subcommand lives in cli/commands/<name>.ts and
 * parses its own flags; the work is done in core/, action/ and agent/.
 */
import { errorMessage } from "../core/errors.ts";
import { VERSION } from "../core/version.ts";
import { fail, type CliIO, type CommandRun } from "./io.ts";

/** The subcommands, loaded on demand so that `slipway bump` does not load the Kubernetes client. */
const commands: Record<string, { summary: string; load: () => Promise<CommandRun> }> = {
  version: { summary: "print the version", load: async () => async (_a, io) => (io.stdout(`slipway ${VERSION}\n`), 0) },
  policy: { summary: "evaluate an ImagePolicy against tags on stdin (policy eval)", load: async () => (await import("./commands/policy.ts")).run },
  bump: { summary: "set image values at $imagepolicy markers under a directory", load: async () => (await import("./commands/bump.ts")).run },
  agent: { summary: "run the agent (--config FILE [--once])", load: async () => (await import("./commands/agent.ts")).run },
  build: { summary: "print the YAML stream the agent would apply for a directory", load: async () => (await import("./commands/build.ts")).run },
  diff: { summary: "show what applying a directory would change (server-side dry-run)", load: async () => (await import("./commands/diff.ts")).run },
  get: { summary: "status of every sync (NAME READY MESSAGE REVISION SUSPENDED)", load: async () => (await import("./commands/get.ts")).run },
  reconcile: { summary: "ask the agent to reconcile a sync now and wait for the result", load: async () => (await import("./commands/reconcile.ts")).run },
  suspend: { summary: "stop the agent from reconciling a sync", load: async () => (await import("./commands/suspend.ts")).run },
  resume: { summary: "resume a suspended sync", load: async () => (await import("./commands/resume.ts")).run },
  create: { summary: "write a Flux GitRepository or Kustomization to commit (create source git|kustomization NAME --export)", load: async () => (await import("./commands/create.ts")).run },
  bootstrap: { summary: "install the agent for a manifest repository (print, write or apply its manifests)", load: async () => (await import("./commands/bootstrap.ts")).run },
  health: { summary: "health of an object as the agent computes it (-f FILE or KIND/NAMESPACE/NAME)", load: async () => (await import("./commands/health.ts")).run },
  check: { summary: "check the runtime, cluster, permissions, configuration and sources", load: async () => (await import("./commands/check.ts")).run },
  ci: { summary: "build, tag and push an image, then commit the manifest update (the CI step)", load: async () => (await import("./commands/ci.ts")).run },
  update: { summary: "update the markers of every ImagePolicy from its registry in one commit (a scheduled job)", load: async () => (await import("./commands/update.ts")).run },
};

function usage(io: CliIO): void {
  const names = Object.keys(commands);
  const width = Math.max(...names.map((n) => n.length));
  io.stderr(
    "Usage: slipway COMMAND [flags]\n\nCommands:\n" +
      names.map((n) => `  ${n.padEnd(width)}   ${commands[n]?.summary ?? ""}`).join("\n") +
      "\n\nRun 'slipway COMMAND --help' for a command's flags.\n",
  );
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    usage(io);
    return name ? 0 : 2;
  }
  if (name === "--version") return main(["version"], io);
  const command = commands[name];
  if (!command) {
    fail(io, `unknown command "${name}"`);
    usage(io);
    return 2;
  }
  try {
    const run = await command.load();
    return await run(rest, io);
  } catch (err) {
    fail(io, errorMessage(err));
    return 1;
  }
}
