// `slipway ci` as a process against misbehaving servers (echoing credentials back, redirecting
// to another origin, answering 500 with bodies), given every kind of secret through the
// environment: afterwards stdout, stderr, the outputs file, the working directory and the temp
// directory are searched for every form of every secret (raw, URL-encoded, JSON-escaped, base64
// at any alignment), and the temp directory must be empty.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { echoCredentials, fail500, redirectTo, startServer, type MisbehavingServer } from "./misbehaving-servers.ts";
import { leaks } from "./secret-forms.ts";
import { cliBin } from "../cli/run-cli.ts";

const secrets = {
  SLIPWAY_GIT_TOKEN: "ghp_sweepGitTok3n_0123456789",
  SLIPWAY_REGISTRY_PASSWORD: 'reg "pass\\word" 42',
  SLIPWAY_WEBHOOK_TOKEN: "hook_sweepTok3n_abcdef",
  SLIPWAY_GITHUB_TOKEN: "ghp_sweepApiTok3n_98765",
};

/** Every file's text under `dir`, recursively. */
async function filesText(dir: string): Promise<string> {
  let out = "";
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) out += `\n--- ${e.name}\n` + (await readFile(path.join(e.parentPath, e.name), "latin1"));
  }
  return out;
}

function runCi(args: string[], cwd: string, temp: string): Promise<{ code: number | null; text: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliBin, "ci", ...args, "--outputs-file", path.join(cwd, "outputs.env")], {
      cwd,
      stdio: ["ignore", "pipe", "pipe"],
      // A username whose length misaligns the token inside base64(user:token).
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", TMPDIR: temp, SLIPWAY_GIT_USERNAME: "ci-bot", ...secrets },
    });
    let text = "";
    child.stdout.on("data", (d: Buffer) => (text += d.toString()));
    child.stderr.on("data", (d: Buffer) => (text += d.toString()));
    const kill = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("close", (code) => {
      clearTimeout(kill);
      resolve({ code, text });
    });
  });
}

test("no form of any secret reaches an output, a file or the temp directory", async (t) => {
  const servers: MisbehavingServer[] = [];
  const start = async (b: Parameters<typeof startServer>[0]) => {
    const s = await startServer(b);
    servers.push(s);
    return s;
  };
  t.after(() => Promise.all(servers.map((s) => s.close())));
  const gitEcho = await start(echoCredentials);
  const other = await start(echoCredentials);
  const gitRedirect = await start(redirectTo(other.url));
  const registryEcho = await start(echoCredentials);
  const registry500 = await start(fail500);
  const image = (s: MisbehavingServer) => ["--image", `127.0.0.1:${s.port}/shop/account`, "--builder", "none", "--source", "v1", "--registry-username", "ci-bot", "--webhook-url", `${gitEcho.url}/hook/x`];
  const scenarios: [string, string[]][] = [
    ["git server echoing the credentials", [...image(registry500), "--manifest-repo", `${gitEcho.url}/shop.git`]],
    ["git server redirecting to another origin", [...image(registry500), "--manifest-repo", `${gitRedirect.url}/shop.git`, "--pull-request", "true", "--github-api-url", other.url]],
    ["registry echoing the credentials", image(registryEcho)],
    ["registry answering 500", image(registry500)],
  ];
  for (const [name, args] of scenarios) {
    const cwd = await mkdtemp(path.join(tmpdir(), "slipway-sweep-cwd-"));
    const temp = await mkdtemp(path.join(tmpdir(), "slipway-sweep-tmp-"));
    t.after(() => Promise.all([rm(cwd, { recursive: true, force: true }), rm(temp, { recursive: true, force: true })]));
    const r = await runCi(args, cwd, temp);
    assert.equal(r.code, 1, `${name}: fails (${r.text})`);
    const everything = `${r.text}\n${await filesText(cwd)}\n${await filesText(temp)}`;
    for (const [k, v] of Object.entries(secrets)) assert.deepEqual(leaks(everything, v), [], `${name}: ${k} leaked:\n${everything}`);
    assert.deepEqual(await readdir(temp), [], `${name}: the temp directory is empty`);
  }
  assert.ok(gitEcho.seen.some((s) => s.authorization), "the git server was sent the credentials, and echoed them");
  assert.ok(registryEcho.seen.some((s) => s.authorization), "the registry was sent the credentials, and echoed them");
  assert.deepEqual(other.seen.filter((s) => s.authorization !== undefined), [], "nothing went to the other origin");
});
