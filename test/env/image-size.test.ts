// The image-size helpers' pure parts: history instructions shortened, tar listings read.
import { test } from "node:test";
import assert from "node:assert/strict";
import { describeInstruction, parseTarListing } from "./image-size.ts";

test("a history entry becomes the instruction that made it", () => {
  assert.equal(describeInstruction("/bin/sh -c #(nop) COPY file:d8f6a95c970021f0b273da11d3981f29a8425d5af522d36580f27d17c8041ffa in /usr/local/bin/helm "), "COPY → /usr/local/bin/helm");
  assert.equal(describeInstruction("/bin/sh -c #(nop) COPY dir:499a932272d75c77 in / "), "COPY → /");
  assert.equal(describeInstruction("/bin/sh -c #(nop)  USER 65532:65532"), "USER 65532:65532");
  const long = describeInstruction(`/bin/sh -c set -eu;   ${"x".repeat(200)}`);
  assert.ok(long.startsWith("RUN set -eu; x"));
  assert.equal(long.length, 90);
  assert.ok(long.endsWith("..."));
});

test("a tar listing gives regular files with sizes, not links or directories", () => {
  const listing = [
    "drwxr-xr-x 0/0               0 2026-12-02 04:04 usr/",
    "-rwxr-xr-x 0/0       108512048 2026-12-02 03:47 usr/local/bin/node",
    "lrwxrwxrwx 0/0               0 2026-12-02 04:04 bin -> usr/bin",
    "hrwxr-xr-x 0/0               0 2026-12-02 04:04 usr/lib/git-core/git link to usr/bin/git",
    "-rw-r--r-- slipway/slipway  12 2026-12-02 04:04 ./app/a file with spaces.js",
    "",
  ].join("\n");
  assert.deepEqual(parseTarListing(listing), [
    { path: "/usr/local/bin/node", bytes: 108512048 },
    { path: "/app/a file with spaces.js", bytes: 12 },
  ]);
});
