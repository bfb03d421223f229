/**
 * `slipway get images policy|repository|update [-A] [-n NS] [-o json]`: Flux's image views,
 * computed on demand from the manifest repository (a checkout, `--path DIR`, default the working
 * directory; or `--manifest-repo URL`, cloned with the CI step's git flags and `SLIPWAY_GIT_*`)
 * and the registries (listed as `slipway update` lists them: `--registry-secrets`,
 * `--ecr-endpoint`, the AWS credential chain). Nothing is written.
 * - policy: NAME, LATEST IMAGE, READY, MESSAGE (`flux get images policy`);
 * - repository: NAME, LAST SCAN, SUSPENDED, READY, MESSAGE (tags found);
 * - update: NAME, LAST RUN, SUSPENDED, READY, MESSAGE (the automation's last commit on its push branch).
 * Without `-A`, the objects of `--namespace` (default flux-system); with it, NAMESPACE comes first.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { SlipwayError } from "../../core/errors.ts";
import { run as exec } from "../../core/exec.ts";
import { createGitClient } from "../../core/git/git-client.ts";
import { formatImageRef } from "../../core/image-ref.ts";
import { fluxNamespace } from "../../core/well-known.ts";
import { envInputSource, layeredInputSource, parseInputs } from "../../action/inputs.ts";
import { scanManifestTree, type FluxObjects } from "../../action/manifests/scan-manifest-tree.ts";
import { registryClientsFromInputs } from "../../action/run-update.ts";
import { gitErrorForInputs, gitTargetFromInputs } from "../../action/update/git-credentials.ts";
import { evaluatePolicies, pinnedValues, scanRepositories, type PolicyOutcome, type RepositoryScan } from "../../action/update/image-policies.ts";
import { table, type CliIO, type CommandRun } from "../io.ts";
import { outputFormat, parseFlags } from "../flags.ts";

const USAGE = `Usage: slipway get images policy|repository|update [-A] [-n NS] [-o json] [--path DIR | --manifest-repo URL]

Flux's image views, computed now from the manifest repository and the registries.

Flags:
  -A, --all-namespaces       every namespace, with a NAMESPACE column
  -n, --namespace NS         objects of this namespace (default ${fluxNamespace})
  -o, --output FMT           text (default) or json
  --path DIR                 a checkout of the manifest repository (default the working directory)
  --manifest-repo URL        clone this instead (git credentials from SLIPWAY_GIT_TOKEN, … as slipway ci)
  --manifest-branch B        branch to clone (default the remote's default)
  --registry-secrets FILE    dockerconfigjson Secrets that ImageRepositories' secretRefs name
  --ecr-endpoint URL         ECR API endpoint override
  --aws-region R             region for provider aws on a non-ECR host
`;

/** Which view. */
type View = "policy" | "repository" | "update";

function viewOf(words: readonly string[]): View {
  const w = words.join(" ");
  if (["images policy", "images policies", "image policy", "image policies"].includes(w)) return "policy";
  if (["images repository", "images repositories", "image repository", "image repositories"].includes(w)) return "repository";
  if (["images update", "images updates", "image update", "image updates"].includes(w)) return "update";
  throw new SlipwayError(`get ${w}`, "unknown view (images policy, images repository, images update)");
}

/** One row of a view. */
export interface ImageRow {
  namespace: string;
  name: string;
  /** LATEST IMAGE (policy) or LAST SCAN / LAST RUN. */
  column: string;
  ready: "True" | "False";
  message: string;
  /** Extra fields for `-o json`. */
  details: Record<string, unknown>;
}

/** The policy rows. Pure. */
export function policyRows(outcomes: readonly PolicyOutcome[]): ImageRow[] {
  return outcomes.map((o) => ({
    namespace: o.namespace,
    name: o.name,
    column: o.image ? formatImageRef(o.image) : "",
    ready: o.image ? "True" : "False",
    message: o.image ? `Latest image tag for ${o.image.name} resolved to ${o.image.tag ?? ""}${o.image.digest ? ` (${o.image.digest})` : ""}` : (o.error ?? "").replace(/\s*\n\s*/g, " "),
    details: { latestImage: o.image ? formatImageRef(o.image) : "", repository: o.repository, digestReflectionPolicy: o.digestReflection, source: o.source, ...(o.error ? { error: o.error } : {}) },
  }));
}

/** The repository rows. Pure. */
export function repositoryRows(scans: readonly RepositoryScan[]): ImageRow[] {
  return scans.map((s) => ({
    namespace: s.namespace,
    name: s.name,
    column: s.scannedAt,
    ready: s.error ? "False" : "True",
    message: s.error ?? `successful scan: found ${s.tags.length} tags${s.excluded ? ` (${s.excluded} excluded)` : ""}${s.notes.length ? `; ${s.notes.join("; ")}` : ""}`,
    details: { image: s.image, lastScanTime: s.scannedAt, tags: s.tags.length, excluded: s.excluded, source: s.source, ...(s.error ? { error: s.error } : {}) },
  }));
}

function render(view: View, rows: ImageRow[], all: boolean): string {
  const header = view === "policy" ? ["NAME", "LATEST IMAGE", "READY", "MESSAGE"] : [view === "repository" ? "NAME" : "NAME", view === "repository" ? "LAST SCAN" : "LAST RUN", "SUSPENDED", "READY", "MESSAGE"];
  const body = rows.map((r) => (view === "policy" ? [r.name, r.column, r.ready, r.message] : [r.name, r.column, String(r.details["suspended"] ?? false) === "true" ? "True" : "False", r.ready, r.message]));
  return all ? table(["NAMESPACE", ...header], body.map((b, i) => [rows[i]?.namespace ?? "", ...b])) : table(header, body);
}

/** The automation rows: the last commit by each automation's author on its push branch (a git checkout at `dir`). */
async function updateRows(objects: FluxObjects, dir: string, signal: AbortSignal): Promise<ImageRow[]> {
  const rows: ImageRow[] = [];
  for (const a of objects.automations) {
    const author = a.author?.email || "slipway@users.noreply.invalid";
    const ref = a.pushBranch ? await exec("git", ["-C", dir, "rev-parse", "--verify", "--quiet", `refs/remotes/origin/${a.pushBranch}`], { signal }).then((r) => r.stdout.trim(), () => "HEAD") : "HEAD";
    const log = await exec("git", ["-C", dir, "log", "-1", `--author=${author}`, "--format=%H %cI", ref], { signal }).then((r) => r.stdout.trim(), () => "");
    const [sha = "", when = ""] = log.split(" ");
    rows.push({
      namespace: a.namespace,
      name: a.name,
      column: when,
      ready: "True",
      message: sha ? `last commit ${sha.slice(0, 12)} by ${author} on ${a.pushBranch ?? a.checkoutBranch ?? "the checked-out branch"}` : `no commit by ${author} in the history read`,
      details: { suspended: a.suspended, lastRunTime: when, lastPushCommit: sha, author, updatePath: a.updatePath, pushBranch: a.pushBranch ?? "", source: a.source },
    });
  }
  return rows;
}

/** Runs `slipway get images …` (called by `slipway get`). */
export const run: CommandRun = async (args: string[], io: CliIO): Promise<number> => {
  const parsed = parseFlags(
    io,
    args,
    USAGE,
    {
      "all-namespaces": { type: "boolean", short: "A", default: false },
      namespace: { type: "string", short: "n", default: fluxNamespace },
      output: { type: "string", short: "o", default: "text" },
      path: { type: "string" },
      "manifest-repo": { type: "string" },
      "manifest-branch": { type: "string" },
      "registry-secrets": { type: "string" },
      "ecr-endpoint": { type: "string" },
      "aws-region": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    ({ values, positionals }) => {
      outputFormat(values.output);
      if (values.path && values["manifest-repo"]) throw new SlipwayError("--path", "conflicts with --manifest-repo: give one");
      return { values, view: viewOf(positionals) };
    },
  );
  if (!parsed.ok) return parsed.exit;
  const { values, view } = parsed.flags;
  const flag = (name: string): string | undefined => (name === "mode" ? "update" : ((values as Record<string, unknown>)[name] as string | undefined));
  const fromEnv = envInputSource(io.env);
  const registryInputs = {
    registrySecrets: values["registry-secrets"] ?? fromEnv("registry-secrets") ?? "",
    policyNamespace: fluxNamespace,
    registry: "",
    registryUsername: "",
    registryPassword: "",
    ecrEndpoint: values["ecr-endpoint"] ?? fromEnv("ecr-endpoint") ?? "",
    awsRegion: values["aws-region"] ?? fromEnv("aws-region") ?? "",
  };
  let work: string | undefined;
  let dir = path.resolve(io.cwd, values.path ?? ".");
  try {
    if (values["manifest-repo"]) {
      const inputs = parseInputs(layeredInputSource(flag, fromEnv));
      const target = gitTargetFromInputs(inputs);
      const git = await createGitClient({ auth: target.auth });
      try {
        work = await mkdtemp(path.join(tmpdir(), "slipway-get-images-"));
        const co = await git.clone({ url: target.url, branch: inputs.manifestBranch || undefined, dir: path.join(work, "repo"), depth: 200 }, io.signal).catch((err: unknown) => {
          throw gitErrorForInputs(err, target);
        });
        dir = co.dir;
        if (view === "update") {
          const scan = await scanManifestTree({ root: dir, signal: io.signal });
          for (const a of scan.objects.automations) if (a.pushBranch) await co.fetchIfExists(a.pushBranch, { depth: 200 }, io.signal);
        }
      } finally {
        await git.close();
      }
    }
    const scan = await scanManifestTree({ root: dir, defaultNamespace: fluxNamespace, signal: io.signal });
    let rows: ImageRow[];
    if (view === "update") rows = await updateRows(scan.objects, dir, io.signal);
    else {
      const clientFor = await registryClientsFromInputs(registryInputs, io.env);
      const wanted = view === "repository" ? scan.objects.repositories : scan.objects.repositories.filter((r) => scan.objects.policies.some((p) => `${p.policy.imageRepositoryRef.namespace ?? p.policy.namespace}/${p.policy.imageRepositoryRef.name}` === `${r.namespace}/${r.name}`));
      const visible = (o: { namespace: string }): boolean => values["all-namespaces"] || o.namespace === values.namespace;
      const scans = await scanRepositories(view === "repository" ? wanted.filter(visible) : wanted, { clientFor, signal: io.signal });
      rows =
        view === "repository"
          ? repositoryRows([...scans.values()])
          : policyRows(await evaluatePolicies({ policies: scan.objects.policies.filter((p) => visible(p.policy)), scans, pinned: await pinnedValues(dir, scan.markers), signal: io.signal }));
    }
    rows = rows.filter((r) => values["all-namespaces"] || r.namespace === values.namespace).sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
    if (values.output === "json") {
      const key = view === "policy" ? "imagePolicies" : view === "repository" ? "imageRepositories" : "imageUpdateAutomations";
      io.stdout(JSON.stringify({ [key]: rows.map((r) => ({ namespace: r.namespace, name: r.name, ready: r.ready, message: r.message, ...r.details })) }, null, 2) + "\n");
    } else if (rows.length === 0) {
      io.stderr(`no ${view === "policy" ? "ImagePolicies" : view === "repository" ? "ImageRepositories" : "ImageUpdateAutomations"} found${values["all-namespaces"] ? "" : ` in ${values.namespace} (-A for every namespace)`}\n`);
    } else io.stdout(render(view, rows, values["all-namespaces"]));
    return rows.some((r) => r.ready === "False") ? 1 : 0;
  } finally {
    if (work) await rm(work, { recursive: true, force: true });
  }
};
