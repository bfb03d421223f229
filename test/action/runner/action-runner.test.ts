// The RUNNER test: dist/action.js (the committed bundle) executed under Node 24 the way the
// GitHub runner starts a `node24` action: INPUT_<NAME> variables (upper-cased, spaces to `_`,
// hyphens kept, action.yml defaults filled in), GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files and a
// GITHUB_WORKSPACE. Outputs are parsed back from the heredoc format. The registry needs a
// password, git needs basic auth and the agent webhook a token: none of them may appear in any
// log, output or summary. The webhook receiver is a small local HTTP server standing in for the
// agent's endpoint (our own contract: POST {revision} signed with X-Slipway-Signature).
import { hmacSha256 } from "../../../agent/receivers/verify-call.ts";
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse } from "yaml";
import { createGitRepo, integration, uniqueName } from "../../env/harness.ts";
import { run } from "../../../core/exec.ts";
import { pushSampleImage, shopFiles } from "../e2e/shop-fixture.ts";

const root = path.resolve(import.meta.dirname, "../../..");

/** Parses `name<<DELIM\nvalue\nDELIM` records (what core.setOutput appends to GITHUB_OUTPUT). */
function parseGithubOutput(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i] ?? "");
    if (!m) continue;
    const [, name = "", delim] = m;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i] ?? "");
    out[name] = value.join("\n");
  }
  return out;
}

/** The runner's INPUT_ variables: action.yml defaults, then the given inputs. */
function runnerInputs(given: Record<string, string>): Record<string, string> {
  const doc = parse(readFileSync(path.join(root, "action.yml"), "utf8")) as { inputs: Record<string, { default?: string }> };
  const env: Record<string, string> = {};
  const key = (name: string): string => `INPUT_${name.replace(/ /g, "_").toUpperCase()}`;
  for (const [name, spec] of Object.entries(doc.inputs)) if (spec.default !== undefined) env[key(name)] = spec.default;
  for (const [name, value] of Object.entries(given)) env[key(name)] = value;
  return env;
}

function runAction(env: Record<string, string>, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, "dist/action.js")], { cwd, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.pid && process.kill(child.pid, "SIGKILL"), 120_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

test("dist/action.js under Node 24 with the runner's environment: outputs, summary, webhook, and no credential anywhere", async (t) => {
  const env = integration(t);
  if (!env) return;
  assert.match(process.version, /^v24\./);
  const work = await mkdtemp(path.join(tmpdir(), "slipway-runner-"));
  t.after(() => rm(work, { recursive: true, force: true }));
  const prefix = `${env.registryAuth}/${uniqueName("gh")}`;
  const image = `${prefix}/account`;
  const auth = { user: env.registryUser, password: env.registryPassword };
  await pushSampleImage(env.registryAuth, image.slice(env.registryAuth.length + 1), "build", auth);
  const repo = await createGitRepo(env, t, { files: shopFiles({ imagePrefix: prefix, services: ["account", "cart"] }) });

  const hooks: { signature: string | undefined; timestamp: string | undefined; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      hooks.push({ signature: req.headers["x-slipway-signature"] as string | undefined, timestamp: req.headers["x-slipway-timestamp"] as string | undefined, body });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const port = (server.address() as { port: number }).port;
  const webhookToken = "hook-token-5f3a9c";

  const outputFile = path.join(work, "github_output");
  const summaryFile = path.join(work, "step_summary");
  await writeFile(outputFile, "");
  await writeFile(summaryFile, "");
  const result = await runAction(
    {
      ...runnerInputs({
        image: `${image}:build`,
        builder: "none",
        "registry-username": env.registryUser,
        "registry-password": env.registryPassword,
        "manifest-repo": `${env.gitHttpAuthUrl}/${repo.name}.git`,
        "git-username": env.gitHttpUser,
        "git-password": env.gitHttpPassword,
        "webhook-url": `http://127.0.0.1:${port}/hook`,
        "webhook-token": webhookToken,
        "extra-tags": "sha-{short-sha}",
      }),
      GITHUB_ACTIONS: "true",
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      GITHUB_WORKSPACE: work,
      GITHUB_SHA: "0123456789abcdef0123456789abcdef01234567",
      GITHUB_REF_NAME: "main",
      GITHUB_RUN_NUMBER: "42",
      RUNNER_TEMP: work,
    },
    work,
  );
  assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
  const outputs = parseGithubOutput(await readFile(outputFile, "utf8"));
  assert.match(outputs.tag ?? "", /^\d{14}$/);
  assert.match(outputs.digest ?? "", /^sha256:[0-9a-f]{64}$/);
  assert.equal(outputs.image, `${image}:${outputs.tag}@${outputs.digest}`);
  assert.match(outputs.commit ?? "", /^[0-9a-f]{40}$/);
  assert.equal(outputs["changed-files"], "clusters/eks/shop/account.yaml");
  assert.equal(outputs["pull-request-url"], "");
  assert.equal((await run("git", ["--git-dir", repo.bareDir, "rev-parse", "main"])).stdout.trim(), outputs.commit);
  const tagsRes = await fetch(`http://${env.registryAuth}/v2/${image.slice(env.registryAuth.length + 1)}/tags/list`, { headers: { authorization: `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString("base64")}` } });
  const tags = ((await tagsRes.json()) as { tags: string[] }).tags.sort();
  assert.deepEqual(tags, [outputs.tag, "build", "sha-0123456"].sort());
  const summary = await readFile(summaryFile, "utf8");
  assert.match(summary, /\| clusters\/eks\/shop\/account\.yaml:18 \| Deployment\/shop\/account \| `[^`]*\/account:20200101000000` \|/);
  assert.match(summary, new RegExp(`\\| \`${image.replace(/[.]/g, "\\.")}:${outputs.tag}\` \\| flux-system:account \\|`));
  assert.match(result.stdout, /::group::Build and push image/);
  assert.match(result.stdout, /::group::Update manifests/);
  assert.equal(hooks.length, 1);
  assert.equal(hooks[0]?.signature, hmacSha256(webhookToken, `${hooks[0]?.timestamp ?? ""}.${hooks[0]?.body ?? ""}`), "signed with webhook-token");
  assert.deepEqual(JSON.parse(hooks[0]?.body ?? "{}"), { revision: `main@sha1:${outputs.commit}`, branch: "main", commit: outputs.commit });

  // No credential in any log, output or summary (plain, URL-encoded or base64).
  // `::add-mask::<value>` lines are the masking instruction itself; the runner consumes them.
  const shown = result.stdout.split("\n").filter((l) => !l.startsWith("::add-mask::"));
  const captured = [...shown, result.stderr, await readFile(outputFile, "utf8"), summary].join("\n");
  for (const secret of [env.gitHttpPassword, env.registryPassword, webhookToken]) {
    for (const form of [secret, encodeURIComponent(secret), Buffer.from(secret).toString("base64"), Buffer.from(`${env.registryUser}:${secret}`).toString("base64")]) {
      const at = captured.indexOf(form);
      assert.ok(at < 0, `a credential leaked: ${form.slice(0, 4)}… in «${captured.slice(Math.max(0, at - 200), at + 40).replaceAll(form, "<SECRET>")}»`);
    }
  }
  assert.match(result.stdout, /::add-mask::/, "secrets were masked for the runner");

  // A failing run: ::error:: with one line naming the input, exit code 1, nothing pushed.
  const failed = await runAction({ ...runnerInputs({ image: `${image}:build`, builder: "kaniko" }), GITHUB_ACTIONS: "true", GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: summaryFile }, work);
  assert.equal(failed.code, 1);
  assert.match(failed.stdout, /^::error::input builder: "kaniko" is not one of docker, buildah, none$/m);
});
