// The manifest update loop against the real git server and the real OCI registry: the seed's
// ImageUpdateAutomation honoured, policies that never roll back, the name rule without Flux
// objects, unknown policies, templates, and two updates racing on one branch.
import { test } from "node:test";
import assert from "node:assert/strict";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createGitRepo, integration, testGitConfig, uniqueName, type TestEnv } from "../../env/harness.ts";
import { run } from "../../../core/exec.ts";
import { createLogger } from "../../../core/log.ts";
import { createGitClient, type GitClient } from "../../../core/git/git-client.ts";
import { registryFor } from "../../../action/registry/registry-for.ts";
import { updateManifests, type UpdateManifestsOptions } from "../../../action/update/update-manifests.ts";
import { pushSampleImage, shopFiles } from "../e2e/shop-fixture.ts";

const log = createLogger({ level: "warn" });

async function gitFor(env: TestEnv, t: { after: (fn: () => Promise<void>) => void }): Promise<GitClient> {
  const git = await createGitClient({ auth: { kind: "basic", username: env.gitHttpUser, password: env.gitHttpPassword } });
  t.after(() => git.close());
  return git;
}

const show = async (bare: string, format: string, ref: string): Promise<string> => (await run("git", ["--git-dir", bare, "log", "-1", `--format=${format}`, ref])).stdout.trim();
const file = async (bare: string, ref: string, p: string): Promise<string> => (await run("git", ["--git-dir", bare, "show", `${ref}:${p}`])).stdout;
const count = async (bare: string, ref: string): Promise<number> => Number((await run("git", ["--git-dir", bare, "rev-list", "--count", ref])).stdout.trim());

/** Another pipeline's commit on `branch` of the bare repository: files written (content) or made executable ("+x"). */
async function commitTo(bare: string, edits: Record<string, string>, message = "another pipeline", branch = "main"): Promise<string> {
  const work = await mkdtemp(path.join(tmpdir(), "slipway-competitor-"));
  try {
    await run("git", [...testGitConfig, "clone", "-q", "--branch", branch, bare, work]);
    for (const [f, content] of Object.entries(edits)) {
      if (content === "+x") await chmod(path.join(work, f), 0o755);
      else {
        await mkdir(path.dirname(path.join(work, f)), { recursive: true });
        await writeFile(path.join(work, f), content);
      }
    }
    await run("git", ["-C", work, "add", "-A"]);
    await run("git", [...testGitConfig, "-C", work, "commit", "-q", "-m", message]);
    await run("git", ["-C", work, "push", "-q", "origin", `HEAD:refs/heads/${branch}`]);
    return (await run("git", ["-C", work, "rev-parse", "HEAD"])).stdout.trim();
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function options(env: TestEnv, git: GitClient, url: string, image: string, tag: string, extra: Partial<UpdateManifestsOptions> = {}): UpdateManifestsOptions {
  const { registry, repository } = registryFor(image);
  return { git, url, pushed: { image, tag }, listTags: (s) => registry.listTags(repository, s), log, baseDelayMs: 20, ...extra };
}

test("the seed's ImageUpdateAutomation is honoured: branch eks, path ./clusters/eks, author fluxbot, its message", async (t) => {
  const env = integration(t);
  if (!env) return;
  const prefix = `${env.registry}/${uniqueName("shop")}`;
  const services = ["account", "cart"];
  const repo = await createGitRepo(env, t, { branch: "main", files: shopFiles({ imagePrefix: prefix, services, flux: true }) });
  await run("git", ["--git-dir", repo.bareDir, "branch", "eks", "main"]);
  const image = `${prefix}/account`;
  const repoPath = image.slice(env.registry.length + 1);
  await pushSampleImage(env.registry, repoPath, "20200101000000");
  await pushSampleImage(env.registry, repoPath, "latest");
  await pushSampleImage(env.registry, repoPath, "20240607080910");
  const git = await gitFor(env, t);
  const url = `${env.gitHttpAuthUrl}/${repo.name}.git`;
  const mainBefore = await show(repo.bareDir, "%H", "main");

  const result = await updateManifests(options(env, git, url, image, "20240607080910"));
  assert.equal(result.baseBranch, "eks");
  assert.equal(result.pushBranch, "eks");
  assert.equal(result.attempts, 1);
  assert.deepEqual(result.changedFiles, ["clusters/eks/shop/account.yaml"]);
  assert.deepEqual(result.decisions, [{ policy: "flux-system:account", tag: "20240607080910", by: "ImagePolicy/flux-system/account" }]);
  assert.equal(await show(repo.bareDir, "%H", "eks"), result.commit);
  assert.equal(await show(repo.bareDir, "%an <%ae>", "eks"), "fluxbot <fluxbot@example.com>");
  assert.equal(await show(repo.bareDir, "%B", "eks"), "An automated update from FluxBot\n[ci skip]");
  assert.equal(await show(repo.bareDir, "%H", "main"), mainBefore, "main untouched");
  const text = await file(repo.bareDir, "eks", "clusters/eks/shop/account.yaml");
  assert.match(text, new RegExp(`image: ${image}:20240607080910 # \\{"\\$imagepolicy": "flux-system:account"\\}\\n`));
  assert.equal(await file(repo.bareDir, "eks", "clusters/eks/shop/cart.yaml"), shopFiles({ imagePrefix: prefix, services, flux: true })["clusters/eks/shop/cart.yaml"]);
  const tree = (await run("git", ["--git-dir", repo.bareDir, "ls-tree", "-r", "--name-only", "eks"])).stdout.trim().split("\n").sort();
  assert.deepEqual(tree, Object.keys(shopFiles({ imagePrefix: prefix, services, flux: true })).sort(), "every file is still in the commit");

  // An old pipeline re-run (older tag pushed now) changes nothing: the policy still picks the newest.
  await pushSampleImage(env.registry, repoPath, "20230101000000");
  const rerun = await updateManifests(options(env, git, url, image, "20230101000000"));
  assert.equal(rerun.commit, undefined);
  assert.equal(rerun.changes.length, 0);
  assert.equal(await show(repo.bareDir, "%H", "eks"), result.commit, "no new commit");
});

test("without Flux objects the name rule applies, with the default message, and timestamps never go back", async (t) => {
  const env = integration(t);
  if (!env) return;
  const prefix = `${env.registry}/${uniqueName("plain")}`;
  const repo = await createGitRepo(env, t, { files: shopFiles({ imagePrefix: prefix, services: ["order", "payment"] }) });
  const image = `${prefix}/order`;
  await pushSampleImage(env.registry, image.slice(env.registry.length + 1), "20250101000000");
  const git = await gitFor(env, t);
  const url = `${env.gitHttpAuthUrl}/${repo.name}.git`;
  const r = await updateManifests(options(env, git, url, image, "20250101000000", { updatePath: "clusters/eks" }));
  assert.ok(r.commit);
  assert.equal(await show(repo.bareDir, "%B", "main"), `slipway: update ${image} to 20250101000000 [ci skip]`);
  assert.equal(await show(repo.bareDir, "%an", "main"), "slipway");
  assert.deepEqual(r.changedFiles, ["clusters/eks/shop/order.yaml"]);
  // An older timestamp: the registry has a newer one, which stays.
  await pushSampleImage(env.registry, image.slice(env.registry.length + 1), "20240101000000");
  const old = await updateManifests(options(env, git, url, image, "20240101000000"));
  assert.equal(old.commit, undefined);
  assert.equal(await count(repo.bareDir, "main"), 2);
});

test("a marker naming an ImagePolicy nobody defined stops the run, naming file:line; nothing is pushed", async (t) => {
  const env = integration(t);
  if (!env) return;
  const prefix = `${env.registry}/${uniqueName("ghost")}`;
  const files = shopFiles({ imagePrefix: prefix, services: ["account"], flux: true, automationBranch: "main" });
  files["clusters/eks/shop/ghost.yaml"] = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ghost\nspec:\n  containers:\n  - name: g\n    image: x/ghost:1 # {"$imagepolicy": "flux-system:ghost"}\n`;
  const repo = await createGitRepo(env, t, { files });
  await pushSampleImage(env.registry, `${prefix}/account`.slice(env.registry.length + 1), "20250101000000");
  const git = await gitFor(env, t);
  const before = await show(repo.bareDir, "%H", "main");
  await assert.rejects(
    updateManifests(options(env, git, `${env.gitHttpAuthUrl}/${repo.name}.git`, `${prefix}/account`, "20250101000000")),
    /^SlipwayError: clusters\/eks\/shop\/ghost\.yaml:8: marker names ImagePolicy\/flux-system\/ghost, which no ImagePolicy in the manifest repository defines$/,
  );
  assert.equal(await show(repo.bareDir, "%H", "main"), before);
});

test("a commit-message template sees the automation, FileChanges and Values; an unsupported field fails before pushing", async (t) => {
  const env = integration(t);
  if (!env) return;
  const prefix = `${env.registry}/${uniqueName("tpl")}`;
  const repo = await createGitRepo(env, t, { files: shopFiles({ imagePrefix: prefix, services: ["cart"], flux: true, fluxApiVersion: "image.toolkit.fluxcd.io/v1", automationBranch: "main" }) });
  const image = `${prefix}/cart`;
  await pushSampleImage(env.registry, image.slice(env.registry.length + 1), "20250101000000");
  const git = await gitFor(env, t);
  const url = `${env.gitHttpAuthUrl}/${repo.name}.git`;
  const before = await show(repo.bareDir, "%H", "main");
  await assert.rejects(updateManifests(options(env, git, url, image, "20250101000000", { messageTemplate: "{{ .Updated.Images }}" })), /input commit-message:1: \.Updated is not supported/);
  assert.equal(await show(repo.bareDir, "%H", "main"), before, "nothing pushed after a template error");
  const tpl =
    "{{ .AutomationObject }}: {{ range $f, $objs := .Changed.FileChanges }}{{ $f }}{{ range $res, $ch := $objs }} {{ $res.Kind }} {{ $res.Name }}{{ range $_, $c := $ch }} {{ $c.OldValue }} -> {{ $c.NewValue }}{{ end }}{{ end }}{{ end }}";
  await updateManifests(options(env, git, url, image, "20250101000000", { messageTemplate: tpl }));
  assert.equal(await show(repo.bareDir, "%B", "main"), `flux-system/flux-system: shop/cart.yaml Deployment cart ${image}:20200101000000 -> ${image}:20250101000000`);
});

test("two updates racing on one branch both land: the loser fetches, re-applies and pushes again", async (t) => {
  const env = integration(t);
  if (!env) return;
  const prefix = `${env.registry}/${uniqueName("race")}`;
  const services = ["a", "b", "c", "d"];
  const repo = await createGitRepo(env, t, { files: shopFiles({ imagePrefix: prefix, services }) });
  const git = await gitFor(env, t);
  const url = `${env.gitHttpAuthUrl}/${repo.name}.git`;
  await Promise.all(services.map((s) => pushSampleImage(env.registry, `${prefix}/${s}`.slice(env.registry.length + 1), "20250505050505")));
  const listings = new Map<string, number>();
  const results = await Promise.all(
    services.map((s) => {
      const o = options(env, git, url, `${prefix}/${s}`, "20250505050505");
      const list = o.listTags!;
      return updateManifests({ ...o, listTags: (sig) => (listings.set(s, (listings.get(s) ?? 0) + 1), list(sig)) });
    }),
  );
  assert.ok(results.every((r) => r.commit));
  assert.equal(await count(repo.bareDir, "main"), 1 + services.length);
  for (const s of services) assert.match(await file(repo.bareDir, "main", `clusters/eks/shop/${s}.yaml`), new RegExp(`/${s}:20250505050505 #`));
  assert.ok(results.some((r) => r.attempts > 1), `some update had to retry (attempts ${results.map((r) => r.attempts).join(",")})`);
  // The other commits only moved marker values: every retry redid the bump without a checkout.
  assert.deepEqual(results.map((r) => r.replayed), results.map((r) => r.attempts - 1));
  // The registry is asked once per run, not once per attempt: the retries stay between fetch and push.
  assert.deepEqual([...listings.values()], services.map(() => 1), `listings per run ${JSON.stringify(Object.fromEntries(listings))}, attempts ${results.map((r) => r.attempts).join(",")}`);
});

test("a shared push branch collects concurrent bumps through compare-and-swap pushes; the base branch is never touched", async (t) => {
  const env = integration(t);
  if (!env) return;
  const prefix = `${env.registry}/${uniqueName("shared")}`;
  const services = ["a", "b", "c", "d"];
  const repo = await createGitRepo(env, t, { files: shopFiles({ imagePrefix: prefix, services }) });
  const git = await gitFor(env, t);
  const url = `${env.gitHttpAuthUrl}/${repo.name}.git`;
  const base = await show(repo.bareDir, "%H", "main");
  await Promise.all(services.map((s) => pushSampleImage(env.registry, `${prefix}/${s}`.slice(env.registry.length + 1), "20250606060606")));
  const results = await Promise.all(services.map((s) => updateManifests(options(env, git, url, `${prefix}/${s}`, "20250606060606", { pushBranch: "image-updates", maxAttempts: 20 }))));
  assert.ok(results.every((r) => r.commit && r.pushBranch === "image-updates" && r.baseBranch === "main"));
  assert.equal(await show(repo.bareDir, "%H", "main"), base, "main untouched");
  assert.equal(await count(repo.bareDir, "image-updates"), 1 + services.length, "every bump is a commit on the shared branch");
  for (const s of services) assert.match(await file(repo.bareDir, "image-updates", `clusters/eks/shop/${s}.yaml`), new RegExp(`/${s}:20250606060606 #`));
  // Once the branch is merged (main fast-forwarded), the next update starts from main again.
  await run("git", ["--git-dir", repo.bareDir, "update-ref", "refs/heads/main", await show(repo.bareDir, "%H", "image-updates")]);
  await pushSampleImage(env.registry, `${prefix}/a`.slice(env.registry.length + 1), "20250707070707");
  const next = await updateManifests(options(env, git, url, `${prefix}/a`, "20250707070707", { pushBranch: "image-updates" }));
  assert.equal(await run("git", ["--git-dir", repo.bareDir, "rev-parse", `${next.commit}^`]).then((r) => r.stdout.trim()), await show(repo.bareDir, "%H", "main"));
});

test("an update path that does not exist on the branch is an error naming it", async (t) => {
  const env = integration(t);
  if (!env) return;
  const prefix = `${env.registry}/${uniqueName("nopath")}`;
  const repo = await createGitRepo(env, t, { files: shopFiles({ imagePrefix: prefix, services: ["a"] }) });
  await pushSampleImage(env.registry, `${prefix}/a`.slice(env.registry.length + 1), "20250101000000");
  const git = await gitFor(env, t);
  await assert.rejects(
    updateManifests(options(env, git, `${env.gitHttpAuthUrl}/${repo.name}.git`, `${prefix}/a`, "20250101000000", { updatePath: "./clusters/gke" })),
    /^SlipwayError: input update-path: clusters\/gke does not exist on branch main$/,
  );
});

test("an automation naming a branch that does not exist is an error naming the automation", async (t) => {
  const env = integration(t);
  if (!env) return;
  const prefix = `${env.registry}/${uniqueName("nobranch")}`;
  const repo = await createGitRepo(env, t, { files: shopFiles({ imagePrefix: prefix, services: ["a"], flux: true, automationBranch: "eks" }) });
  const git = await gitFor(env, t);
  await assert.rejects(
    updateManifests(options(env, git, `${env.gitHttpAuthUrl}/${repo.name}.git`, `${prefix}/a`, "20250101000000")),
    /^SlipwayError: clusters\/eks\/flux-system\/update-policy\.yml:1: ImageUpdateAutomation\/flux-system\/flux-system: checkout branch eks does not exist$/,
  );
});

test("a race lost to another pipeline's marker commit is redone on the new tip by plumbing: its change, the file mode, message and author kept", async (t) => {
  const env = integration(t);
  if (!env) return;
  const prefix = `${env.registry}/${uniqueName("replay")}`;
  const services = ["a", "b", "c"];
  const files = shopFiles({ imagePrefix: prefix, services });
  const repo = await createGitRepo(env, t, { files });
  await commitTo(repo.bareDir, { "clusters/eks/shop/a.yaml": "+x" }, "a is executable");
  const git = await gitFor(env, t);
  const url = `${env.gitHttpAuthUrl}/${repo.name}.git`;
  let competitor = "";
  // The other pipeline pushes while this one decides (its tag listing): the first push must lose.
  const listTags = async (): Promise<string[]> => {
    competitor = await commitTo(repo.bareDir, {
      "clusters/eks/shop/b.yaml": files["clusters/eks/shop/b.yaml"]!.replace(`/b:20200101000000`, `/b:20250303030303`),
      "README.md": "# shop manifests, edited\n",
    });
    return [];
  };
  const image = `${prefix}/a`;
  const r = await updateManifests({ git, url, pushed: { image, tag: "20250404040404" }, listTags, log, baseDelayMs: 20, trailers: ["Signed-off-by: CI <ci@example.invalid>"] });
  assert.equal(r.attempts, 2);
  assert.equal(r.replayed, 1, "the retry did not check out again");
  assert.deepEqual(r.changedFiles, ["clusters/eks/shop/a.yaml"]);
  assert.deepEqual(
    r.changes.map((c) => [c.file, c.line, c.oldValue, c.newValue]),
    [["clusters/eks/shop/a.yaml", 18, `${image}:20200101000000`, `${image}:20250404040404`]],
  );
  assert.equal(await show(repo.bareDir, "%H", "main"), r.commit);
  assert.equal(await show(repo.bareDir, "%P", "main"), competitor, "built on the other pipeline's commit");
  assert.equal(await show(repo.bareDir, "%an <%ae>|%cn <%ce>", "main"), "slipway <slipway@users.noreply.invalid>|slipway <slipway@users.noreply.invalid>");
  assert.equal(await show(repo.bareDir, "%B", "main"), `slipway: update ${image} to 20250404040404 [ci skip]\n\nSigned-off-by: CI <ci@example.invalid>`);
  assert.match(await file(repo.bareDir, "main", "clusters/eks/shop/a.yaml"), /\/a:20250404040404 #/);
  assert.match(await file(repo.bareDir, "main", "clusters/eks/shop/b.yaml"), /\/b:20250303030303 #/, "the other pipeline's bump stays");
  assert.equal(await file(repo.bareDir, "main", "README.md"), "# shop manifests, edited\n");
  assert.match((await run("git", ["--git-dir", repo.bareDir, "ls-tree", "main", "clusters/eks/shop/a.yaml"])).stdout, /^100755 blob /, "the file mode stays");
  const tree = (await run("git", ["--git-dir", repo.bareDir, "ls-tree", "-r", "--name-only", "main"])).stdout.trim().split("\n").sort();
  assert.deepEqual(tree, Object.keys(files).sort(), "every file is still in the commit");
});

test("a race lost to a commit that already set the same value ends without a commit", async (t) => {
  const env = integration(t);
  if (!env) return;
  const prefix = `${env.registry}/${uniqueName("same")}`;
  const files = shopFiles({ imagePrefix: prefix, services: ["a", "b"] });
  const repo = await createGitRepo(env, t, { files });
  const git = await gitFor(env, t);
  const url = `${env.gitHttpAuthUrl}/${repo.name}.git`;
  let competitor = "";
  const listTags = async (): Promise<string[]> => {
    competitor = await commitTo(repo.bareDir, { "clusters/eks/shop/a.yaml": files["clusters/eks/shop/a.yaml"]!.replace(`/a:20200101000000`, `/a:20250404040404`) });
    return [];
  };
  const r = await updateManifests({ git, url, pushed: { image: `${prefix}/a`, tag: "20250404040404" }, listTags, log, baseDelayMs: 20 });
  assert.equal(r.commit, undefined);
  assert.equal(r.attempts, 2);
  assert.equal(r.replayed, 1);
  assert.deepEqual(r.changes, []);
  assert.equal(await show(repo.bareDir, "%H", "main"), competitor, "no commit after the other pipeline's");
});

test("a race lost to a commit that changed an ImagePolicy checks out and resolves again", async (t) => {
  const env = integration(t);
  if (!env) return;
  const prefix = `${env.registry}/${uniqueName("policy")}`;
  const files = shopFiles({ imagePrefix: prefix, services: ["cart"], flux: true, fluxApiVersion: "image.toolkit.fluxcd.io/v1", automationBranch: "main" });
  const repo = await createGitRepo(env, t, { files });
  const image = `${prefix}/cart`;
  await pushSampleImage(env.registry, image.slice(env.registry.length + 1), "20250101000000");
  const git = await gitFor(env, t);
  const url = `${env.gitHttpAuthUrl}/${repo.name}.git`;
  const policyFile = "clusters/eks/flux-system/images/cart.yaml";
  const o = options(env, git, url, image, "20250101000000");
  let competed = false;
  const r = await updateManifests({
    ...o,
    listTags: async (s) => {
      if (!competed) {
        competed = true;
        await commitTo(repo.bareDir, { [policyFile]: `# reviewed\n${files[policyFile]!}` });
      }
      return o.listTags!(s);
    },
  });
  assert.ok(r.commit);
  assert.equal(r.attempts, 2);
  assert.equal(r.replayed, 0, "Flux objects changed: the retry rescanned");
  assert.match(await file(repo.bareDir, "main", policyFile), /^# reviewed\n/);
  assert.match(await file(repo.bareDir, "main", "clusters/eks/shop/cart.yaml"), /\/cart:20250101000000 #/);
});

test("with a resolver (slipway update) a lost race is redone by a checkout and the resolver asked again, on the new markers", async (t) => {
  const env = integration(t);
  if (!env) return;
  const prefix = `${env.registry}/${uniqueName("resolver")}`;
  const files = shopFiles({ imagePrefix: prefix, services: ["a", "b"] });
  const repo = await createGitRepo(env, t, { files });
  const git = await gitFor(env, t);
  const url = `${env.gitHttpAuthUrl}/${repo.name}.git`;
  const seen: string[] = [];
  const r = await updateManifests({
    git,
    url,
    log,
    baseDelayMs: 20,
    defaultMessage: "slipway: update images [ci skip]",
    resolve: async (tree) => {
      seen.push((await readFile(path.join(tree.root, "clusters/eks/shop/b.yaml"), "utf8")).match(/\/b:(\d+) #/)?.[1] ?? "?");
      if (seen.length === 1) await commitTo(repo.bareDir, { "clusters/eks/shop/b.yaml": files["clusters/eks/shop/b.yaml"]!.replace(`/b:20200101000000`, `/b:20250303030303`) });
      return { images: new Map([["flux-system:a", { name: `${prefix}/a`, tag: "20250404040404" }]]), decisions: [] };
    },
  });
  assert.ok(r.commit);
  assert.equal(r.attempts, 2);
  assert.equal(r.replayed, 0);
  assert.deepEqual(seen, ["20200101000000", "20250303030303"], "the second call saw the other run's value");
  assert.match(await file(repo.bareDir, "main", "clusters/eks/shop/b.yaml"), /\/b:20250303030303 #/);
  assert.match(await file(repo.bareDir, "main", "clusters/eks/shop/a.yaml"), /\/a:20250404040404 #/);
});

test("a race lost to a commit that changed more than 200 manifest files checks out again instead of reading them all", async (t) => {
  const env = integration(t);
  if (!env) return;
  const prefix = `${env.registry}/${uniqueName("many")}`;
  const repo = await createGitRepo(env, t, { files: shopFiles({ imagePrefix: prefix, services: ["a"] }) });
  const git = await gitFor(env, t);
  const url = `${env.gitHttpAuthUrl}/${repo.name}.git`;
  const many = Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`clusters/eks/config/c${i}.yaml`, `n: ${i}\n`]));
  const listTags = async (): Promise<string[]> => (await commitTo(repo.bareDir, many), []);
  const r = await updateManifests({ git, url, pushed: { image: `${prefix}/a`, tag: "20250404040404" }, listTags, log, baseDelayMs: 20 });
  assert.ok(r.commit);
  assert.equal(r.attempts, 2);
  assert.equal(r.replayed, 0);
  assert.equal(await count(repo.bareDir, "main"), 3);
  assert.match(await file(repo.bareDir, "main", "clusters/eks/shop/a.yaml"), /\/a:20250404040404 #/);
  assert.equal(await file(repo.bareDir, "main", "clusters/eks/config/c200.yaml"), "n: 200\n");
});
