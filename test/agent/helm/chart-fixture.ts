/**
 * Test helper: a small chart (a ConfigMap from values, a Deployment, a CRD in `crds/`, a
 * pre-install Job hook, a pre-install Pod that never runs when `blockingHook` is set, a
 * post-install/post-upgrade ConfigMap hook, a test hook and a
 * pre-delete hook), packaged with the real `helm package` at the versions asked, indexed with
 * `helm repo index` and served over HTTP by the test itself (`/broken/` answers 500), plus
 * `helm push` to an OCI registry. Also a chart of N ConfigMaps for the benchmark.
 */
import { createServer, type Server } from "node:http";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { run } from "../../../core/exec.ts";

/** Writes the chart's files for `version` into a fresh directory and returns it. */
export function writeChart(version: string, name = "app"): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), "slipway-chart-")), name);
  const files: Record<string, string> = {
    "Chart.yaml": `apiVersion: v2\nname: ${name}\nversion: ${version}\nappVersion: "${version}"\n`,
    "values.yaml": "greeting: hello\nreplicas: 1\nimage: registry.example/app:1\n",
    "values.schema.json": JSON.stringify({ type: "object", properties: { replicas: { type: "integer", minimum: 0 } } }),
    "crds/widgets.yaml": `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets-${name}.example.com\nspec:\n  group: example.com\n  names: { kind: Widget${name.replace(/[^a-z]/g, "")}, plural: widgets-${name}, singular: widget-${name} }\n  scope: Namespaced\n  versions:\n    - name: v1\n      served: true\n      storage: true\n      schema: { openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true } }\n`,
    "templates/config.yaml": `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-config\ndata:\n  greeting: {{ .Values.greeting | quote }}\n  chartVersion: {{ .Chart.Version | quote }}\n  {{- with .Values.extra }}\n  extra: {{ . | quote }}\n  {{- end }}\n`,
    "templates/deployment.yaml": `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  replicas: {{ .Values.replicas }}\n  selector: { matchLabels: { app: {{ .Release.Name }} } }\n  template:\n    metadata: { labels: { app: {{ .Release.Name }} } }\n    spec:\n      containers:\n        - name: app\n          image: {{ .Values.image }}\n`,
    "templates/pre-install.yaml": `apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {{ .Release.Name }}-migrate\n  annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-weight: "-5"\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: migrate\n          image: registry.example/migrate:1\n`,
    "templates/post-install.yaml": `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-post\n  annotations:\n    helm.sh/hook: post-install,post-upgrade\ndata:\n  greeting: {{ .Values.greeting | quote }}\n`,
    "templates/blocking-hook.yaml": `{{- if .Values.blockingHook }}\napiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}-blocking\n  annotations:\n    helm.sh/hook: pre-install\nspec:\n  nodeSelector: { no-such-label: "true" }\n  containers:\n    - name: wait\n      image: registry.example/wait:1\n{{- end }}\n`,
    "templates/tests/test.yaml": `apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}-test\n  annotations:\n    helm.sh/hook: test\nspec:\n  containers:\n    - name: t\n      image: registry.example/test:1\n`,
    "templates/pre-delete.yaml": `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-pre-delete\n  annotations:\n    helm.sh/hook: pre-delete\n`,
  };
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), text);
  }
  return dir;
}

/** Writes a chart of `count` ConfigMaps (no hooks, no CRDs) for the benchmark. */
export function writeBulkChart(count: number, version = "1.0.0"): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), "slipway-chart-")), "bulk");
  mkdirSync(path.join(dir, "templates"), { recursive: true });
  writeFileSync(path.join(dir, "Chart.yaml"), `apiVersion: v2\nname: bulk\nversion: ${version}\n`);
  writeFileSync(path.join(dir, "values.yaml"), `count: ${count}\n`);
  writeFileSync(path.join(dir, "templates/configmaps.yaml"), `{{- range $i := until (int .Values.count) }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ $.Release.Name }}-{{ $i }}\ndata:\n  index: "{{ $i }}"\n{{- end }}\n`);
  return dir;
}

/** A chart repository served over HTTP by the test. */
export interface ChartRepo {
  url: string;
  /** A URL under which every request answers 500. */
  brokenUrl: string;
  /** Packages `chartDir` into the repository and re-indexes it. */
  add(chartDir: string): Promise<void>;
  close(): Promise<void>;
}

/** Starts a chart repository on 127.0.0.1 (kernel-chosen port). */
export async function startChartRepo(helm: string): Promise<ChartRepo> {
  const root = mkdtempSync(path.join(tmpdir(), "slipway-chart-repo-"));
  const server: Server = createServer((req, res) => {
    const url = req.url ?? "/";
    if (url.startsWith("/broken/")) {
      res.writeHead(500).end("internal error");
      return;
    }
    const file = path.join(root, path.normalize(decodeURIComponent(url.split("?")[0] ?? "/")).replace(/^(\.\.[/\\])+/, ""));
    if (!file.startsWith(root) || !existsSync(file)) {
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  const env = { ...process.env, HOME: root, HELM_CACHE_HOME: path.join(root, ".h/cache"), HELM_CONFIG_HOME: path.join(root, ".h/config"), HELM_DATA_HOME: path.join(root, ".h/data") };
  return {
    url,
    brokenUrl: `${url}/broken`,
    async add(chartDir) {
      await run(helm, ["package", chartDir, "--destination", root], { env });
      await run(helm, ["repo", "index", root, "--url", url], { env });
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Packages `chartDir` and pushes it to `oci://<registry>/<repoPath>` over plain HTTP (after a login into a private Helm home, when given). */
export async function pushOciChart(helm: string, chartDir: string, registry: string, repoPath: string, login?: { username: string; password: string }): Promise<void> {
  const tmp = mkdtempSync(path.join(tmpdir(), "slipway-oci-chart-"));
  try {
    const env = { ...process.env, HOME: tmp, HELM_CACHE_HOME: path.join(tmp, "cache"), HELM_CONFIG_HOME: path.join(tmp, "config"), HELM_DATA_HOME: path.join(tmp, "data"), HELM_REGISTRY_CONFIG: path.join(tmp, "registry.json") };
    const out = (await run(helm, ["package", chartDir, "--destination", tmp], { env })).stdout;
    const tgz = /saved it to: (\S+)/.exec(out)?.[1];
    if (!tgz) throw new Error(`helm package printed no archive: ${out}`);
    if (login) await run(helm, ["registry", "login", registry, "--username", login.username, "--password-stdin", "--insecure"], { env, input: login.password });
    await run(helm, ["push", tgz, `oci://${registry}/${repoPath}`, "--plain-http"], { env });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
