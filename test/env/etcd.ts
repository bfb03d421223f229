/**
 * etcd for the local Kubernetes control plane: Debian `etcd-server`, one member on 127.0.0.1,
 * data in `.testenv/etcd`.
 */
import path from "node:path";
import type { EnvContext } from "./component.ts";
import { daemonComponent } from "./daemon-component.ts";
import { ensureDebianPackages } from "./apt.ts";
import { httpProbe } from "./http-probe.ts";

/** The client URL of the running etcd. */
export function etcdUrl(ctx: EnvContext): string {
  return `http://127.0.0.1:${ctx.recordedPort("etcd-client") ?? 0}`;
}

/** The etcd component. */
export const etcd = daemonComponent({
  name: "etcd",
  async prepare(ctx) {
    await ensureDebianPackages([{ program: "etcd", pkg: "etcd-server" }], { signal: ctx.signal, log: ctx.log });
    const clientUrl = `http://127.0.0.1:${await ctx.allocatePort("etcd-client")}`;
    const peerUrl = `http://127.0.0.1:${await ctx.allocatePort("etcd-peer")}`;
    return {
      command: "etcd",
      args: [
        "--name=slipway",
        `--data-dir=${path.join(ctx.dir, "etcd")}`,
        `--listen-client-urls=${clientUrl}`,
        `--advertise-client-urls=${clientUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=slipway=${peerUrl}`,
        "--initial-cluster-state=new",
        "--quota-backend-bytes=2147483648",
        "--log-level=warn",
      ],
    };
  },
  async ready(ctx) {
    const res = await httpProbe(`${etcdUrl(ctx)}/health`);
    return res.status === 200 && /"health":\s*"true"/.test(res.body);
  },
});
