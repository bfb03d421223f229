/**
 * A TCP proxy on 127.0.0.1 for fault tests: forwards each connection byte for byte to a target
 * (TLS passes through untouched) and, on demand, freezes or cuts the connections open at that
 * moment. A frozen connection stays open but forwards nothing either way (what arrives is
 * dropped, so the ends only see silence), while its ends are still watched for closing;
 * connections made afterwards pass. Stopped by its own handle when the test ends.
 */
import { createConnection, createServer, type Socket } from "node:net";
import type { TestContext } from "node:test";

/** Where a {@link TcpProxy} forwards to. */
export interface TcpProxyTarget {
  host: string;
  port: number;
}

/** A running proxy. */
export interface TcpProxy {
  /** The port it listens on, on 127.0.0.1. */
  readonly port: number;
  /** Connections accepted so far. */
  accepted(): number;
  /** Freezes every connection open now and returns how many. */
  freeze(): number;
  /** Frozen connections whose ends are both still open: 0 once every client dropped its frozen connection. */
  frozenOpen(): number;
  /** Closes both ends of every connection open now and returns how many. */
  cut(): number;
}

interface Link {
  client: Socket;
  upstream: Socket;
  frozen: boolean;
  closed: boolean;
}

/** Starts a proxy to `target` on a kernel-chosen port of 127.0.0.1; it is closed (every connection destroyed) when the test ends. */
export async function startTcpProxy(t: TestContext, target: TcpProxyTarget): Promise<TcpProxy> {
  const links = new Set<Link>();
  let accepted = 0;
  const server = createServer((client) => {
    accepted++;
    const upstream = createConnection({ host: target.host, port: target.port });
    const link: Link = { client, upstream, frozen: false, closed: false };
    links.add(link);
    const end = (): void => {
      link.closed = true;
      links.delete(link);
      client.destroy();
      upstream.destroy();
    };
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      // Read always, so that a close from either end is seen even while frozen; forward only when not.
      from.on("data", (chunk: Buffer) => {
        if (link.frozen) return;
        if (!to.write(chunk)) {
          from.pause();
          to.once("drain", () => from.resume());
        }
      });
      from.on("end", end);
      from.on("close", end);
      from.on("error", end);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0 }, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  t.after(async () => {
    for (const link of links) {
      link.client.destroy();
      link.upstream.destroy();
    }
    await new Promise((resolve) => server.close(resolve));
  });
  const live = (): Link[] => [...links].filter((l) => !l.closed);
  return {
    port,
    accepted: () => accepted,
    freeze() {
      const now = live();
      for (const link of now) link.frozen = true;
      return now.length;
    },
    frozenOpen: () => live().filter((l) => l.frozen).length,
    cut() {
      const now = live();
      for (const link of now) {
        link.client.destroy();
        link.upstream.destroy();
      }
      return now.length;
    },
  };
}
