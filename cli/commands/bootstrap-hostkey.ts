/**
 * Host-key scanning for `slipway bootstrap --private-key-file` without `--known-hosts-file`, as
 * `flux bootstrap` does: read the SSH server's host keys with ssh-keyscan (bounded by a timeout
 * and the caller's signal), and give them in known_hosts form with their SHA256 fingerprints
 * (ssh-keygen -l) to print, so a person can compare them with what the git host publishes.
 */
import { SlipwayError } from "../../core/errors.ts";
import { run } from "../../core/exec.ts";

/** Host and port of an `ssh://[user@]host[:port]/path` or `user@host:path` URL; undefined for other URLs. Pure. */
export function sshHostOf(url: string): { host: string; port: number } | undefined {
  const m = /^ssh:\/\/(?:[^@/]+@)?(\[[^\]]+\]|[^:/]+)(?::(\d+))?\//.exec(url);
  if (m?.[1]) return { host: m[1].replace(/^\[|\]$/g, ""), port: m[2] ? Number(m[2]) : 22 };
  const scp = /^[^/:@]+@([^:/]+):/.exec(url);
  if (scp?.[1]) return { host: scp[1], port: 22 };
  return undefined;
}

/** The scanned keys. */
export interface ScannedHostKeys {
  /** known_hosts lines (`[host]:port type key` for a port other than 22). */
  knownHosts: string;
  /** One `SHA256:… host (TYPE)` line per key. */
  fingerprints: string[];
}

/** Options for {@link scanHostKeys}. */
export interface ScanOptions {
  /** Key types for ssh-keyscan -t (`ssh-ed25519,ecdsa-sha2-nistp256`, …). Default ssh-keyscan's. */
  algorithms?: string;
  /** How long ssh-keyscan may take, ms. Default 30000. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Scans the host keys of the SSH server of `url`; throws naming the URL when there are none. */
export async function scanHostKeys(url: string, options: ScanOptions = {}): Promise<ScannedHostKeys> {
  const target = sshHostOf(url);
  if (!target) throw new SlipwayError(`--url ${url}`, "is not an ssh:// or user@host:path URL: no SSH host to scan");
  const timeoutMs = options.timeoutMs ?? 30_000;
  const args = ["-T", String(Math.max(1, Math.round(timeoutMs / 1000))), "-p", String(target.port)];
  if (options.algorithms) args.push("-t", options.algorithms);
  args.push("--", target.host);
  const where = `${target.host}:${target.port}`;
  const scanned = await run("ssh-keyscan", args, { okCodes: [0, 1], timeoutMs: timeoutMs + 5000, ...(options.signal ? { signal: options.signal } : {}) }).catch((err: unknown) => {
    throw new SlipwayError(`--url ${url}`, `ssh-keyscan of ${where} failed (give the host keys with --known-hosts-file instead)`, { cause: err });
  });
  const knownHosts = scanned.stdout
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.startsWith("#"))
    .sort()
    .join("\n");
  if (!knownHosts) throw new SlipwayError(`--url ${url}`, `ssh-keyscan read no host key from ${where}${options.algorithms ? ` of types ${options.algorithms}` : ""} (${scanned.stderr.trim().split("\n").pop() || "no answer"}); give them with --known-hosts-file`);
  const fp = await run("ssh-keygen", ["-l", "-f", "-"], { input: knownHosts + "\n", timeoutMs: 10_000, ...(options.signal ? { signal: options.signal } : {}) });
  return { knownHosts: knownHosts + "\n", fingerprints: fp.stdout.split("\n").filter((l) => l.trim() !== "") };
}
