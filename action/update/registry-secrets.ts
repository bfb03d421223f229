/**
 * Reading the Secrets that ImageRepositories' `secretRef`s name from a file the CI job is given
 * (`registry-secrets`): Kubernetes Secret objects of type `kubernetes.io/dockerconfigjson`, as
 * `kubectl get secret NAME -o yaml` prints them (one or several documents, or a `List`), with
 * `data[".dockerconfigjson"]` (base64) or `stringData[".dockerconfigjson"]`. Errors name the
 * file and line and never quote a value.
 */
import { readFile } from "node:fs/promises";
import { LineCounter, parseAllDocuments } from "yaml";
import { SlipwayError } from "../../core/errors.ts";
import { parseDockerConfig, type DockerAuths } from "../registry/docker-config-auth.ts";

const KEY = ".dockerconfigjson";

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === "object" && v !== null && !Array.isArray(v);

/** Parses the Secrets in `text` (from `file`); their namespace defaults to `defaultNamespace`. Pure apart from the redactor. */
export function parseRegistrySecrets(text: string, file: string, defaultNamespace: string): Map<string, DockerAuths> {
  const out = new Map<string, DockerAuths>();
  const lines = new LineCounter();
  for (const doc of parseAllDocuments(text, { lineCounter: lines })) {
    const at = `${file}:${lines.linePos(doc.range[0]).line}`;
    if (doc.errors.length > 0) throw new SlipwayError(at, "not valid YAML; contents not shown");
    const value: unknown = doc.toJS();
    const items = isRec(value) && value["kind"] === "List" && Array.isArray(value["items"]) ? (value["items"] as unknown[]) : [value];
    for (const item of items) {
      if (!isRec(item) || item["kind"] !== "Secret") continue;
      const meta = isRec(item["metadata"]) ? item["metadata"] : {};
      const name = typeof meta["name"] === "string" ? meta["name"] : "";
      const namespace = typeof meta["namespace"] === "string" && meta["namespace"] ? meta["namespace"] : defaultNamespace;
      const id = `${at}: Secret/${namespace}/${name}`;
      if (!name) throw new SlipwayError(at, "Secret: metadata.name is required");
      const data = isRec(item["data"]) ? item["data"] : {};
      const stringData = isRec(item["stringData"]) ? item["stringData"] : {};
      let json: string | undefined;
      if (typeof stringData[KEY] === "string") json = stringData[KEY];
      else if (typeof data[KEY] === "string") json = Buffer.from(data[KEY], "base64").toString("utf8");
      if (json === undefined) throw new SlipwayError(id, `has no ${KEY} (want a kubernetes.io/dockerconfigjson Secret)`);
      out.set(`${namespace}/${name}`, parseDockerConfig(json, `${id} ${KEY}`));
    }
  }
  return out;
}

/** Reads and parses the file; an unreadable file is an error naming the input. */
export async function readRegistrySecrets(file: string, defaultNamespace: string): Promise<Map<string, DockerAuths>> {
  const text = await readFile(file, "utf8").catch((err: unknown) => {
    throw new SlipwayError("input registry-secrets", `${file} cannot be read`, { cause: err });
  });
  return parseRegistrySecrets(text, file, defaultNamespace);
}
