/** `slipway bump`, run as a real child process (cli/bin.ts under this Node) on a copied fixture tree. */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { runCli as runSlipway, type CliRun } from "./run-cli.ts";

const FIXTURES = fileURLToPath(new URL("../fixtures/markers/", import.meta.url));

function runCli(args: string[], cwd: string): Promise<CliRun> {
  return runSlipway(args, { cwd, timeoutMs: 30_000 });
}

const ECR = "170247361816.dkr.ecr.ap-northeast-2.amazonaws.com/shop";
const images = JSON.parse(await readFile(path.join(FIXTURES, "images.json"), "utf8")) as Record<string, string>;
const shopSets = ["account", "apigateway", "bff", "cart", "order", "product"].flatMap((s) => ["--set", `flux-system:${s}=${images[`flux-system:${s}`]}`]);

let base: string;
let counter = 0;
before(async () => {
  base = await mkdtemp(path.join(tmpdir(), "slipway-cli-bump-"));
});
after(async () => {
  await rm(base, { recursive: true, force: true });
});

/** A fresh repository-like tree: clusters/eks/shop/<fixture>.yaml for each named fixture. */
async function repo(...fixtures: string[]): Promise<string> {
  const root = path.join(base, `repo-${++counter}`);
  await mkdir(path.join(root, "clusters/eks/shop"), { recursive: true });
  for (const f of fixtures) await cp(path.join(FIXTURES, f, "input.yaml"), path.join(root, "clusters/eks/shop", `${f}.yaml`));
  return root;
}
const expected = (f: string) => readFile(path.join(FIXTURES, f, "expected.yaml"), "utf8");
const input = (f: string) => readFile(path.join(FIXTURES, f, "input.yaml"), "utf8");
const current = (root: string, f: string) => readFile(path.join(root, "clusters/eks/shop", `${f}.yaml`), "utf8");

describe("slipway bump", () => {
  test("sets the shop's markers and prints file:line old -> new", async () => {
    const root = await repo("shop-deployments");
    const r = await runCli(["bump", "--path", "clusters/eks", ...shopSets], root);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await current(root, "shop-deployments"), await expected("shop-deployments"));
    const lines = r.stdout.trimEnd().split("\n");
    assert.equal(lines.length, 6);
    assert.equal(lines[0], `clusters/eks/shop/shop-deployments.yaml:18 ${ECR}/account:20210608052721 -> ${ECR}/account:20210612090001`);
    assert.match(r.stderr, /✔ 6 values changed in 1 file/);
  });

  test("--dry-run writes nothing and prints a diff that git apply turns into the expected file", async () => {
    const root = await repo("shop-deployments", "crlf");
    const r = await runCli(["bump", "--path", "clusters/eks", ...shopSets, "--dry-run"], root);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await current(root, "shop-deployments"), await input("shop-deployments"));
    assert.equal(await current(root, "crlf"), await input("crlf"));
    assert.match(r.stdout, /^--- a\/clusters\/eks\/shop\/crlf\.yaml\n\+\+\+ b\/clusters\/eks\/shop\/crlf\.yaml\n@@ /m);
    assert.match(r.stderr, /✔ 8 values would change in 2 files/);
    await writeFile(path.join(root, "p.diff"), r.stdout);
    execFileSync("git", ["apply", "--whitespace=nowarn", "p.diff"], { cwd: root, stdio: "pipe" });
    assert.equal(await current(root, "shop-deployments"), await expected("shop-deployments"));
    assert.equal(await current(root, "crlf"), await expected("crlf"));
  });

  test("--output json lists changes with their objects", async () => {
    const root = await repo("kustomization-images");
    const r = await runCli(["bump", "--path", "clusters/eks/shop", "--set", `flux-system:podinfo=${images["flux-system:podinfo"]}`, "-o", "json"], root);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { changedFiles: string[]; changes: { file: string; setter: string; object: { kind: string } }[] };
    assert.deepEqual(out.changedFiles, ["clusters/eks/shop/kustomization-images.yaml"]);
    assert.deepEqual(out.changes.map((c) => c.setter), ["flux-system:podinfo:tag", "flux-system:podinfo:digest"]);
    assert.equal(out.changes[0]?.object.kind, "Kustomization");
  });

  test("nothing to change → exit 0 and files untouched", async () => {
    const root = await repo("unknown-policy");
    const r = await runCli(["bump", "--path", ".", "--set", `flux-system:account=${ECR}/account:1`], root);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /no marker values changed/);
    assert.equal(await current(root, "unknown-policy"), await input("unknown-policy"));
  });

  test("warnings go to stderr with file:line and the run goes on", async () => {
    const root = await repo("shop-deployments");
    await writeFile(path.join(root, "clusters/eks/shop/bad.yaml"), 'image: x # {"$imagepolicy": flux-system:account}\n');
    const r = await runCli(["bump", "--path", "clusters/eks", ...shopSets], root);
    assert.equal(r.code, 0);
    assert.match(r.stderr, /^warning: clusters\/eks\/shop\/bad\.yaml:1: marker is not valid JSON/m);
    assert.equal(await current(root, "shop-deployments"), await expected("shop-deployments"));
    const json = await runCli(["bump", "--path", "clusters/eks", ...shopSets, "-o", "json"], root);
    assert.match((JSON.parse(json.stdout) as { warnings: string[] }).warnings[0] ?? "", /^clusters\/eks\/shop\/bad\.yaml:1: /);
  });

  for (const [why, set, message] of [
    ["an invalid IMAGE", "flux-system:account=Not A Ref", /--set "flux-system:account=Not A Ref": IMAGE is not a valid image reference/],
    ["an IMAGE with neither tag nor digest", `flux-system:account=${ECR}/account`, /IMAGE needs a tag or a digest/],
    ["a --set without NS:NAME=", `${ECR}/account:1`, /want NS:NAME=IMAGE/],
    ["a --set with only a name", `account=${ECR}/account:1`, /want NS:NAME=IMAGE/],
  ] as const) {
    test(`${why} → exit 2 naming the argument, nothing written`, async () => {
      const root = await repo("shop-deployments");
      const r = await runCli(["bump", "--path", "clusters/eks", ...shopSets, "--set", set], root);
      assert.equal(r.code, 2);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, "");
      assert.equal(await current(root, "shop-deployments"), await input("shop-deployments"));
    });
  }

  test("no --set, or the same policy twice → exit 2", async () => {
    const root = await repo("shop-deployments");
    assert.equal((await runCli(["bump", "--path", "."], root)).code, 2);
    const twice = await runCli(["bump", "--set", `a:b=${ECR}/x:1`, "--set", `a:b=${ECR}/x:2`], root);
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, /a:b is set twice/);
  });

  test("a --path that does not exist → exit 1 naming it", async () => {
    const root = await repo("shop-deployments");
    const r = await runCli(["bump", "--path", "nope", "--set", `a:b=${ECR}/x:1`], root);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /nope/);
  });
});
