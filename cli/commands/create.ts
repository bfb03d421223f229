/**
 * `slipway create source git NAME …` and `slipway create kustomization NAME …`: the seed's `flux
 * create` commands done the GitOps way. They print Flux-format YAML (`--export`) to commit beside
 * the cluster's manifests, or write it into `--output-dir` as `<kind>-<name>.yaml`; the agent runs
 * the objects once a sync's build holds them. Nothing talks to the cluster. Durations are written
 * as Flux writes them (`30m0s`, `1h0m0s`), and every object is read back with the agent's own
 * schema before it is printed, so what is written is what the agent will run.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { stringify } from "yaml";
import { SlipwayError } from "../../core/errors.ts";
import { parseDuration } from "../../core/duration.ts";
import { fluxNamespace } from "../../core/well-known.ts";
import { readGitRepository, readKustomization, specIssueText } from "../../agent/flux/flux-specs.ts";
import type { KubeObject } from "../../agent/kube/kube-object.ts";
import { ok, type CliIO, type CommandRun } from "../io.ts";
import { parseFlags } from "../flags.ts";

const USAGE = `Usage: slipway create source git NAME --url URL (--branch B | --tag T | --commit SHA) [--interval 1m] [--secret-ref NAME] [--export | --output-dir DIR]
       slipway create kustomization NAME --source [GitRepository/]NAME[.NAMESPACE] --path PATH [--prune] [--interval 10m]
              [--depends-on [NS/]NAME …] [--target-namespace NS] [--export | --output-dir DIR]

Writes a Flux GitRepository or Kustomization (apiVersion v1) for the agent to read from git:
printed with --export, else written into --output-dir as <kind>-<name>.yaml. Commit it under a
path a sync builds.

Flags:
  -n, --namespace NS      the object's namespace (default ${fluxNamespace})
  --export                print the YAML instead of writing a file
  --output-dir DIR        directory to write the file into (needed without --export)
  --interval DURATION     how often (source default 1m, kustomization default 10m)
`;

/** Go's time.Duration.String for whole seconds: `30m0s`, `1h0m0s`, `45s`. Pure. */
export function goDuration(ms: number): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
}

function durationOf(flag: string, value: string): string {
  const ms = parseDuration(value);
  if (!ms || ms <= 0 || ms % 1000 !== 0) throw new SlipwayError(`${flag} ${value}`, "is not a duration of whole seconds such as 30s, 1m or 1h");
  return goDuration(ms);
}

/** The object, read back with the agent's schema; throws naming the object and field when it would not run. */
function checked(obj: KubeObject): KubeObject {
  const r = obj.kind === "GitRepository" ? readGitRepository(obj, "") : readKustomization(obj, "");
  if (!r.ok) throw new SlipwayError(`${obj.kind}/${obj.metadata.namespace ?? ""}/${obj.metadata.name}`, r.errors.map(specIssueText).join("; "));
  return obj;
}

/** Runs `slipway create`. */
export const run: CommandRun = async (given: string[], io: CliIO): Promise<number> => {
  // Flux's spelling, as the seed writes it: --prune=true / --prune=false.
  const args = given.flatMap((a) => (a === "--prune=true" ? ["--prune"] : a === "--prune=false" ? [] : [a]));
  const parsed = parseFlags(
    io,
    args,
    USAGE,
    {
      namespace: { type: "string", short: "n", default: fluxNamespace },
      export: { type: "boolean", default: false },
      "output-dir": { type: "string" },
      interval: { type: "string" },
      url: { type: "string" },
      branch: { type: "string" },
      tag: { type: "string" },
      commit: { type: "string" },
      "secret-ref": { type: "string" },
      source: { type: "string" },
      path: { type: "string" },
      prune: { type: "boolean", default: false },
      "depends-on": { type: "string", multiple: true },
      "target-namespace": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    ({ values, positionals }) => {
      const [a, b, c, ...rest] = positionals;
      const isSource = (a === "source" || a === "sources") && b === "git";
      const name = isSource ? c : a === "kustomization" || a === "ks" ? b : undefined;
      if (!name || rest.length > 0 || (isSource ? false : c !== undefined)) throw new SlipwayError("create", "give source git NAME or kustomization NAME");
      if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) throw new SlipwayError(`NAME ${name}`, "is not a lowercase DNS label");
      if (!values.export && !values["output-dir"]) throw new SlipwayError("--output-dir", "is required without --export");
      const metadata = { name, namespace: values.namespace };
      let obj: KubeObject;
      if (isSource) {
        if (!values.url) throw new SlipwayError("--url", "is required");
        const refs = (["branch", "tag", "commit"] as const).filter((k) => values[k] !== undefined);
        if (refs.length !== 1) throw new SlipwayError("--branch", "give exactly one of --branch, --tag or --commit");
        const ref = refs[0] as "branch" | "tag" | "commit";
        obj = {
          apiVersion: "source.toolkit.fluxcd.io/v1",
          kind: "GitRepository",
          metadata,
          spec: {
            interval: durationOf("--interval", values.interval ?? "1m"),
            ref: { [ref]: values[ref] },
            ...(values["secret-ref"] ? { secretRef: { name: values["secret-ref"] } } : {}),
            url: values.url,
          },
        };
      } else {
        if (!values.source) throw new SlipwayError("--source", "is required ([GitRepository/]NAME[.NAMESPACE])");
        if (!values.path) throw new SlipwayError("--path", "is required");
        const m = /^(?:(GitRepository)\/)?([a-z0-9]([-a-z0-9]*[a-z0-9])?)(?:\.([a-z0-9-]+))?$/.exec(values.source);
        if (!m) throw new SlipwayError(`--source ${values.source}`, "is not [GitRepository/]NAME[.NAMESPACE]");
        const deps = (values["depends-on"] ?? []).map((d) => {
          const [ns, n] = d.includes("/") ? d.split("/", 2) : [undefined, d];
          if (!n) throw new SlipwayError(`--depends-on ${d}`, "is not [NAMESPACE/]NAME");
          return ns ? { name: n, namespace: ns } : { name: n };
        });
        obj = {
          apiVersion: "kustomize.toolkit.fluxcd.io/v1",
          kind: "Kustomization",
          metadata,
          spec: {
            interval: durationOf("--interval", values.interval ?? "10m"),
            ...(deps.length ? { dependsOn: deps } : {}),
            path: values.path,
            prune: values.prune,
            sourceRef: { kind: "GitRepository", name: m[2], ...(m[4] ? { namespace: m[4] } : {}) },
            ...(values["target-namespace"] ? { targetNamespace: values["target-namespace"] } : {}),
          },
        };
      }
      return { values, obj: checked(obj) };
    },
  );
  if (!parsed.ok) return parsed.exit;
  const { values, obj } = parsed.flags;
  const text = `---\n${stringify(obj)}`;
  if (values.export) {
    io.stdout(text);
    return 0;
  }
  const dir = values["output-dir"] ?? ".";
  const file = path.join(dir, `${obj.kind.toLowerCase()}-${obj.metadata.name}.yaml`);
  await mkdir(dir, { recursive: true });
  await writeFile(file, text);
  ok(io, `${obj.kind}/${obj.metadata.namespace ?? ""}/${obj.metadata.name} written to ${file}; commit it under a path a sync builds`);
  return 0;
};
