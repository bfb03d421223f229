// Which Debian packages are missing is decided from the programs on PATH.
import { test } from "node:test";
import assert from "node:assert/strict";
import { findProgram, missingPackages } from "./apt.ts";

test("missingPackages lists each package of a missing program once", () => {
  const present = new Set(["git"]);
  const find = (p: string): string | undefined => (present.has(p) ? `/usr/bin/${p}` : undefined);
  assert.deepEqual(
    missingPackages(
      [
        { program: "git", pkg: "git" },
        { program: "ssh", pkg: "openssh-client" },
        { program: "ssh-keygen", pkg: "openssh-client" },
        { program: "etcd", pkg: "etcd-server" },
      ],
      find,
    ),
    ["openssh-client", "etcd-server"],
  );
});

test("findProgram finds sh and not a made-up name", () => {
  assert.match(findProgram("sh") ?? "", /\/sh$/);
  assert.equal(findProgram("slipway-no-such-program"), undefined);
});
