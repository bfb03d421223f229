/**
 * Registry credentials from a `kubernetes.io/dockerconfigjson` document (the `.dockerconfigjson`
 * value of the Secret an ImageRepository's `secretRef` names, or a docker `config.json`): the
 * `auths` entry of a host, keyed as docker writes it (`host`, `https://host`, `https://host/v1/`;
 * Docker Hub also as `https://index.docker.io/v1/`). Passwords are registered as secrets as soon
 * as they are read. Pure apart from the redactor.
 */
import * as z from "zod";
import { SlipwayError } from "../../core/errors.ts";
import { registerSecret } from "../../core/redact.ts";

/** A username and password for one registry host. */
export interface HostCredentials {
  username: string;
  password: string;
}

/** Parsed `auths`, by key as written. */
export type DockerAuths = ReadonlyMap<string, HostCredentials>;

const entrySchema = z.object({
  auth: z.string().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
});
const configSchema = z.object({ auths: z.record(z.string(), entrySchema).optional() });

/**
 * Parses a dockerconfigjson text; `source` names it in errors, which never quote a credential.
 * Entries without usable credentials (e.g. only an `identitytoken`) are skipped.
 */
export function parseDockerConfig(text: string, source: string): DockerAuths {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SlipwayError(source, "is not JSON (a dockerconfigjson document with `auths`); its content is not shown", { cause: err });
  }
  const parsed = configSchema.safeParse(json);
  if (!parsed.success) throw new SlipwayError(source, "is not a dockerconfigjson document (`auths` of {auth | username, password})");
  const out = new Map<string, HostCredentials>();
  for (const [key, entry] of Object.entries(parsed.data.auths ?? {})) {
    let username = entry.username;
    let password = entry.password;
    if (entry.auth) {
      registerSecret(entry.auth);
      const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon > 0) {
        username = decoded.slice(0, colon);
        password = decoded.slice(colon + 1);
      }
    }
    if (username === undefined || password === undefined || password === "") continue;
    registerSecret(password);
    out.set(key, { username, password });
  }
  return out;
}

/** Docker Hub's names in `auths`. */
const DOCKER_HUB_KEYS = ["docker.io", "index.docker.io", "registry-1.docker.io", "https://index.docker.io/v1/", "https://index.docker.io/v1", "https://registry-1.docker.io"];

/** The credentials `auths` holds for `host` (with port), or undefined. Only entries naming that very host match. */
export function credentialsForHost(auths: DockerAuths, host: string): HostCredentials | undefined {
  const h = host.toLowerCase();
  const hub = DOCKER_HUB_KEYS.includes(h);
  for (const [key, creds] of auths) {
    const k = key.toLowerCase().trim();
    if (hub && DOCKER_HUB_KEYS.includes(k)) return creds;
    const bare = k.replace(/^https?:\/\//, "").replace(/\/v[12]\/?$/, "").replace(/\/+$/, "");
    if (bare === h) return creds;
  }
  return undefined;
}
