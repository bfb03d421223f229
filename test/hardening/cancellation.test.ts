// Cancelling the CI step mid-fetch against a git server that never answers: the GitHub Action
// (dist/action.js, as the runner starts it) on SIGINT and `slipway ci` on SIGTERM end within a
// few seconds, leave no git process (git's remote-http child included) and no file behind, and
// print no form of the secrets they were given.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startSilentServer } from "./misbehaving-servers.ts";
import { leaks } from "./secret-forms.ts";
import { cliBin } from "../cli/run-cli.ts";

const root = path.resolve(import.meta.dirname, "../..");
const sshKey = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nQyNTUxOQAAACCancelTestKeyMaterialThatMustNotLeak0000000000\n-----END OPENSSH PRIVATE KEY-----\n";
const keyLine = "QyNTUxOQAAACCancelTestKeyMaterialThatMustNotLeak0000000000";

/** Command lines of live processes that mention `needle`. */
function processesMentioning(needle: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
      if (cmd.includes(needle) && !cmd.includes("cancellation.test")) out.push(`${pid}: ${cmd}`);
    } catch {
      /* gone */
    }
  }
  return out;
}

/** Polls `check` every 50 ms until it holds, up to `ms`; returns whether it held. */
async function until(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

function collect(child: ChildProcess): { text: () => string; exited: Promise<number | null> } {
  let text = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => (text += d));
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (text += d));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return { text: () => text, exited };
}

async function cancelMidFetch(t: { after: (fn: () => Promise<void> | void) => void }, start: (repoUrl: string, temp: string) => ChildProcess, sig: NodeJS.Signals): Promise<void> {
  const server = await startSilentServer();
  t.after(() => server.close());
  const temp = await mkdtemp(path.join(tmpdir(), "slipway-cancel-"));
  t.after(() => rm(temp, { recursive: true, force: true }));
  const child = start(`${server.url}/shop/manifests.git`, temp);
  t.after(() => {
    if (child.exitCode === null && child.pid) child.kill("SIGKILL");
  });
  const out = collect(child);
  const authDirs = async () => (await readdir(temp)).filter((n) => n.startsWith("slipway-git-auth-"));
  assert.ok(await until(async () => server.connections() > 0 && (await authDirs()).length > 0, 30_000), `git connected and the key is on disk: ${out.text()}`);
  const key = path.join(temp, (await authDirs())[0] ?? "", "id");
  assert.equal(await readFile(key, "utf8"), sshKey, "the SSH key was written under the temp root");
  const t0 = Date.now();
  child.kill(sig);
  const code = await out.exited;
  const ms = Date.now() - t0;
  assert.ok(ms < 8000, `exited ${ms} ms after ${sig}`);
  assert.notEqual(code, 0);
  assert.ok(await until(() => processesMentioning(`127.0.0.1:${server.port}`).length === 0, 3000), processesMentioning(`127.0.0.1:${server.port}`).join("\n"));
  assert.deepEqual(await readdir(temp), [], "nothing is left in the temp directory");
  // `::add-mask::` lines are the runner's masking protocol: the runner consumes them, never shows them.
  const shown = out.text().split("\n").filter((l) => !l.startsWith("::add-mask::")).join("\n");
  assert.deepEqual(leaks(shown, keyLine), [], shown);
}

test("the Action cancelled with SIGINT mid-fetch: ends, kills git's children, leaves nothing in RUNNER_TEMP", async (t) => {
  await cancelMidFetch(
    t,
    (repo, temp) =>
      spawn(process.execPath, [path.join(root, "dist/action.js")], {
        cwd: temp,
        stdio: ["ignore", "pipe", "pipe"],
        env: {
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? "/tmp",
          RUNNER_TEMP: temp,
          "INPUT_IMAGE": "127.0.0.1:9/shop/account",
          "INPUT_BUILDER": "none",
          "INPUT_SOURCE": "v1",
          "INPUT_MANIFEST-REPO": repo,
          "INPUT_GIT-SSH-KEY": sshKey,
          "INPUT_TAG-FORMAT": "{timestamp}",
          "INPUT_MAX-ATTEMPTS": "10",
          "INPUT_CODECOMMIT": "auto",
        },
      }),
    "SIGINT",
  );
});

test("slipway ci cancelled with SIGTERM mid-fetch: ends within seconds, kills git's children, leaves nothing behind", async (t) => {
  await cancelMidFetch(
    t,
    (repo, temp) =>
      spawn(process.execPath, [cliBin, "ci", "--image", "127.0.0.1:9/shop/account", "--builder", "none", "--source", "v1", "--manifest-repo", repo], {
        cwd: temp,
        stdio: ["ignore", "pipe", "pipe"],
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", TMPDIR: temp, SLIPWAY_GIT_SSH_KEY: sshKey },
      }),
    "SIGTERM",
  );
});
