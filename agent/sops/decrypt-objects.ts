/**
 * Decrypting a Kustomization's build (`decryption: {provider: sops}`), after kustomize and before
 * substitution and apply, as Flux does. Three shapes are found in a build:
 * - a document encrypted whole (YAML or JSON, a top-level `sops` block): its file in the exported
 *   tree is found by its MAC (the `sops.mac` value is copied verbatim by kustomize), that exact
 *   document is decrypted, so SOPS checks the MAC of what was committed, and each `ENC[…]` value
 *   of the built object is replaced by the plain value at the same path (so what kustomize did to
 *   the object's metadata, a namespace or a prefix, is kept) and the `sops` block is dropped;
 * - a Secret value that is an encrypted file (secretGenerator `files:`): decrypted in the format
 *   its key's extension names (`.yaml`/`.yml`, `.json`, `.env`, anything else binary);
 * - a Secret made from an encrypted dotenv file (secretGenerator `envs:`, which leaves `sops_*`
 *   keys): the file holding that `sops_mac` is decrypted and its pairs become the Secret's data.
 * Everything is decrypted through stdin and stdout (agent/sops/sops-program.ts); plain values
 * never touch the disk, and each is registered with the redactor as it is read. Every failure
 * names the file and the object; one failure fails the whole build, before anything is applied.
 */
import { readFile } from "node:fs/promises";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { SlipwayError, errorMessage } from "../../core/errors.ts";
import { registerSecret } from "../../core/redact.ts";
import { walkTree } from "../../core/walk-tree.ts";
import { objectId, type KubeObject } from "../kube/kube-object.ts";
import type { SopsDecryptor, SopsFormat } from "./sops-program.ts";

/** Options for {@link decryptObjects}. */
export interface DecryptObjectsOptions {
  decryptor: SopsDecryptor;
  /** The exported tree the build was made from (encrypted files are looked up in it by MAC). */
  root: string;
  /** Decryptions run at once. Default 4. */
  concurrency?: number;
  signal?: AbortSignal;
}

/** The result: the build with every encrypted value replaced, and how many were decrypted. */
export interface DecryptResult {
  objects: KubeObject[];
  decrypted: number;
}

const encValue = /^ENC\[AES256_GCM,data:/;

/** Whether `value` carries a SOPS metadata block with a MAC (a document encrypted whole). Pure. */
export function sopsMac(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const s = (value as { sops?: unknown }).sops;
  if (typeof s !== "object" || s === null) return undefined;
  const mac = (s as { mac?: unknown }).mac;
  return typeof mac === "string" && mac !== "" ? mac : undefined;
}

/** The SOPS format of a file by its name, as SOPS and Flux decide it. Pure. */
export function formatForPath(name: string): SopsFormat {
  if (/\.ya?ml$/i.test(name)) return "yaml";
  if (/\.json$/i.test(name)) return "json";
  if (/\.env$/i.test(name)) return "dotenv";
  return "binary";
}

/** Whether a Secret value (decoded) is a SOPS-encrypted file, and its MAC. Pure. */
export function encryptedFileMac(text: string): string | undefined {
  const dotenv = /^sops_mac=(.+)$/m.exec(text);
  if (dotenv?.[1]) return dotenv[1].trim();
  if (!text.includes("sops") || !text.includes("mac")) return undefined;
  try {
    return sopsMac(parseYaml(text) as unknown);
  } catch {
    return undefined;
  }
}

interface SourceDoc {
  file: string;
  text: string;
  format: SopsFormat;
}

/** Every encrypted document of the tree, by MAC. */
async function indexTree(root: string, signal?: AbortSignal): Promise<Map<string, SourceDoc>> {
  const out = new Map<string, SourceDoc>();
  for (const e of await walkTree(root, { skipDirs: [".git"], signal })) {
    if (e.kind !== "file") continue;
    const text = await readFile(e.absolute, "utf8").catch(() => "");
    if (!text.includes("mac")) continue;
    const format = formatForPath(e.name);
    if (format === "dotenv" || /^sops_mac=/m.test(text)) {
      const mac = /^sops_mac=(.+)$/m.exec(text)?.[1]?.trim();
      if (mac) out.set(mac, { file: e.path, text, format: "dotenv" });
      continue;
    }
    if (format === "json") {
      try {
        const mac = sopsMac(JSON.parse(text) as unknown);
        if (mac) out.set(mac, { file: e.path, text, format: "json" });
      } catch {
        /* not JSON; not ours to judge */
      }
      continue;
    }
    if (format !== "yaml") continue;
    for (const doc of parseAllDocuments(text)) {
      if (!("range" in doc) || doc.errors.length > 0) continue;
      const mac = sopsMac(doc.toJS() as unknown);
      if (mac) out.set(mac, { file: e.path, text: text.slice(doc.range[0], doc.range[2]), format: "yaml" });
    }
  }
  return out;
}

/** Replaces every `ENC[…]` value of `built` with the value at the same path of `plain`. */
function transplant(built: unknown, plain: unknown, at: string, count: { n: number }): unknown {
  if (typeof built === "string" && encValue.test(built)) {
    if (plain === undefined) throw new Error(`${at || "(root)"}: no plain value at this path in the decrypted file`);
    count.n++;
    if (typeof plain === "string") registerSecret(plain);
    return plain;
  }
  if (Array.isArray(built)) return built.map((v, i) => transplant(v, Array.isArray(plain) ? (plain as unknown[])[i] : undefined, `${at}[${i}]`, count));
  if (typeof built === "object" && built !== null) {
    const p = typeof plain === "object" && plain !== null ? (plain as Record<string, unknown>) : {};
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(built)) out[k] = transplant(v, p[k], at ? `${at}.${k}` : k, count);
    return out;
  }
  return built;
}

/** Parses decrypted dotenv text into pairs (SOPS writes `KEY=VALUE`, newlines escaped). Pure. */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    out[line.slice(0, eq)] = line.slice(eq + 1).replace(/\\n/g, "\n");
  }
  return out;
}

/** Runs `fns` with at most `limit` at once, keeping order. */
async function pool<T>(fns: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const out: T[] = new Array<T>(fns.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < fns.length) {
      const i = next++;
      out[i] = await (fns[i] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, fns.length) }, worker));
  return out;
}

const isSecret = (o: KubeObject): boolean => o.kind === "Secret" && o.apiVersion === "v1";

/** Whether any object of the build is (or holds) something SOPS-encrypted. Pure. */
export function hasEncrypted(objects: readonly KubeObject[]): boolean {
  return objects.some((o) => sopsMac(o) !== undefined || (isSecret(o) && Object.values((o as { data?: Record<string, string> }).data ?? {}).some((v) => encryptedFileMac(Buffer.from(v, "base64").toString("utf8")) !== undefined)));
}

/** Decrypts every encrypted object and value of the build (see the file comment). */
export async function decryptObjects(objects: readonly KubeObject[], options: DecryptObjectsOptions): Promise<DecryptResult> {
  if (!hasEncrypted(objects)) return { objects: [...objects], decrypted: 0 };
  const { decryptor, signal } = options;
  const index = await indexTree(options.root, signal);
  const errors: string[] = [];
  const count = { n: 0 };
  const where = (mac: string | undefined): string => {
    const f = mac ? index.get(mac)?.file : undefined;
    return f ? `${f}: ` : "";
  };
  const jobs = objects.map((obj) => async (): Promise<KubeObject> => {
    const id = objectId(obj);
    const mac = sopsMac(obj);
    try {
      if (mac !== undefined) {
        const src = index.get(mac);
        if (!src) throw new SlipwayError(id, "is SOPS-encrypted, but no file of the repository holds this document (its sops.mac matches none)");
        const plainText = (await decryptor.decrypt(src.text, src.format, `${src.file}: ${id}`, signal)).toString("utf8");
        const plain = (src.format === "json" ? JSON.parse(plainText) : parseYaml(plainText)) as unknown;
        const { sops: _meta, ...rest } = obj as unknown as Record<string, unknown>;
        void _meta;
        try {
          return transplant(rest, plain, "", count) as KubeObject;
        } catch (err) {
          throw new SlipwayError(`${src.file}: ${id}`, errorMessage(err), { cause: err });
        }
      }
      if (!isSecret(obj)) return obj;
      const data = (obj as { data?: Record<string, string> }).data;
      if (!data) return obj;
      const next: Record<string, string> = {};
      let changed = false;
      const envMac = data.sops_mac !== undefined ? Buffer.from(data.sops_mac, "base64").toString("utf8").trim() : undefined;
      if (envMac !== undefined) {
        const src = index.get(envMac);
        if (!src) throw new SlipwayError(id, "holds the sops_* keys of an encrypted dotenv file, but no file of the repository has this sops_mac");
        const pairs = parseDotenv((await decryptor.decrypt(src.text, "dotenv", `${src.file}: ${id}`, signal)).toString("utf8"));
        for (const [k, v] of Object.entries(data)) if (!k.startsWith("sops_") && pairs[k] === undefined) next[k] = v;
        for (const [k, v] of Object.entries(pairs)) {
          registerSecret(v);
          next[k] = Buffer.from(v).toString("base64");
          count.n++;
        }
        changed = true;
      } else {
        for (const [k, v] of Object.entries(data)) {
          const raw = Buffer.from(v, "base64");
          const fileMac = encryptedFileMac(raw.toString("utf8"));
          if (fileMac === undefined) {
            next[k] = v;
            continue;
          }
          const plain = await decryptor.decrypt(raw, formatForPath(k), `${where(fileMac)}${id}: data.${k}`, signal);
          registerSecret(plain.toString("utf8"));
          next[k] = plain.toString("base64");
          count.n++;
          changed = true;
        }
      }
      return changed ? ({ ...obj, data: next } as KubeObject) : obj;
    } catch (err) {
      errors.push(errorMessage(err));
      return obj;
    }
  });
  const out = await pool(jobs, options.concurrency ?? 4);
  if (errors.length > 0) {
    const shown = errors.slice(0, 5);
    if (errors.length > 5) shown.push(`and ${errors.length - 5} more`);
    throw new SlipwayError("decryption", `${shown.join("; ")}; nothing was applied`);
  }
  return { objects: out, decrypted: count.n };
}
