/**
 * The request body reader both of the agent's HTTP servers use (probes/metrics and receivers).
 */
import type http from "node:http";

/**
 * Reads the body up to `limit` bytes. A declared or actual size above it rejects with
 * `tooLarge()` and keeps draining (without keeping) what the client still sends, so that it can
 * read the answer instead of seeing a reset.
 */
export function readBoundedBody(req: http.IncomingMessage, limit: number, tooLarge: () => Error): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? "0");
  return new Promise((resolve, reject) => {
    if (declared > limit) {
      req.resume();
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        reject(tooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => {
      if (!over) resolve(Buffer.concat(chunks));
    });
    req.on("error", (err) => {
      if (!over) reject(err);
    });
  });
}
