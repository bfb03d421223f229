import { test } from "node:test";
import assert from "node:assert/strict";
import { collectPages } from "../../../action/registry/paginate.ts";

test("pages are followed by cursor until a page has none", async () => {
  const cursors: (string | undefined)[] = [];
  const items = await collectPages(
    async (cursor) => {
      cursors.push(cursor);
      const n = cursor === undefined ? 0 : Number(cursor);
      return { items: [n, n + 1], next: n < 4 ? String(n + 2) : undefined };
    },
    { subject: "s" },
  );
  assert.deepEqual(items, [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(cursors, [undefined, "2", "4"]);
});

test("a repeated cursor and too many pages are errors naming the subject", async () => {
  await assert.rejects(
    collectPages(async () => ({ items: [1], next: "same" }), { subject: "ECR repository r" }),
    /^SlipwayError: ECR repository r: the registry returned the same page cursor twice after 2 pages/,
  );
  let n = 0;
  await assert.rejects(
    collectPages(async () => ({ items: [], next: String(n++) }), { subject: "image x", maxPages: 3 }),
    /image x: still more pages after 3/,
  );
});

test("an aborted signal stops paging", async () => {
  const ac = new AbortController();
  ac.abort(new Error("stop"));
  await assert.rejects(collectPages(async () => ({ items: [] }), { subject: "s", signal: ac.signal }), /stop/);
});
