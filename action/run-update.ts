/**
 * `slipway update` (and the Action / buildspec with `mode: update`): every ImagePolicy of the
 * manifest repository, for images no pipeline of ours builds. One code path with the CI step's
 * manifest update (race-safe commit loop, the automation's author, message template, branch and
 * path, pull-request mode): inputs → manifest repository reachable → clone → list each
 * ImageRepository's tags (concurrently, bounded) → each policy picks (digests for
 * digest-reflecting ones) → one commit with every marker change → push. A lost push race lists
 * the registries again on the new tree (never rolling back a bump that landed meanwhile). A failing registry or policy leaves
 * its markers alone, the others are committed, and the run then fails naming each failure.
 */
import { SlipwayError } from "../core/errors.ts";
import { createGitClient } from "../core/git/git-client.ts";
import type { ImageRef } from "../core/image-ref.ts";
import type { Logger } from "../core/log.ts";
import { fluxNamespace } from "../core/well-known.ts";
import { matchesSelector, type Inputs } from "./inputs.ts";
import { checkCommitTemplate } from "./manifests/commit-template.ts";
import type { FluxObjects } from "./manifests/scan-manifest-tree.ts";
import type { MarkerUse } from "./manifests/marker-scan.ts";
import type { CiOutputs, CiReporter, SummaryRow } from "./outputs.ts";
import { gitErrorForInputs, gitTargetFromInputs } from "./update/git-credentials.ts";
import { evaluatePolicies, objectKey, pinnedValues, scanRepositories, type PolicyOutcome, type RepositoryScan } from "./update/image-policies.ts";
import { createRegistryClients, type ClientFor } from "./update/registry-clients.ts";
import { readRegistrySecrets } from "./update/registry-secrets.ts";
import type { ResolvedImages } from "./update/resolve-images.ts";
import { manifestSettingsFromInputs, updateManifests, type UpdateManifestsResult } from "./update/update-manifests.ts";

/** Options for {@link runUpdate}. */
export interface RunUpdateOptions {
  inputs: Inputs;
  reporter: CiReporter;
  log: Logger;
  /** Environment (AWS_REGION). Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Registry clients; default from the inputs ({@link registryClientsFromInputs}). */
  clientFor?: ClientFor;
  signal?: AbortSignal;
}

/** What {@link runUpdate} did, beyond the step's outputs. */
export interface UpdateRunResult {
  outputs: CiOutputs;
  update: UpdateManifestsResult;
  policies: PolicyOutcome[];
  repositories: RepositoryScan[];
}

/** The registry client factory the inputs describe (secrets file, ECR endpoint and region, `registry` credentials). */
export async function registryClientsFromInputs(
  i: Pick<Inputs, "registrySecrets" | "policyNamespace" | "registry" | "registryUsername" | "registryPassword" | "ecrEndpoint" | "awsRegion">,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ClientFor> {
  const secrets = i.registrySecrets ? await readRegistrySecrets(i.registrySecrets, i.policyNamespace || fluxNamespace) : undefined;
  if (i.registryUsername && !i.registry) throw new SlipwayError("input registry-username", "in mode update needs registry (the host the credentials are for)");
  return createRegistryClients({
    secrets,
    secretsSource: i.registrySecrets || undefined,
    hostCredentials: i.registryUsername ? { host: i.registry.replace(/\/+$/, ""), username: i.registryUsername, password: i.registryPassword } : undefined,
    ecrEndpoint: i.ecrEndpoint || undefined,
    awsRegion: i.awsRegion || env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined,
  });
}

/** Picks the policies the inputs ask for; an unknown `policy` input is an error naming it. */
export function selectPolicies(objects: FluxObjects, i: Pick<Inputs, "policies" | "policySelector">): FluxObjects["policies"] {
  const known = new Set(objects.policies.map((p) => objectKey(p.policy)));
  for (const want of i.policies) if (!known.has(want)) throw new SlipwayError("input policy", `${want}: no ImagePolicy of that namespace/name in the manifest repository`);
  return objects.policies.filter((p) => (i.policies.length === 0 || i.policies.includes(objectKey(p.policy))) && matchesSelector(p.policy.labels, i.policySelector));
}

/**
 * The resolver for updateManifests: on every call (every push attempt) the selected policies'
 * repositories are listed and the policies decided on the tree as checked out; digests already
 * read are reused. `last` holds the latest outcomes.
 */
export function policyResolver(o: {
  inputs: Pick<Inputs, "policies" | "policySelector" | "registryConcurrency">;
  clientFor: ClientFor;
  signal?: AbortSignal;
}): { resolve: (tree: { objects: FluxObjects; markers: MarkerUse[]; root: string }) => Promise<ResolvedImages>; last: { policies: PolicyOutcome[]; repositories: RepositoryScan[]; markerErrors: string[] } } {
  const digestCache = new Map<string, Promise<string>>();
  const last = { policies: [] as PolicyOutcome[], repositories: [] as RepositoryScan[], markerErrors: [] as string[] };
  const resolve = async (tree: { objects: FluxObjects; markers: MarkerUse[]; root: string }): Promise<ResolvedImages> => {
    const selected = selectPolicies(tree.objects, o.inputs);
    const wanted = new Set(selected.map((p) => `${p.policy.imageRepositoryRef.namespace ?? p.policy.namespace}/${p.policy.imageRepositoryRef.name}`));
    const repos = tree.objects.repositories.filter((r) => wanted.has(objectKey(r)));
    // Listed again on every attempt: the tree was cloned first, so a bump another run pushed
    // before its commit is in the listing too, and a lost race never rolls it back.
    const scanned = await scanRepositories(repos, { clientFor: o.clientFor, concurrency: o.inputs.registryConcurrency, signal: o.signal });
    const policies = await evaluatePolicies({
      policies: selected,
      scans: scanned,
      pinned: await pinnedValues(tree.root, tree.markers),
      digestCache,
      concurrency: o.inputs.registryConcurrency,
      signal: o.signal,
    });
    const defined = new Set(tree.objects.policies.map((p) => `${p.policy.namespace}:${p.policy.name}`));
    last.markerErrors = tree.markers
      .filter((m) => !defined.has(m.policy))
      .map((m) => `${m.source}: marker names ImagePolicy/${m.policy.replace(":", "/")}, which no ImagePolicy in the manifest repository defines; left alone`);
    last.policies = policies;
    last.repositories = [...scanned.values()].filter((s) => wanted.has(objectKey(s)));
    const images = new Map<string, ImageRef>();
    const decisions: ResolvedImages["decisions"] = [];
    for (const p of policies) {
      if (!p.image?.tag) continue;
      images.set(`${p.namespace}:${p.name}`, p.image);
      decisions.push({ policy: `${p.namespace}:${p.name}`, tag: p.image.tag, by: `ImagePolicy/${p.namespace}/${p.name}` });
    }
    return { images, decisions };
  };
  return { resolve, last };
}

/** The commit message of `slipway update` when neither an input nor an automation gives one. */
export const DEFAULT_UPDATE_MESSAGE = "slipway: update images [ci skip]";

/**
 * Runs `slipway update` and returns what it did; throws a SlipwayError naming the input or object
 * at fault before any commit for bad inputs, and after the commit when some policies failed
 * (their markers untouched, the others committed).
 */
export async function runUpdate(options: RunUpdateOptions): Promise<UpdateRunResult> {
  const { inputs: i, reporter, log, signal } = options;
  const env = options.env ?? process.env;
  if (i.commitMessage) checkCommitTemplate(i.commitMessage, "input commit-message");
  const clientFor = options.clientFor ?? (await registryClientsFromInputs(i, env));
  const target = gitTargetFromInputs(i);
  const git = await createGitClient({ auth: target.auth, log });
  const outputs: CiOutputs = { image: "", tag: "", digest: "", commit: "", changedFiles: [], pullRequestUrl: "" };
  try {
    const { resolve, last } = policyResolver({ inputs: i, clientFor, signal });
    const update = await reporter.group("Update every image policy", async () =>
      updateManifests({
        git,
        url: target.url,
        ...manifestSettingsFromInputs(i),
        resolve,
        defaultMessage: DEFAULT_UPDATE_MESSAGE,
        log,
        signal,
      }).catch((err: unknown) => {
        throw gitErrorForInputs(err, target);
      }),
    );
    for (const r of last.repositories) {
      if (!r.error) log.info(`${r.image}: ${r.tags.length} tags`, { excluded: r.excluded || undefined });
      for (const n of r.notes) log.warn(`${r.source}: ImageRepository/${r.namespace}/${r.name}: ${n}`);
    }
    for (const w of update.warnings) log.warn(w);
    for (const c of update.changes) log.info(`${c.file}:${c.line}: ${c.oldValue} -> ${c.newValue}`, { policy: c.policy });
    outputs.commit = update.commit ?? "";
    outputs.changedFiles = update.changedFiles;
    if (update.commit) log.info(`commit ${update.commit} pushed to ${update.pushBranch}`, { attempts: update.attempts, replayed: update.replayed });
    else if (update.changes.length === 0) log.info("no marker changed; no commit");
    const failures = [...last.policies.flatMap((p) => (p.error ? [p.error] : [])), ...last.markerErrors];
    await reporter.setOutputs(outputs);
    await reporter.summary({
      outputs,
      rows: update.changes.map(
        (c): SummaryRow => ({
          file: c.file,
          line: c.line,
          object: c.object ? `${c.object.kind}/${c.object.namespace ? `${c.object.namespace}/` : ""}${c.object.name}` : "-",
          oldValue: c.oldValue,
          newValue: c.newValue,
          policy: c.policy,
        }),
      ),
      branch: update.commit ? update.pushBranch : "",
      dryRun: i.dryRun,
      notes: [...(update.changes.length === 0 ? ["no marker changed; no commit"] : []), ...failures],
    });
    if (failures.length > 0) {
      const ok = last.policies.filter((p) => !p.error).length;
      throw new SlipwayError(
        "slipway update",
        `${failures.length} failure${failures.length === 1 ? "" : "s"} (${ok} of ${last.policies.length} policies updated${update.commit ? ` in ${update.commit}` : ""}; the failed ones' markers were left alone):\n  ${failures.join("\n  ")}`,
      );
    }
    return { outputs, update, policies: last.policies, repositories: last.repositories };
  } finally {
    await git.close();
  }
}
