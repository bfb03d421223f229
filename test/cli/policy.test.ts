/** `slipway policy eval`, run as a real child process (cli/bin.ts under this Node). */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { runCli as runSlipway, type CliRun } from "./run-cli.ts";


function runCli(args: string[], cwd: string, stdin = ""): Promise<CliRun> {
  return runSlipway(args, { cwd, input: stdin, timeoutMs: 30_000 });
}

const policy = (spec: string, meta = "  namespace: flux-system\n") =>
  `apiVersion: image.toolkit.fluxcd.io/v1beta2\nkind: ImagePolicy\nmetadata:\n  name: account\n${meta}spec:\n  imageRepositoryRef:\n    name: account\n${spec}`;

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "slipway-cli-policy-"));
  // The seed's policy: alphabetical asc over timestamp tags (apiVersion v1alpha1).
  await writeFile(path.join(dir, "seed.yaml"), policy("  policy:\n    alphabetical:\n      order: asc\n").replace("v1beta2", "v1alpha1"));
  await writeFile(path.join(dir, "semver.yaml"), policy("  policy:\n    semver:\n      range: '>=1.0.0 <2.0.0'\n  filterTags:\n    pattern: '^v?(?P<v>[0-9].*)$'\n    extract: '$v'\n"));
  await writeFile(path.join(dir, "numerical.yaml"), policy("  policy:\n    numerical: {order: asc}\n"));
  await writeFile(path.join(dir, "bad-range.yaml"), "# comment\n---\n" + policy("  policy:\n    semver:\n      range: '>=one'\n"));
  await writeFile(path.join(dir, "two.yaml"), policy("  policy: {numerical: {}}\n") + "---\n" + policy("  policy: {numerical: {}}\n"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const SEED_TAGS = "20210608052721\r\n20210607011010\r\n\r\n  20210601000000  \n";

describe("slipway policy eval", () => {
  test("prints the selected tag; CR and blank lines on stdin are ignored", async () => {
    const r = await runCli(["policy", "eval", "seed.yaml"], dir, SEED_TAGS);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "20210608052721\n");
  });

  test("semver with filterTags returns the original tag", async () => {
    const r = await runCli(["policy", "eval", "semver.yaml"], dir, "v1.2.0\nv1.10.0\n2.0.0\nv1.11.0-rc.1\nlatest\n");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "v1.10.0\n");
  });

  test("--explain prints a verdict for every tag", async () => {
    const r = await runCli(["policy", "eval", "semver.yaml", "--explain"], dir, "v1.2.0\nv1.10.0\n2.0.0\nv1.11.0-rc.1\nlatest\nv1.0\n");
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout.trimEnd().split("\n").map((l) => l.split(/\s{3,}/));
    assert.deepEqual(rows[0], ["TAG", "VERDICT", "DETAIL"]);
    assert.deepEqual(rows.slice(1).map((row) => [row[0], row[1]]), [
      ["v1.2.0", "older"],
      ["v1.10.0", "selected"],
      ["2.0.0", "outside-range"],
      ["v1.11.0-rc.1", "outside-range"],
      ["latest", "filtered-out"],
      ["v1.0", "not-a-version"],
    ]);
  });

  test("--output json", async () => {
    const r = await runCli(["policy", "eval", "seed.yaml", "-o", "json"], dir, SEED_TAGS);
    assert.equal(r.code, 0);
    assert.deepEqual(JSON.parse(r.stdout), { policy: "ImagePolicy/flux-system/account", selected: "20210608052721" });
    const explained = await runCli(["policy", "eval", "seed.yaml", "--output", "json", "--explain"], dir, "b\na\n");
    assert.deepEqual(JSON.parse(explained.stdout).verdicts, [{ tag: "b", verdict: "selected" }, { tag: "a", verdict: "older" }]);
  });

  test("the `latest` pitfall shows in --explain", async () => {
    const r = await runCli(["policy", "eval", "seed.yaml", "--explain"], dir, "20210608052721\nlatest\n");
    assert.match(r.stdout, /^latest\s+selected$/m);
  });

  test("cosign signature tags are excluded by default, as an ImageRepository's exclusionList does", async () => {
    const tags = "20210608052721\nsha256-3b5c0f.sig\n";
    const r = await runCli(["policy", "eval", "seed.yaml"], dir, tags);
    assert.equal(r.stdout, "20210608052721\n");
    const explained = await runCli(["policy", "eval", "seed.yaml", "--explain"], dir, tags);
    assert.match(explained.stdout, /^sha256-3b5c0f\.sig\s+filtered-out\s+excluded by exclusionList \/\^\.\*\\\.sig\$\/$/m);
    assert.match(explained.stdout, /^20210608052721\s+selected$/m);
  });

  test("--exclude replaces the default exclusion list", async () => {
    const r = await runCli(["policy", "eval", "seed.yaml", "--exclude", "^latest$", "--exclude", "^z"], dir, "20210608052721\nlatest\nsha256-1.sig\nzzz\n");
    assert.equal(r.stdout, "sha256-1.sig\n");
  });

  test("an --exclude pattern RE2 rejects → exit 2 naming it", async () => {
    const r = await runCli(["policy", "eval", "seed.yaml", "--exclude", "(?=x)"], dir, "1\n");
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--exclude: exclusionList pattern "\(\?=x\)": invalid regular expression/);
  });

  test("no tag in range → exit 1, the reason on stderr, nothing on stdout", async () => {
    const r = await runCli(["policy", "eval", "semver.yaml"], dir, "2.0.0\n3.0.0\n");
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /✗ ImagePolicy\/flux-system\/account: no tag satisfies semver range ">=1\.0\.0 <2\.0\.0"/);
  });

  test("numerical with a non-number → exit 1 naming the tag", async () => {
    const r = await runCli(["policy", "eval", "numerical.yaml"], dir, "1\n2\nlatest\n");
    assert.equal(r.code, 1);
    assert.match(r.stderr, /tag "latest" is not a number/);
  });

  test("empty stdin → exit 1", async () => {
    const r = await runCli(["policy", "eval", "seed.yaml"], dir, "\n\n");
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no tags to choose from/);
  });

  test("an invalid policy → exit 1 naming file:line", async () => {
    const r = await runCli(["policy", "eval", "bad-range.yaml"], dir, "1.0.0\n");
    assert.equal(r.code, 1);
    assert.match(r.stderr, /bad-range\.yaml:3: ImagePolicy\/flux-system\/account: spec\.policy\.semver\.range ">=one" is invalid/);
  });

  test("a file with two policies → exit 1", async () => {
    const r = await runCli(["policy", "eval", "two.yaml"], dir, "1\n");
    assert.equal(r.code, 1);
    assert.match(r.stderr, /two\.yaml: want exactly one ImagePolicy, found 2/);
  });

  test("a missing file → exit 1 naming it", async () => {
    const r = await runCli(["policy", "eval", "nope.yaml"], dir, "1\n");
    assert.equal(r.code, 1);
    assert.match(r.stderr, /nope\.yaml: cannot be read/);
  });

  test("bad usage → exit 2 with usage", async () => {
    for (const args of [["policy"], ["policy", "eval"], ["policy", "check", "seed.yaml"], ["policy", "eval", "seed.yaml", "--bogus"], ["policy", "eval", "seed.yaml", "-o", "yaml"]]) {
      const r = await runCli(args, dir, "1\n");
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.stderr, /✗ /);
    }
  });

  test("--name NS/NAME picks one policy of the seed's shop-policy.yml (seven policies); an unknown name lists those there are", async () => {
    const seed = path.resolve(import.meta.dirname, "../../examples/shop/clusters/eks/shop/shop-policy.yml");
    const r = await runCli(["policy", "eval", seed, "--name", "flux-system/cart"], dir, SEED_TAGS);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "20210608052721\n");
    const many = await runCli(["policy", "eval", seed], dir, SEED_TAGS);
    assert.equal(many.code, 1);
    assert.match(many.stderr, /found 7 \(flux-system\/account, .*flux-system\/product\); pick one with --name NS\/NAME/);
    const none = await runCli(["policy", "eval", seed, "--name", "flux-system/nope"], dir, SEED_TAGS);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /--name flux-system\/nope: .* has no ImagePolicy flux-system\/nope \(it has flux-system\/account, /);
  });
});
