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
import { gitCredentialsSecretName } from "../../core/well-known.ts";

const USAGE = `Usage: slipway bootstrap --url URL [flags]

Renders the agent's install manifests (deploy/) with a configuration that follows one manifest
repository, then prints them (default), writes them to a directory (--output-dir), or applies them
to the cluster and waits for the agent (--apply).

Flags:
  --url URL               manifest repository (https, ssh, or a CodeCommit https URL), required
  --branch NAME           branch to follow (default main)
  --path DIR              directory of the repository to apply (default ./)
  --sync-name NAME        name of the sync (default cluster)
  --interval DUR          how often to fetch and re-apply (default 1m)
  --image REF             the agent's image (default: deploy/kustomization.yaml's)
  --secret-ref NAME       Secret with the git credentials (username/password, bearerToken, or identity/known_hosts)
  --username NAME         with --apply: create the Secret from this user and a password read from stdin
                          (--git-username is the same)
  --token-auth            with --apply: the password on stdin is a token (username "git" unless --username)
  --private-key-file FILE with --apply: create the Secret from this SSH key (identity) and --known-hosts-file
  --known-hosts-file FILE the SSH host keys of the git server (ssh-keyscan -p PORT HOST), for --private-key-file
  --provider aws          sign CodeCommit requests from the pod's IAM role (IRSA / Pod Identity)
  --role-arn ARN          IRSA: annotate the agent's ServiceAccount with this role
  --output-dir DIR        write the manifests (kustomization included) into DIR
  --apply                 apply them to the cluster (server-side) and wait until the agent is available
${clusterFlagsUsage(24)}  --timeout DURATION      with --apply: how long to wait (default 5m)
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
      provider: { type: "string" },
      "role-arn": { type: "string" },
      "output-dir": { type: "string" },
      apply: { type: "boolean", default: false },
      timeout: { type: "string", default: "5m" },
      help: { type: "boolean", short: "h" },
    },
    ({ values, positionals }) => {
      noPositionals(positionals);
      if (!values.url) throw new SlipwayError("--url", "the manifest repository URL is required");
      if (values.provider !== undefined && values.provider !== "aws") throw new SlipwayError("--provider", `"${values.provider}": only "aws" is supported`);
      const username = values.username ?? values["git-username"] ?? (values["token-auth"] ? "git" : undefined);
      const credFlag = values["private-key-file"] ? "--private-key-file" : values["token-auth"] ? "--token-auth" : values.username ? "--username" : values["git-username"] ? "--git-username" : undefined;
      if (credFlag && !values.apply) throw new SlipwayError(credFlag, "creates a Secret in the cluster: use it with --apply");
      if (credFlag && values["secret-ref"]) throw new SlipwayError(credFlag, "give either it (a new Secret) or --secret-ref (an existing one)");
      if (values["private-key-file"] && username) throw new SlipwayError("--private-key-file", "give either an SSH key or a username/token, not both");
      if (values["private-key-file"] && !values["known-hosts-file"]) throw new SlipwayError("--known-hosts-file", "is required with --private-key-file: the agent checks the server's host key (ssh-keyscan -p PORT HOST > known_hosts)");
      if (values["private-key-file"] && !/^ssh:\/\/|^[^/:]+@[^:]+:/.test(values.url)) throw new SlipwayError("--private-key-file", `needs an ssh:// or user@host:path --url, not ${values.url}`);
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
      return { values, opts, timeoutMs, username, credFlag };
    },
  );
  if (!parsed.ok) return parsed.exit;
  const { values, opts, timeoutMs, username, credFlag } = parsed.flags;

  if (values["output-dir"]) {
    const out = path.resolve(io.cwd, values["output-dir"]);
    await mkdir(out, { recursive: true });
    await writeOverlay(out, findDeployDir(), opts);
    ok(io, `wrote the agent's install manifests to ${path.relative(io.cwd, out) || "."}; apply them with \`kubectl apply --server-side -k ${path.relative(io.cwd, out) || "."}\``);
    return 0;
  }

  step(io, "rendering the agent's install manifests");
  const objects = await renderInstall(opts, io.signal);
  if (!values.apply) {
    io.stdout(renderManifests(objects));
    return 0;
  }

  // The credentials Secret, as flux bootstrap git takes them: a user and a password (or token) from stdin, or an SSH key.
  let secretData: Record<string, string> | undefined;
  if (values["private-key-file"] && values["known-hosts-file"]) {
    const identity = await readFile(path.resolve(io.cwd, values["private-key-file"]), "utf8").catch((err: unknown) => {
      throw new SlipwayError(`--private-key-file ${values["private-key-file"]}`, "cannot be read", { cause: err });
    });
    registerSecret(identity.trim());
    const knownHosts = await readFile(path.resolve(io.cwd, values["known-hosts-file"]), "utf8").catch((err: unknown) => {
      throw new SlipwayError(`--known-hosts-file ${values["known-hosts-file"]}`, "cannot be read", { cause: err });
    });
    secretData = { identity, known_hosts: knownHosts };
  } else if (username !== undefined) {
    const password = (await io.readStdin()).replace(/\r?\n$/, "");
    if (!password) {
      fail(io, `${credFlag ?? "--username"}: no ${values["token-auth"] ? "token" : "password"} on stdin (pipe it in: \`echo $TOKEN | slipway bootstrap …\`)`);
      return 2;
    }
    registerSecret(password);
    secretData = { username, password };
  }
  const client = await kubeClientFromFlags(values);
  const log = createLogger({ format: "text", level: "warn", write: (l) => io.stderr(l + "\n") });
  try {
    const rest = objects.filter((o) => o.kind !== "Namespace");
    if (secretData) {
      rest.push({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: gitCredentialsSecretName, namespace: opts.namespace },
        type: "Opaque",
        // `data`, not `stringData`: server-side apply then owns each key, so keys of earlier credentials (a token before an SSH key) go.
        data: Object.fromEntries(Object.entries(secretData).map(([k, v]) => [k, Buffer.from(v).toString("base64")])),
      } as KubeObject);
    }
    step(io, `applying ${objects.length + (secretData ? 1 : 0)} objects to ${client.server}`);
    // The Namespace first, on its own: the install's ApplySet parent lives in it.
    for (const ns of objects.filter((o) => o.kind === "Namespace")) {
      await serverSideApply({ client, mapping: await client.resource(ns.apiVersion, ns.kind, io.signal), obj: ns, signal: io.signal });
      io.stderr(`  Namespace/${ns.metadata.name} applied\n`);
    }
    waiting(io, "waiting for the agent to become available");
    const outcome = await applySync({
      client,
      sync: "bootstrap",
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
    ok(io, `the agent is running in ${opts.namespace}; see its syncs with \`slipway get -n ${opts.namespace}\``);
    return 0;
  } finally {
    client.close();
  }
};
