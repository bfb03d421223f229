/**
 * `slipway bootstrap --url URL [--branch B] [--path P] …`: installs the agent for one manifest
 * repository, as `flux bootstrap` does for Flux — renders the install manifests of deploy/ with a
 * configuration for that repository, and prints them, writes them into a directory (to commit
 * beside the cluster's manifests), or applies them to the cluster and waits for the agent.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile, cp } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { SlipwayError } from "../../core/errors.ts";
import { parseImageRef } from "../../core/image-ref.ts";
import { registerSecret } from "../../core/redact.ts";
import { createLogger } from "../../core/log.ts";
import { validateConfig, formatIssue } from "../../agent/config/load-config.ts";
import { createKustomize } from "../../agent/build/kustomize-runner.ts";
import { parseManifests, renderManifests } from "../../agent/build/parse-manifests.ts";
import type { KubeObject } from "../../agent/kube/kube-object.ts";
import { applySync } from "../../agent/sync/apply-sync.ts";
import { serverSideApply } from "../../agent/apply/object-requests.ts";
import { fail, ok, step, waiting, type CliIO, type CommandRun } from "../io.ts";
import { clusterFlags, clusterFlagsUsage, durationFlag, kubeClientFromFlags, parseFlags, noPositionals } from "../flags.ts";
import { defaultCommitAuthor, gitCredentialsSecretName, syncNameLabel, syncNamespaceLabel } from "../../core/well-known.ts";
import { fromNodeProviderChain } from "@aws-sdk/credential-providers";
import type { GitAuth } from "../../core/git/git-auth.ts";
import { normalizeSparsePath } from "../../core/git/git-client.ts";
import { parseCodeCommitUrl } from "../../core/git/codecommit-url.ts";
import { pollUntil } from "../../core/poll.ts";
import { parentId, parentRef, withPartOf } from "../../agent/applyset/applyset-parent.ts";
import { requestReconcile } from "../../agent/status/parent-requests.ts";
import { createStatusStore, type ParentView } from "../../agent/status/status-store.ts";
import { commitInstall, renderRootObjects, rootObjectsFile } from "./bootstrap-git.ts";
import { scanHostKeys } from "./bootstrap-hostkey.ts";

const USAGE = `Usage: slipway bootstrap --url URL [flags]

Installs the agent for one manifest repository, the GitOps way (default, as flux bootstrap git):
commits the agent's install (deploy/, configured for the repository) and the root's GitRepository
and Kustomization under PATH/NAMESPACE/, pushes, creates the credentials Secret, applies the
install and waits until the root sync is Ready; the agent then manages its own install from git.
Running it again changes nothing. Or prints the install (--export), writes it into a directory
(--output-dir), or applies it without a commit and waits for the agent (--apply).

Flags:
  --url URL               manifest repository (https, ssh, or a CodeCommit https URL), required
  --branch NAME           branch to follow (default main)
  --path DIR              directory of the repository to apply (default ./)
  --sync-name NAME        name of the root sync (default cluster)
  --interval DUR          how often to fetch and re-apply (default 1m)
  --image REF             the agent's image (default: deploy/kustomization.yaml's)
  --secret-ref NAME       Secret with the git credentials (username/password, bearerToken, or identity/known_hosts)
  --username NAME         create the Secret from this user and a password read from stdin
                          (--git-username is the same); bootstrap pushes with them too
  --token-auth            the password on stdin is a token (username "git" unless --username)
  --private-key-file FILE create the Secret from this SSH key (identity) and the server's host keys
  --known-hosts-file FILE the SSH host keys of the git server; without it, bootstrap scans them
                          (ssh-keyscan) and prints their fingerprints
  --ssh-hostkey-algos L   key types to scan (ssh-keyscan -t: ssh-ed25519,ecdsa-sha2-nistp256,…)
  --provider aws          sign CodeCommit requests from the pod's IAM role (IRSA / Pod Identity);
                          bootstrap pushes with the local AWS credentials
  --role-arn ARN          IRSA: annotate the agent's ServiceAccount with this role
  --export                print the install manifests instead (nothing committed or applied)
  --output-dir DIR        write the manifests (kustomization included) into DIR instead
  --apply                 apply them to the cluster without a commit and wait until the agent is available
  --author-name NAME      commit author (default slipway)
  --author-email EMAIL    commit author's email
${clusterFlagsUsage(24)}  --timeout DURATION      how long to wait for the agent / the root sync (default 5m)
`;

/** The flags of `slipway bootstrap` after parsing. */
export interface BootstrapOptions {
  url: string;
  branch: string;
  path: string;
  syncName: string;
  interval: string;
  namespace: string;
  image?: string;
  secretRef?: string;
  provider?: "aws";
  roleArn?: string;
}

/** Finds the deploy/ directory shipped with Slipway (beside cli/ in the source, beside dist/ when bundled). */
export function findDeployDir(from = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "deploy");
    if (existsSync(path.join(candidate, "kustomization.yaml")) && existsSync(path.join(candidate, "deployment.yaml"))) return candidate;
    if (path.dirname(dir) === dir) throw new SlipwayError("deploy/", "the agent's install manifests were not found next to the slipway program");
  }
}

/** The flag each configuration field comes from, for error messages. */
const flagOf: Record<string, string> = {
  namespace: "--namespace",
  "sources[0].url": "--url",
  "sources[0].ref.branch": "--branch",
  "sources[0].interval": "--interval",
  "sources[0].secretRef.name": "--secret-ref",
  "syncs[0].name": "--sync-name",
  "syncs[0].path": "--path",
  "syncs[0].interval": "--interval",
};

/** Renders the agent configuration for one repository and validates it; errors name the flag. Pure. */
export function renderAgentConfig(o: BootstrapOptions): string {
  const source: Record<string, unknown> = { name: "manifests", url: o.url, ref: { branch: o.branch }, interval: o.interval };
  if (o.secretRef) source.secretRef = { name: o.secretRef };
  if (o.provider) source.provider = o.provider;
  const config = {
    namespace: o.namespace,
    listen: ":8080",
    logLevel: "info",
    sources: [source],
    syncs: [{ name: o.syncName, sourceRef: "manifests", path: o.path, interval: o.interval, prune: true, wait: true }],
  };
  const text = "# Written by `slipway bootstrap`; see the README's agent configuration reference.\n" + stringify(config);
  const result = validateConfig(text);
  if (!result.config) {
    const first = result.issues[0];
    const flag = (first?.path && flagOf[first.path]) || "bootstrap flags";
    throw new SlipwayError(flag, result.issues.map((i) => (i.path && flagOf[i.path] ? i.message : formatIssue("config", i))).join("; "));
  }
  return text;
}

/** Writes a kustomization overlay over a copy of deploy/ into `dir`. */
async function writeOverlay(dir: string, deployDir: string, o: BootstrapOptions): Promise<void> {
  await cp(deployDir, dir, { recursive: true, filter: (src) => !src.endsWith("Dockerfile") && !src.includes(`${path.sep}monitoring`) });
  await writeFile(path.join(dir, "config.yaml"), renderAgentConfig(o));
  const nsFile = path.join(dir, "namespace.yaml");
  await writeFile(nsFile, (await readFile(nsFile, "utf8")).replace(/^(\s+name:) .*$/m, `$1 ${o.namespace}`));
  let kustomization = await readFile(path.join(dir, "kustomization.yaml"), "utf8");
  kustomization = kustomization.replace(/^namespace: .*$/m, `namespace: ${o.namespace}`);
  if (o.image) {
    const { name, tag = "latest", digest } = parseImageRef(o.image);
    kustomization = kustomization.replace(/newName: .*$/m, `newName: ${name}`).replace(/^(\s*)newTag: .*$/m, digest ? `$1digest: ${digest}` : `$1newTag: ${tag}`);
  }
  if (o.roleArn) {
    // IRSA: the same annotation whether the manifests are printed, applied or written out.
    kustomization += `patches:\n  - target: { kind: ServiceAccount, name: slipway-agent }\n    patch: |-\n      - op: add\n        path: /metadata/annotations\n        value: { eks.amazonaws.com/role-arn: ${JSON.stringify(o.roleArn)} }\n`;
  }
  await writeFile(path.join(dir, "kustomization.yaml"), kustomization);
}

/** Builds the install manifests for `o` into objects (the Namespace renamed to `o.namespace`). */
export async function renderInstall(o: BootstrapOptions, signal?: AbortSignal): Promise<KubeObject[]> {
  const dir = await mkdtemp(path.join(tmpdir(), "slipway-bootstrap-"));
  try {
    await writeOverlay(dir, findDeployDir(), o);
    const text = await (await createKustomize()).build(dir, signal);
    const objects = parseManifests(text, "deploy/");
    for (const obj of objects) {
      if (obj.kind === "Namespace") obj.metadata.name = o.namespace;
    }
    return objects;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The owner labels the agent puts on the objects of sync `sync` (namespace `ns`): bootstrap applies them the same, so the agent's first apply changes nothing. */
function asTheAgentApplies(obj: KubeObject, sync: string, ns: string, agentNamespace: string): KubeObject {
  const labelled = { ...obj, metadata: { ...obj.metadata, labels: { ...obj.metadata.labels, [syncNameLabel]: sync, [syncNamespaceLabel]: ns } } };
  return withPartOf(labelled, parentId(parentRef(sync, agentNamespace)));
}

/** Runs `slipway bootstrap`. */
export const run: CommandRun = async (args: string[], io: CliIO): Promise<number> => {
  const parsed = parseFlags(
    io,
    args,
    USAGE,
    {
      url: { type: "string" },
      branch: { type: "string", default: "main" },
      path: { type: "string", default: "./" },
      "sync-name": { type: "string", default: "cluster" },
      interval: { type: "string", default: "1m" },
      ...clusterFlags,
      image: { type: "string" },
      "secret-ref": { type: "string" },
      "git-username": { type: "string" },
      username: { type: "string" },
      "token-auth": { type: "boolean", default: false },
      "private-key-file": { type: "string" },
      "known-hosts-file": { type: "string" },
      "ssh-hostkey-algos": { type: "string" },
      provider: { type: "string" },
      "role-arn": { type: "string" },
      export: { type: "boolean", default: false },
      "output-dir": { type: "string" },
      apply: { type: "boolean", default: false },
      "author-name": { type: "string" },
      "author-email": { type: "string" },
      timeout: { type: "string", default: "5m" },
      help: { type: "boolean", short: "h" },
    },
    ({ values, positionals }) => {
      noPositionals(positionals);
      if (!values.url) throw new SlipwayError("--url", "the manifest repository URL is required");
      if (values.provider !== undefined && values.provider !== "aws") throw new SlipwayError("--provider", `"${values.provider}": only "aws" is supported`);
      const modes = (["export", "output-dir", "apply"] as const).filter((m) => values[m]);
      if (modes.length > 1) throw new SlipwayError(`--${modes[1] ?? "apply"}`, `give one of --export, --output-dir and --apply, not --${modes.join(" and --")}`);
      const mode: "export" | "output-dir" | "apply" | "git" = modes[0] ?? "git";
      const username = values.username ?? values["git-username"] ?? (values["token-auth"] ? "git" : undefined);
      const credFlag = values["private-key-file"] ? "--private-key-file" : values["token-auth"] ? "--token-auth" : values.username ? "--username" : values["git-username"] ? "--git-username" : undefined;
      if (credFlag && (mode === "export" || mode === "output-dir")) throw new SlipwayError(credFlag, `creates a Secret in the cluster: use it with --apply or without --${mode}`);
      if (credFlag && values["secret-ref"]) throw new SlipwayError(credFlag, "give either it (a new Secret) or --secret-ref (an existing one)");
      if (values["private-key-file"] && username) throw new SlipwayError("--private-key-file", "give either an SSH key or a username/token, not both");
      if (values["private-key-file"] && !/^ssh:\/\/|^[^/:]+@[^:]+:/.test(values.url)) throw new SlipwayError("--private-key-file", `needs an ssh:// or user@host:path --url, not ${values.url}`);
      if (values["known-hosts-file"] && !values["private-key-file"]) throw new SlipwayError("--known-hosts-file", "is for --private-key-file");
      if (values["ssh-hostkey-algos"] && (!values["private-key-file"] || values["known-hosts-file"])) throw new SlipwayError("--ssh-hostkey-algos", "chooses the host keys scanned for --private-key-file without --known-hosts-file");
      if (values["ssh-hostkey-algos"] && !/^[a-z0-9@.-]+(,[a-z0-9@.-]+)*$/.test(values["ssh-hostkey-algos"])) throw new SlipwayError("--ssh-hostkey-algos", `"${values["ssh-hostkey-algos"]}" is not a comma-separated list of key types`);
      const timeoutMs = durationFlag("--timeout", values.timeout);
      const opts: BootstrapOptions = {
        url: values.url,
        branch: values.branch,
        path: values.path,
        syncName: values["sync-name"],
        interval: values.interval,
        namespace: values.namespace,
        image: values.image,
        secretRef: credFlag ? gitCredentialsSecretName : values["secret-ref"],
        provider: values.provider === "aws" ? "aws" : undefined,
        roleArn: values["role-arn"],
      };
      renderAgentConfig(opts);
      return { values, opts, timeoutMs, username, credFlag, mode };
    },
  );
  if (!parsed.ok) return parsed.exit;
  const { values, opts, timeoutMs, username, credFlag, mode } = parsed.flags;
  const deadline = AbortSignal.any([io.signal, AbortSignal.timeout(timeoutMs)]);

  if (mode === "output-dir" && values["output-dir"]) {
    const out = path.resolve(io.cwd, values["output-dir"]);
    await mkdir(out, { recursive: true });
    await writeOverlay(out, findDeployDir(), opts);
    ok(io, `wrote the agent's install manifests to ${path.relative(io.cwd, out) || "."}; apply them with \`kubectl apply --server-side -k ${path.relative(io.cwd, out) || "."}\``);
    return 0;
  }

  step(io, "rendering the agent's install manifests");
  const objects = await renderInstall(opts, io.signal);
  if (mode === "export") {
    io.stdout(renderManifests(objects));
    return 0;
  }

  // The credentials, as flux bootstrap git takes them: a user and a password (or token) from stdin, or an SSH key.
  let secretData: Record<string, string> | undefined;
  let pushAuth: GitAuth = { kind: "none" };
  if (values["private-key-file"]) {
    const identity = await readFile(path.resolve(io.cwd, values["private-key-file"]), "utf8").catch((err: unknown) => {
      throw new SlipwayError(`--private-key-file ${values["private-key-file"]}`, "cannot be read", { cause: err });
    });
    registerSecret(identity.trim());
    let knownHosts: string;
    if (values["known-hosts-file"]) {
      knownHosts = await readFile(path.resolve(io.cwd, values["known-hosts-file"]), "utf8").catch((err: unknown) => {
        throw new SlipwayError(`--known-hosts-file ${values["known-hosts-file"]}`, "cannot be read", { cause: err });
      });
    } else {
      step(io, `scanning the SSH host keys of ${opts.url}`);
      const scanned = await scanHostKeys(opts.url, { ...(values["ssh-hostkey-algos"] ? { algorithms: values["ssh-hostkey-algos"] } : {}), timeoutMs: Math.min(30_000, timeoutMs), signal: io.signal });
      for (const f of scanned.fingerprints) ok(io, `host key: ${f}`);
      knownHosts = scanned.knownHosts;
    }
    secretData = { identity, known_hosts: knownHosts };
    pushAuth = { kind: "ssh", privateKey: identity, knownHosts };
  } else if (username !== undefined) {
    const password = (await io.readStdin()).replace(/\r?\n$/, "");
    if (!password) {
      fail(io, `${credFlag ?? "--username"}: no ${values["token-auth"] ? "token" : "password"} on stdin (pipe it in: \`echo $TOKEN | slipway bootstrap …\`)`);
      return 2;
    }
    registerSecret(password);
    secretData = { username, password };
    pushAuth = { kind: "basic", username, password };
  } else if (opts.provider === "aws") {
    const cc = parseCodeCommitUrl(opts.url);
    const chain = fromNodeProviderChain();
    pushAuth = { kind: "codecommit", credentials: () => chain(), ...(cc?.region ? { region: cc.region } : {}) };
  }
  const log = createLogger({ format: "text", level: "warn", write: (l) => io.stderr(l + "\n") });

  // GitOps: the install and the root objects go into git first, so the agent finds its own install in its build.
  let head: string | undefined;
  let ownerNamespace = opts.namespace;
  if (mode === "git") {
    const dirName = opts.namespace;
    step(io, `committing the agent's install to ${path.posix.join(normalizeSparsePath(opts.path) || ".", dirName)}/ on ${opts.branch}`);
    const deployDir = findDeployDir();
    const committed = await commitInstall({
      url: parseCodeCommitUrl(opts.url)?.url ?? opts.url,
      branch: opts.branch,
      path: opts.path,
      dir: dirName,
      write: (dir) => writeOverlay(dir, deployDir, opts),
      rootObjects: renderRootObjects({ ...opts, ...(opts.secretRef ? { secretRef: opts.secretRef } : {}), ...(opts.provider ? { provider: opts.provider } : {}) }),
      syncName: opts.syncName,
      auth: pushAuth,
      author: { name: values["author-name"] ?? defaultCommitAuthor.name, email: values["author-email"] ?? defaultCommitAuthor.email },
      log,
      signal: deadline,
    });
    head = committed.head;
    if (committed.twin) {
      ok(io, `the root sync is defined by ${committed.twin.file} (its settings win); ${rootObjectsFile} not written`);
      ownerNamespace = committed.twin.namespace;
    }
    if (committed.unlisted) io.stderr(`  warning: ${opts.path}'s kustomization does not list ${dirName}/: add it to its resources, or the agent will not manage its own install\n`);
    ok(io, committed.pushed ? `committed ${committed.files.length} files as ${head.slice(0, 12)} and pushed` : `the install in git is up to date (${head.slice(0, 12)}); nothing committed`);
  }

  const client = await kubeClientFromFlags(values);
  try {
    // GitOps: applied as the agent's root sync applies them (its ApplySet, its labels), so that its first apply changes nothing.
    const sync = mode === "git" ? opts.syncName : "bootstrap";
    const own = (o: KubeObject): KubeObject => (mode === "git" ? asTheAgentApplies(o, opts.syncName, ownerNamespace, opts.namespace) : o);
    const namespaces = objects.filter((o) => o.kind === "Namespace").map(own);
    const rest = mode === "git" ? objects.map(own) : objects.filter((o) => o.kind !== "Namespace");
    const secret: KubeObject | undefined = secretData
      ? ({
          apiVersion: "v1",
          kind: "Secret",
          metadata: { name: gitCredentialsSecretName, namespace: opts.namespace },
          type: "Opaque",
          // `data`, not `stringData`: server-side apply then owns each key, so keys of earlier credentials (a token before an SSH key) go.
          data: Object.fromEntries(Object.entries(secretData).map(([k, v]) => [k, Buffer.from(v).toString("base64")])),
        } as KubeObject)
      : undefined;
    // The Secret is never a member of a set: it is not in git, and a set would prune it.
    if (secret && mode !== "git") rest.push(secret);
    step(io, `applying ${objects.length + (secretData ? 1 : 0)} objects to ${client.server}`);
    // The Namespace first, on its own: the install's ApplySet parent lives in it.
    for (const ns of namespaces) {
      await serverSideApply({ client, mapping: await client.resource(ns.apiVersion, ns.kind, io.signal), obj: ns, signal: io.signal });
      io.stderr(`  Namespace/${ns.metadata.name} applied\n`);
    }
    if (secret && mode === "git") {
      await serverSideApply({ client, mapping: await client.resource("v1", "Secret", io.signal), obj: secret, signal: io.signal });
      io.stderr(`  Secret/${opts.namespace}/${gitCredentialsSecretName} applied\n`);
    }
    waiting(io, "waiting for the agent to become available");
    const startedAt = Date.now();
    const outcome = await applySync({
      client,
      sync,
      agentNamespace: opts.namespace,
      objects: rest,
      prune: false,
      wait: true,
      force: false,
      allowEmpty: false,
      timeoutMs,
      signal: io.signal,
      log,
    });
    for (const c of outcome.changeSet) io.stderr(`  ${c.id} ${c.action}\n`);
    if (!outcome.ok) {
      for (const e of outcome.errors) fail(io, e.message);
      return 1;
    }
    if (mode !== "git" || !head) {
      ok(io, `the agent is running in ${opts.namespace}; see its syncs with \`slipway get -n ${opts.namespace}\``);
      return 0;
    }
    // The root sync Ready at the pushed revision: the agent applied its own install from git.
    waiting(io, `waiting for the root sync ${opts.syncName} to be Ready at ${head.slice(0, 12)}`);
    const store = createStatusStore(client, opts.namespace);
    await requestReconcile(client, opts.namespace, opts.syncName, { withSource: true, signal: io.signal });
    let last: ParentView | undefined;
    const ready = await pollUntil(
      async () => {
        last = await store.get(opts.syncName, io.signal);
        return last?.status?.ready === "True" && last.status.lastAppliedRevision?.includes(head) ? last : undefined;
      },
      { intervalMs: 1000, timeoutMs: Math.max(1, timeoutMs - (Date.now() - startedAt)), signal: io.signal },
    );
    if (!ready) {
      fail(io, `sync ${opts.syncName}: not Ready at ${head.slice(0, 12)} within ${values.timeout} (last status: ${last?.status ? `${last.status.ready} ${last.status.message}` : "none; is the agent running?"})`);
      return 1;
    }
    ok(io, `the root sync ${opts.syncName} is Ready (${ready.status?.message ?? ""}); the agent manages its own install from git. See \`slipway get kustomizations -A -n ${opts.namespace}\``);
    return 0;
  } finally {
    client.close();
  }
};
