// Every bad input of the CI step is refused before any work: each row gives an input and the
// message it must produce, and the registry (a local server that counts requests) is never
// contacted. The manifest repository is a local bare repository (file://) with clusters/eks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseInputs } from "../../action/inputs.ts";
import { runCi } from "../../action/run-ci.ts";
import { createFileReporter } from "../../action/outputs.ts";
import { run } from "../../core/exec.ts";
import { createLogger } from "../../core/log.ts";
import { clearSecrets } from "../../core/redact.ts";
import { fail500, startServer } from "./misbehaving-servers.ts";
import { runCli } from "../cli/run-cli.ts";

/** One bad input, the message it must give (a regular expression), and text it must not echo. */
interface Row {
  inputs: Record<string, string>;
  message: RegExp;
  secret?: string;
}

/** The table of bad inputs and their messages (the README's Troubleshooting table follows it). */
export const BAD_INPUTS: Row[] = [
  { inputs: { "commit-message": "{{ range .Updated.Images }}{{ . }}{{ end }}" }, message: /^input commit-message:1: \.Updated is not supported: removed from Flux's template data; use \.Changed$/ },
  { inputs: { "commit-message": "bump {{ .Changed.ImageResult }}" }, message: /^input commit-message:1: \.Changed\.ImageResult is not supported/ },
  { inputs: { "update-path": "../other-repo" }, message: /^input update-path: "\.\.\/other-repo" leaves the repository root$/ },
  { inputs: { "update-path": "clusters/../../x" }, message: /^input update-path: "clusters\/\.\.\/\.\.\/x" leaves the repository root$/ },
  { inputs: { "update-path": "/clusters/eks" }, message: /^input update-path: "\/clusters\/eks" is absolute; give a path relative to the repository root/ },
  { inputs: { "update-path": "clusters/prod" }, message: /^input update-path: clusters\/prod does not exist on branch main/ },
  { inputs: { "extra-tags": "latest, {commit}" }, message: /^input extra-tags: "\{commit\}": unknown token \{commit\}/ },
  { inputs: { "extra-tags": "stable,-bad" }, message: /^input extra-tags: "-bad": "-bad" is not a valid image tag: it must not start with '\.' or '-'$/ },
  { inputs: { "tag-format": "v{build}" }, message: /^input tag-format: "v\{build\}": \{build\} needs the CI build number/ },
  { inputs: { "policy-namespace": "Flux_System" }, message: /^input policy-namespace: "Flux_System" is not a valid namespace/ },
  { inputs: { "webhook-url": "https://agent:hunter2-pass@agent.example/hook/manifests" }, message: /^input webhook-url: must not contain credentials/, secret: "hunter2-pass" },
  { inputs: { "webhook-url": "https://ghp_webhookTok3n@agent.example/hook/manifests" }, message: /^input webhook-url: must not contain credentials/, secret: "ghp_webhookTok3n" },
  { inputs: { "manifest-repo": "https://ghp_repoTok3nValue@git.example/shop.git" }, message: /^input manifest-repo: must not contain credentials/, secret: "ghp_repoTok3nValue" },
  { inputs: { "manifest-repo": "https://x-access-token:ghp_pairTok3n@git.example/shop.git" }, message: /^input manifest-repo: must not contain credentials/, secret: "ghp_pairTok3n" },
  { inputs: { "manifest-repo": "git://bot:gitPassw0rd@git.example/shop.git" }, message: /^input manifest-repo: must not contain credentials/, secret: "gitPassw0rd" },
  { inputs: { "manifest-repo": "ssh://git:sshPassw0rd@git.example/shop.git" }, message: /^input manifest-repo: must not contain credentials/, secret: "sshPassw0rd" },
  { inputs: { "manifest-repo": "git:scpPassw0rd@git.example:shop.git" }, message: /^input manifest-repo: must not contain credentials/, secret: "scpPassw0rd" },
  { inputs: { "ecr-endpoint": "https://AKIA:s3cretKey99@ecr.example" }, message: /^input ecr-endpoint: must not contain credentials/, secret: "s3cretKey99" },
];

test("every bad input is refused with its message before the registry is contacted", async (t) => {
  t.after(clearSecrets);
  const registry = await startServer(fail500);
  t.after(() => registry.close());
  const work = await mkdtemp(path.join(tmpdir(), "slipway-bad-inputs-"));
  t.after(() => rm(work, { recursive: true, force: true }));
  const src = path.join(work, "src");
  await mkdir(path.join(src, "clusters/eks"), { recursive: true });
  await writeFile(path.join(src, "clusters/eks/app.yaml"), 'image: 127.0.0.1/shop/account:1 # {"$imagepolicy": "flux-system:account"}\n');
  const git = (args: string[], cwd = src) => run("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd });
  await git(["init", "-q", "-b", "main"]);
  await git(["add", "."]);
  await git(["commit", "-q", "-m", "seed"]);
  await git(["clone", "-q", "--bare", src, path.join(work, "manifests.git")], work);
  const repoUrl = `file://${path.join(work, "manifests.git")}`;
  const base = { image: `127.0.0.1:${registry.port}/shop/account`, builder: "none", source: "v1", "manifest-repo": repoUrl, "manifest-branch": "main" };

  // The good case reaches the registry: the counter works.
  await assert.rejects(runCiWith(base));
  assert.ok(registry.seen.length > 0, "a valid run contacts the registry");
  registry.seen.length = 0;

  const table: string[] = [];
  for (const row of BAD_INPUTS) {
    const err = await runCiWith({ ...base, ...row.inputs }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    const given = JSON.stringify(row.inputs);
    assert.ok(err, `${given} was accepted`);
    assert.match(err.message, row.message, given);
    assert.ok(!err.message.includes("\n"), `${given}: one line`);
    if (row.secret) assert.ok(!err.message.includes(row.secret), `${given}: the value is not echoed`);
    assert.equal(registry.seen.length, 0, `${given} reached the registry`);
    table.push(`${given} → ${err.message}`);
  }
  t.diagnostic(table.join("\n"));
});

async function runCiWith(given: Record<string, string>): Promise<unknown> {
  const inputs = parseInputs((name) => given[name]);
  return runCi({
    inputs,
    reporter: createFileReporter({ write: () => {} }),
    log: createLogger({ write: () => {} }),
    ci: { system: "other", sha: "0123456789abcdef0123456789abcdef01234567", branch: "main" },
    env: {},
    signal: AbortSignal.timeout(30_000),
  });
}

test("a secret given as a slipway ci flag works but warns that the process list shows it", async () => {
  const r = await runCli(["ci", "--git-token", "ghp_flagTok3nValue", "--webhook-token", "hookTok3nValue", "--image", "bad image"], { env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp" } });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^warning: --git-token is visible to every user of this machine in the process list; set SLIPWAY_GIT_TOKEN in the environment instead$/m);
  assert.match(r.stderr, /^warning: --webhook-token is visible .*; set SLIPWAY_WEBHOOK_TOKEN in the environment instead$/m);
  assert.ok(!r.stderr.includes("ghp_flagTok3nValue") && !r.stdout.includes("ghp_flagTok3nValue"));
  const env = await runCli(["ci", "--image", "bad image"], { env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", SLIPWAY_GIT_TOKEN: "ghp_envTok3nValue" } });
  assert.doesNotMatch(env.stderr, /warning: --git-token/);
});
