/**
 * The local Kubernetes control plane: kube-apiserver (client-certificate authentication, RBAC
 * authorization, etcd from etcd.ts), kube-controller-manager and kube-scheduler, built from the
 * pinned release by kube-binaries.ts. The admin kubeconfig is `.testenv/kubeconfig`
 * (group system:masters).
 */
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { SlipwayError } from "../../core/errors.ts";
import { ensureDebianPackages, findProgram } from "./apt.ts";
import type { EnvContext } from "./component.ts";
import { daemonComponent } from "./daemon-component.ts";
import { etcdUrl } from "./etcd.ts";
import { httpProbe } from "./http-probe.ts";
import type { KubeBinaries } from "./kube-binaries.ts";
import { ensureKubeBinaries, pinnedKubeVersion } from "./kube-binaries.ts";
import { writeKubeconfig } from "./kubeconfig.ts";
import { createPki } from "./pki.ts";

/** Range of Service cluster IPs. */
const serviceCidr = "10.96.0.0/16";

/** The binaries for the pinned release, built on first use. */
export function kubeBinaries(ctx: EnvContext): Promise<KubeBinaries> {
  return ensureKubeBinaries({
    moduleDir: path.join(ctx.repoRoot, "test", "env", "kube"),
    cacheDir: ctx.cacheDir,
    logFile: path.join(ctx.dir, "logs", "kube-build.log"),
    signal: ctx.signal,
    log: ctx.log,
  });
}

/** Path of the admin kubeconfig. */
export function adminKubeconfig(ctx: EnvContext): string {
  return path.join(ctx.dir, "kubeconfig");
}

function pkiOf(ctx: EnvContext): ReturnType<typeof createPki> {
  return createPki(path.join(ctx.dir, "pki"));
}

function apiserverUrl(ctx: EnvContext): string {
  return `https://127.0.0.1:${ctx.recordedPort("kube-apiserver") ?? 0}`;
}

/** Writes `.testenv/<file>` as a kubeconfig for the client certificate `certName` and returns its path. */
async function componentKubeconfig(ctx: EnvContext, file: string, certName: string, cn: string, org?: string): Promise<string> {
  const pki = pkiOf(ctx);
  const ca = await pki.ca(ctx.signal);
  const client = await pki.leaf(certName, { cn, org, usage: "clientAuth" }, ctx.signal);
  const out = path.join(ctx.dir, file);
  writeKubeconfig(out, { server: apiserverUrl(ctx), caFile: ca.cert, certFile: client.cert, keyFile: client.key, user: cn });
  return out;
}

/** kube-apiserver. */
export const kubeApiserver = daemonComponent({
  name: "kube-apiserver",
  dependsOn: ["etcd"],
  readyTimeoutMs: 90_000,
  async prepare(ctx) {
    await ensureDebianPackages([{ program: "openssl", pkg: "openssl" }], { signal: ctx.signal, log: ctx.log });
    if (!findProgram("kubectl")) {
      throw new SlipwayError("kubectl", "not found on PATH; the test environment and its tests use it: install it (https://kubernetes.io/docs/tasks/tools/)");
    }
    const bins = await kubeBinaries(ctx);
    const pki = pkiOf(ctx);
    const ca = await pki.ca(ctx.signal);
    const serving = await pki.leaf(
      "kube-apiserver",
      {
        cn: "kube-apiserver",
        usage: "serverAuth",
        sans: ["IP:127.0.0.1", "IP:10.96.0.1", "DNS:localhost", "DNS:kubernetes", "DNS:kubernetes.default", "DNS:kubernetes.default.svc", "DNS:kubernetes.default.svc.cluster.local"],
      },
      ctx.signal,
    );
    const sa = await pki.serviceAccountKeys(ctx.signal);
    const port = await ctx.allocatePort("kube-apiserver");
    await componentKubeconfig(ctx, "kubeconfig", "admin", "slipway-admin", "system:masters");
    const certDir = path.join(ctx.dir, "kube-apiserver");
    mkdirSync(certDir, { recursive: true });
    return {
      command: bins.apiserver,
      args: [
        `--etcd-servers=${etcdUrl(ctx)}`,
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        `--secure-port=${port}`,
        `--cert-dir=${certDir}`,
        "--endpoint-reconciler-type=none",
        `--service-cluster-ip-range=${serviceCidr}`,
        `--client-ca-file=${ca.cert}`,
        `--tls-cert-file=${serving.cert}`,
        `--tls-private-key-file=${serving.key}`,
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        `--service-account-key-file=${sa.pub}`,
        `--service-account-signing-key-file=${sa.key}`,
        "--authorization-mode=RBAC",
        "--allow-privileged=true",
        "--profiling=false",
        "--event-ttl=1h",
        "--v=1",
      ],
    };
  },
  async ready(ctx) {
    const pki = pkiOf(ctx);
    const res = await httpProbe(`${apiserverUrl(ctx)}/readyz`, {
      caFile: path.join(pki.dir, "ca.crt"),
      certFile: path.join(pki.dir, "admin.crt"),
      keyFile: path.join(pki.dir, "admin.key"),
    });
    return res.status === 200;
  },
  env: (ctx) => ({
    KUBECONFIG: adminKubeconfig(ctx),
    TESTENV_KUBE_VERSION: pinnedKubeVersion(readFileSync(path.join(ctx.repoRoot, "test", "env", "kube", "go.mod"), "utf8")),
  }),
});

/** Readiness of a component that serves /healthz on a self-signed port. */
async function healthz(ctx: EnvContext, portKey: string): Promise<boolean> {
  const res = await httpProbe(`https://127.0.0.1:${ctx.recordedPort(portKey) ?? 0}/healthz`);
  return res.status === 200;
}

/**
 * The flags kube-controller-manager and kube-scheduler share: their kubeconfig for the API,
 * authentication and authorization, a secure port on 127.0.0.1 with a self-signed certificate
 * in their own directory, and no leader election.
 */
async function controllerArgs(ctx: EnvContext, name: string, kubeconfig: string): Promise<string[]> {
  const port = await ctx.allocatePort(name);
  const certDir = path.join(ctx.dir, name);
  mkdirSync(certDir, { recursive: true });
  return [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    "--bind-address=127.0.0.1",
    `--secure-port=${port}`,
    `--cert-dir=${certDir}`,
    "--leader-elect=false",
  ];
}

/** kube-controller-manager (service-account tokens, Deployments, ReplicaSets, namespaces, garbage collection). */
export const kubeControllerManager = daemonComponent({
  name: "kube-controller-manager",
  dependsOn: ["kube-apiserver"],
  readyTimeoutMs: 60_000,
  async prepare(ctx) {
    const bins = await kubeBinaries(ctx);
    const pki = pkiOf(ctx);
    const ca = await pki.ca(ctx.signal);
    const sa = await pki.serviceAccountKeys(ctx.signal);
    const kubeconfig = await componentKubeconfig(ctx, "kube-controller-manager.kubeconfig", "kube-controller-manager", "system:kube-controller-manager");
    return {
      command: bins.controllerManager,
      args: [
        ...(await controllerArgs(ctx, "kube-controller-manager", kubeconfig)),
        "--use-service-account-credentials=true",
        `--service-account-private-key-file=${sa.key}`,
        `--root-ca-file=${ca.cert}`,
        `--cluster-signing-cert-file=${ca.cert}`,
        `--cluster-signing-key-file=${ca.key}`,
        `--service-cluster-ip-range=${serviceCidr}`,
        "--controllers=*,-nodeipam,-cloud-node-lifecycle,-service-lb-controller,-route",
        "--profiling=false",
        "--v=1",
      ],
    };
  },
  ready: (ctx) => healthz(ctx, "kube-controller-manager"),
});

/** kube-scheduler. */
export const kubeScheduler = daemonComponent({
  name: "kube-scheduler",
  dependsOn: ["kube-apiserver"],
  readyTimeoutMs: 60_000,
  async prepare(ctx) {
    const bins = await kubeBinaries(ctx);
    const kubeconfig = await componentKubeconfig(ctx, "kube-scheduler.kubeconfig", "kube-scheduler", "system:kube-scheduler");
    return {
      command: bins.scheduler,
      args: [
        ...(await controllerArgs(ctx, "kube-scheduler", kubeconfig)),
        "--profiling=false",
        "--v=1",
      ],
    };
  },
  ready: (ctx) => healthz(ctx, "kube-scheduler"),
});
