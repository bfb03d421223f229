// Mount points below a directory are found in mountinfo text, escapes decoded, deepest first.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mountsUnder } from "./mounts.ts";

test("mountsUnder lists only mounts at or below the directory, deepest first", () => {
  const info = [
    "22 1 254:0 / / rw,relatime - ext4 /dev/vda rw",
    "90 22 0:50 / /work/main/.testenv/docker/data/overlay2/abc/merged rw - overlay overlay rw",
    "91 22 0:51 / /work/main/.testenv/docker/exec/netns/default rw - nsfs nsfs rw",
    "92 22 0:52 / /work/main/.testenv-other rw - tmpfs tmpfs rw",
    "93 22 0:53 / /work/main/.testenv/with\\040space rw - tmpfs tmpfs rw",
    "",
  ].join("\n");
  assert.deepEqual(mountsUnder(info, "/work/main/.testenv"), [
    "/work/main/.testenv/docker/data/overlay2/abc/merged",
    "/work/main/.testenv/docker/exec/netns/default",
    "/work/main/.testenv/with space",
  ]);
  assert.deepEqual(mountsUnder(info, "/elsewhere"), []);
});
