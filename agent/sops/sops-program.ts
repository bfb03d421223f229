/**
 * The `sops` program as the agent runs it: encrypted text in on stdin, plain text out on stdout,
 * never a file. The child's environment is built from nothing: PATH, the AWS variables (the
 * pod's IAM role through IRSA or EKS Pod Identity, a region, an endpoint) or, when the
 * decryption Secret gives static credentials, only those (with the region and endpoints), the age keys in
 * `SOPS_AGE_KEY`, and a configuration home that does not exist, so no key file, PGP keyring or
 * `.sops.yaml` of the machine is ever read. SOPS itself verifies each file's MAC.
 */
import { spawn } from "node:child_process";
import { SlipwayError } from "../../core/errors.ts";
import { redact } from "../../core/redact.ts";
import type { AwsKmsCredentials } from "./decryption-keys.ts";

/** The formats SOPS reads and writes. */
export type SopsFormat = "yaml" | "json" | "dotenv" | "binary";

/** Decrypts SOPS documents in memory. */
export interface SopsDecryptor {
  /** Decrypts `encrypted` (one SOPS file of `format`); throws a SlipwayError about `subject` with SOPS' reason. */
  decrypt(encrypted: string | Buffer, format: SopsFormat, subject: string, signal?: AbortSignal): Promise<Buffer>;
}

/** Options for {@link createSopsDecryptor}. */
export interface SopsDecryptorOptions {
  /** The program. Default `$SLIPWAY_SOPS`, else `sops` on PATH. */
  program?: string;
  /** age private keys (`AGE-SECRET-KEY-1…`), each a line or a whole keys file. Default none. */
  ageKeys?: readonly string[];
  /** Static AWS credentials for KMS (the Secret's `sops.aws-kms`). Default: the agent's identity. */
  awsKms?: AwsKmsCredentials;
  /** Environment the AWS variables are taken from. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Longest one decryption may take, ms. Default 30000 (a KMS call included). */
  timeoutMs?: number;
}

/** The sops program configured for the agent: `$SLIPWAY_SOPS`, else `sops` on PATH. */
export function sopsProgram(env: NodeJS.ProcessEnv = process.env): string {
  return env.SLIPWAY_SOPS || "sops";
}

/** The child's environment (see the file comment). Pure. */
export function sopsEnvironment(env: NodeJS.ProcessEnv, ageKeys: readonly string[], awsKms?: AwsKmsCredentials): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { PATH: env.PATH ?? "/usr/bin:/bin", HOME: "/nonexistent", XDG_CONFIG_HOME: "/nonexistent", GNUPGHOME: "/nonexistent", SOPS_AGE_KEY_FILE: "/nonexistent" };
  // With static credentials only the region and endpoints are kept: no identity of the agent's may mix in.
  const kept = awsKms ? (k: string): boolean => k === "AWS_REGION" || k === "AWS_DEFAULT_REGION" || k.startsWith("AWS_ENDPOINT_URL") || k === "AWS_EC2_METADATA_DISABLED" : (k: string): boolean => k.startsWith("AWS_");
  for (const [k, v] of Object.entries(env)) if (kept(k) && v !== undefined) out[k] = v;
  if (awsKms) {
    out.AWS_ACCESS_KEY_ID = awsKms.accessKeyId;
    out.AWS_SECRET_ACCESS_KEY = awsKms.secretAccessKey;
    if (awsKms.sessionToken) out.AWS_SESSION_TOKEN = awsKms.sessionToken;
  }
  if (ageKeys.length > 0) out.SOPS_AGE_KEY = ageKeys.map((k) => k.trim()).join("\n");
  return out;
}

/** SOPS' reason out of its stderr: the last lines that say something, without its usage noise. Pure. */
export function sopsReason(stderr: string): string {
  const lines = stderr.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  return lines.slice(-3).join(" ") || "sops failed without a message";
}

/** Creates a decryptor over the sops program. */
export function createSopsDecryptor(options: SopsDecryptorOptions = {}): SopsDecryptor {
  const program = options.program ?? sopsProgram(options.env);
  const env = sopsEnvironment(options.env ?? process.env, options.ageKeys ?? [], options.awsKms);
  const timeoutMs = options.timeoutMs ?? 30_000;
  return {
    decrypt(encrypted, format, subject, signal) {
      const args = ["decrypt", "--input-type", format, "--output-type", format];
      return new Promise<Buffer>((resolve, reject) => {
        const limit = AbortSignal.timeout(timeoutMs);
        const all = signal ? AbortSignal.any([signal, limit]) : limit;
        const child = spawn(program, args, { env, cwd: "/", stdio: ["pipe", "pipe", "pipe"], signal: all });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on("data", (b: Buffer) => out.push(b));
        child.stderr.on("data", (b: Buffer) => err.push(b));
        child.stdin.on("error", () => undefined);
        child.on("error", (e: NodeJS.ErrnoException) => {
          const why = e.code === "ENOENT" ? `${program} is not installed or not on PATH (set SLIPWAY_SOPS to its path)` : limit.aborted ? `sops timed out after ${timeoutMs / 1000}s` : e.message;
          reject(new SlipwayError(subject, `cannot decrypt: ${why}`, { cause: e }));
        });
        child.on("close", (code) => {
          if (code === 0) resolve(Buffer.concat(out));
          else if (code !== null) reject(new SlipwayError(subject, `cannot decrypt with SOPS: ${redact(sopsReason(Buffer.concat(err).toString("utf8")))}`));
        });
        child.stdin.end(encrypted);
      });
    },
  };
}
