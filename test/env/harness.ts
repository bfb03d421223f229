/**
 * What integration tests share: the description of the running local infrastructure, read from
 * `.testenv/env` (written by `npm run testenv -- up`), and helpers that give each test its own
 * git repository, registry path and namespace so that test files can run in parallel.
 */
import type { TestContext } from "node:test";
import { readFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import path from "node:path";
import { run } from "../../core/exec.ts";
import { acquireLock } from "./lock.ts";

/** The running test infrastructure. Every address is on 127.0.0.1. */
export interface TestEnv {
  /** Absolute path of the .testenv directory. */
  dir: string;
  /** Path of the admin kubeconfig for the local control plane. */
  kubeconfig: string;
  /** Kubernetes version of the control plane, e.g. v1.33.13. */
  kubeVersion: string;
  /** Directory that holds the bare repositories served over HTTP and SSH. */
  gitRoot: string;
  /** Base URL of git over HTTP without auth: a repo `x` is `${gitHttpUrl}/x.git`. */
  gitHttpUrl: string;
  /** Base URL of git over HTTP that requires basic auth (gitHttpUser / gitHttpPassword). */
  gitHttpAuthUrl: string;
  gitHttpUser: string;
  gitHttpPassword: string;
  /** Base URL of git over SSH: a repo `x` is `${gitSshUrl}/x.git`. */
  gitSshUrl: string;
  /** Private key accepted by the SSH server, and a known_hosts file for it. */
  gitSshKey: string;
  gitSshKnownHosts: string;
  /** OCI registry without auth, `127.0.0.1:PORT`. */
  registry: string;
  /** OCI registry with htpasswd auth, `127.0.0.1:PORT`, and its credentials. */
  registryAuth: string;
  registryUser: string;
  registryPassword: string;
  /** ECR API endpoint (moto), `http://127.0.0.1:PORT`, and the credentials it accepts. */
  ecrEndpoint: string;
  awsRegion: string;
  awsAccessKeyId: string;
  awsSecretAccessKey: string;
  /** Docker engine socket, `unix:///…/docker.sock`. */
  dockerHost: string;
}

const keys: Record<keyof TestEnv, string> = {
  dir: "TESTENV_DIR",
  kubeconfig: "KUBECONFIG",
  kubeVersion: "TESTENV_KUBE_VERSION",
  gitRoot: "TESTENV_GIT_ROOT",
  gitHttpUrl: "TESTENV_GIT_HTTP_URL",
  gitHttpAuthUrl: "TESTENV_GIT_HTTP_AUTH_URL",
  gitHttpUser: "TESTENV_GIT_HTTP_USER",
  gitHttpPassword: "TESTENV_GIT_HTTP_PASSWORD",
  gitSshUrl: "TESTENV_GIT_SSH_URL",
  gitSshKey: "TESTENV_GIT_SSH_KEY",
  gitSshKnownHosts: "TESTENV_GIT_SSH_KNOWN_HOSTS",
  registry: "TESTENV_REGISTRY",
  registryAuth: "TESTENV_REGISTRY_AUTH",
  registryUser: "TESTENV_REGISTRY_USER",
  registryPassword: "TESTENV_REGISTRY_PASSWORD",
  ecrEndpoint: "TESTENV_ECR_ENDPOINT",
  awsRegion: "AWS_REGION",
  awsAccessKeyId: "AWS_ACCESS_KEY_ID",
  awsSecretAccessKey: "AWS_SECRET_ACCESS_KEY",
  dockerHost: "DOCKER_HOST",
};

/** The variable names written to `.testenv/env`, by field. */
export const testEnvKeys: Readonly<Record<keyof TestEnv, string>> = keys;

/** Parses a shell-sourceable `KEY='value'` file as written by the test environment. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (!m || !m[1]) continue;
    let v = m[2] ?? "";
    if (v.startsWith("'") && v.endsWith("'")) v = v.slice(1, -1).replace(/'\\''/g, "'");
    else if (v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
    out[m[1]] = v;
  }
  return out;
}

/** Reads the environment file, or returns undefined when the infrastructure is not up. */
export function loadTestEnv(file = process.env.SLIPWAY_TESTENV || path.resolve(import.meta.dirname, "../../.testenv/env")): TestEnv | undefined {
  if (!file || !existsSync(file)) return undefined;
  const vars = parseEnvFile(readFileSync(file, "utf8"));
  const env = {} as Record<keyof TestEnv, string>;
  for (const [field, key] of Object.entries(keys) as [keyof TestEnv, string][]) {
    const v = vars[key];
    if (v === undefined) throw new Error(`${file}: ${key} is missing; run \`npm run testenv -- up\` again`);
    env[field] = v;
  }
  return env;
}

/**
 * For an integration test: returns the infrastructure, skips the test in a unit-only run
 * (`npm test -- --unit`), and fails it when the infrastructure should be up but is not.
 */
export function integration(t: TestContext): TestEnv | undefined {
  if (process.env.SLIPWAY_UNIT_ONLY === "1") {
    t.skip("integration test (unit-only run)");
    return undefined;
  }
  const env = loadTestEnv();
  if (!env) throw new Error("the test environment is not up: run `npm run testenv -- up` (npm test does it for you)");
  return env;
}

const heldLocks = new Set<string>();

/**
 * For integration tests that share cluster-wide state no test can own alone (Flux's toolkit CRDs and
 * the `flux-system` namespace, the install's ClusterRoles): holds the lock `name` in the test
 * environment's directory until this test file's process ends, after every test's teardown, so that
 * two test files never touch that state at once. Later tests of the same file already hold it.
 */
export async function exclusive(env: TestEnv, t: TestContext, name: string): Promise<void> {
  const file = path.join(env.dir, `exclusive-${name}.lock`);
  if (heldLocks.has(file)) return;
  const release = await acquireLock(file, t.signal, 20 * 60_000, `another test file using "${name}"`);
  heldLocks.add(file);
  // Released when the process exits: a test's own t.after teardown runs after anything registered
  // here, so releasing at the test's end would let another file in while this one still cleans up.
  process.once("exit", release);
}

/** A short unique lowercase name, safe for namespaces, repositories and registry paths. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString("hex")}`;
}

/** Options for {@link kubectl}. */
export interface KubectlOptions {
  /** Written to kubectl's stdin (for `apply -f -`). */
  input?: string;
  signal?: AbortSignal;
}

/**
 * Runs kubectl against the test cluster (the env's kubeconfig) and returns its stdout; throws an
 * error that carries kubectl's stderr when it fails.
 */
export async function kubectl(env: TestEnv, args: readonly string[], options: KubectlOptions = {}): Promise<string> {
  const { stdout } = await run("kubectl", ["--kubeconfig", env.kubeconfig, ...args], { input: options.input, signal: options.signal });
  return stdout;
}

/** Creates a namespace `<prefix>-<random>` for this test and deletes it when the test ends. */
export async function createNamespace(env: TestEnv, t: TestContext, prefix: string): Promise<string> {
  const name = uniqueName(prefix);
  await kubectl(env, ["create", "namespace", name]);
  t.after(async () => {
    await kubectl(env, ["delete", "namespace", name, "--wait=false", "--ignore-not-found"]);
  });
  return name;
}

/** Options for {@link createGitRepo}. */
export interface GitRepoOptions {
  /** Repository name (without `.git`). Default `repo-<random>`. */
  name?: string;
  /** Branch of the initial commit, also the bare repository's HEAD. Default `main`. */
  branch?: string;
  /** Files of the initial commit, path → content. Default a README.md. */
  files?: Record<string, string>;
}

/** A bare repository served by the test git servers, and its clone URLs. */
export interface TestGitRepo {
  name: string;
  /** Absolute path of the bare repository (`<gitRoot>/<name>.git`). */
  bareDir: string;
  /** Clone URL over HTTP without auth. */
  httpUrl: string;
  /** Clone URL over HTTP with basic auth, the user and password in the URL. */
  httpAuthUrl: string;
  /** Clone URL over SSH (use {@link gitSshCommand} as GIT_SSH_COMMAND). */
  sshUrl: string;
}

/** The identity and settings test commits are made with (`git -c …` arguments). */
export const testGitConfig: readonly string[] = ["-c", "user.name=Slipway Test", "-c", "user.email=test@slipway.invalid", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"];

/** The GIT_SSH_COMMAND that uses the test environment's client key and known_hosts file. */
export function gitSshCommand(env: TestEnv): string {
  return `ssh -i ${env.gitSshKey} -o IdentitiesOnly=yes -o UserKnownHostsFile=${env.gitSshKnownHosts} -o StrictHostKeyChecking=yes -o BatchMode=yes`;
}

/**
 * Creates a bare repository under the env's git root with one commit holding `files` on
 * `branch`, served over HTTP and SSH; it is deleted when the test ends.
 */
export async function createGitRepo(env: TestEnv, t: TestContext, options: GitRepoOptions = {}): Promise<TestGitRepo> {
  const name = options.name ?? uniqueName("repo");
  const branch = options.branch ?? "main";
  const bareDir = path.join(env.gitRoot, `${name}.git`);
  const work = mkdtempSync(path.join(tmpdir(), `slipway-${name}-`));
  t.after(() => rmSync(bareDir, { recursive: true, force: true }));
  try {
    await run("git", [...testGitConfig, "init", "--bare", "-q", "-b", branch, bareDir]);
    await run("git", [...testGitConfig, "init", "-q", "-b", branch, work]);
    const files = options.files ?? { "README.md": `# ${name}\n` };
    for (const [file, content] of Object.entries(files)) {
      const target = path.join(work, file);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, content);
    }
    await run("git", [...testGitConfig, "-C", work, "add", "-A"]);
    await run("git", [...testGitConfig, "-C", work, "commit", "-q", "-m", "initial commit"]);
    await run("git", [...testGitConfig, "-C", work, "push", "-q", bareDir, `HEAD:refs/heads/${branch}`]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const auth = new URL(`${env.gitHttpAuthUrl}/${name}.git`);
  auth.username = encodeURIComponent(env.gitHttpUser);
  auth.password = encodeURIComponent(env.gitHttpPassword);
  return { name, bareDir, httpUrl: `${env.gitHttpUrl}/${name}.git`, httpAuthUrl: auth.toString(), sshUrl: `${env.gitSshUrl}/${name}.git` };
}

/** Every variable of the env's `.testenv/env`, including those beyond {@link TestEnv} (e.g. TESTENV_BUILDAH_FLAGS). */
export function testEnvVars(env: TestEnv): Record<string, string> {
  return parseEnvFile(readFileSync(path.join(env.dir, "env"), "utf8"));
}

/**
 * The global flags every buildah command of a test must take (own storage root, vfs driver),
 * e.g. `buildah ...buildahFlags(env) bud --isolation chroot …`; builds use chroot isolation.
 */
export function buildahFlags(env: TestEnv): string[] {
  return (testEnvVars(env).TESTENV_BUILDAH_FLAGS ?? "").split(" ").filter(Boolean);
}
