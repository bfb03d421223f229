import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { validateConfig, loadConfig, isSupportedGitUrl } from "../../../agent/config/load-config.ts";

const minimal = `
sources:
  - name: shop
    url: https://git.example.com/shop.git
    ref: { branch: eks }
syncs:
  - name: shop
    sourceRef: shop
    path: ./clusters/eks
`;

test("defaults are filled in", () => {
  const r = validateConfig(minimal);
  assert.deepEqual(r.issues, []);
  const c = r.config;
  assert.ok(c);
  assert.equal(c.namespace, "slipway-system");
  assert.equal(c.listen, ":8080");
  assert.equal(c.logLevel, "info");
  assert.deepEqual(c.sources[0], {
    name: "shop", url: "https://git.example.com/shop.git", ref: { branch: "eks" }, intervalMs: 60_000, timeoutMs: 60_000, provider: "generic",
  });
  const s = c.syncs[0];
  assert.ok(s);
  assert.equal(s.intervalMs, 600_000);
  assert.equal(s.retryIntervalMs, 600_000);
  assert.equal(s.timeoutMs, 570_000, "timeout defaults to interval − 30s");
  assert.equal(s.prune, true);
  assert.equal(s.wait, true);
  assert.equal(s.suspend, false);
  assert.equal(s.force, false);
  assert.equal(s.allowEmpty, false);
  assert.deepEqual(s.dependsOn, []);
});

test("timeout default never drops below 30s; durations are Go-style", () => {
  const r = validateConfig(minimal.replace("path: ./clusters/eks", "path: ./clusters/eks\n    interval: 45s\n    retryInterval: 1h30m"));
  assert.ok(r.config);
  assert.equal(r.config.syncs[0]?.timeoutMs, 30_000);
  assert.equal(r.config.syncs[0]?.retryIntervalMs, 5_400_000);
});

test("secretRef namespace defaults to the agent namespace", () => {
  const r = validateConfig(`namespace: agents\n${minimal.replace("ref: { branch: eks }", "ref: { branch: eks }\n    secretRef: { name: git-auth }")}`);
  assert.deepEqual(r.config?.sources[0]?.secretRef, { name: "git-auth", namespace: "agents" });
});

test("every problem is reported with its path and line", () => {
  const text = `sources:
  - name: ok
    url: https://git.example.com/a.git
    ref: { branch: main }
  - name: bad
    url: ftp://example.com/x
    ref: { branch: main, tag: v1 }
    interval: 5 minutes
syncs:
  - name: a
    sourceRef: missing
    path: ../outside
    prune: "yes"
    dependsOn: [nope]
    colour: blue
`;
  const r = validateConfig(text);
  assert.equal(r.config, undefined);
  const got = r.issues.map((i) => `${i.line} ${i.path}: ${i.message}`);
  const expect = [
    /^6 sources\[1\]\.url: "ftp:\/\/example\.com\/x" is not an https/,
    /^7 sources\[1\]\.ref: needs exactly one of branch, tag or commit/,
    /^8 sources\[1\]\.interval: "5 minutes" is not a positive duration/,
    /^15 syncs\[0\]\.colour: unknown field/,
    /^12 syncs\[0\]\.path: "\.\.\/outside" leaves the repository/,
    /^13 syncs\[0\]\.prune: must be true or false/,
    /^11 syncs\[0\]\.sourceRef: no source named "missing"/,
    /^14 syncs\[0\]\.dependsOn\[0\]: no sync named "nope"/,
  ];
  for (const re of expect) assert.ok(got.some((g) => re.test(g)), `${re} in\n${got.join("\n")}`);
  assert.equal(got.length, expect.length, got.join("\n"));
});

test("dependency cycles, duplicate names and bad commits are rejected", () => {
  const text = `sources:
  - { name: s, url: "git@github.com:acme/x.git", ref: { commit: abc } }
syncs:
  - { name: a, sourceRef: s, dependsOn: [b] }
  - { name: b, sourceRef: s, dependsOn: [a] }
  - { name: b, sourceRef: s }
`;
  const r = validateConfig(text);
  const msgs = r.issues.map((i) => `${i.path}: ${i.message}`);
  assert.ok(msgs.some((m) => m.startsWith("sources[0].ref.commit: \"abc\" is not a full 40-character commit SHA")), msgs.join("\n"));
  assert.ok(msgs.some((m) => m.startsWith("syncs[2].name: \"b\" is already used by syncs[1]")), msgs.join("\n"));
  assert.ok(msgs.some((m) => /dependency cycle: a → b → a/.test(m)), msgs.join("\n"));
});

test("provider aws needs a CodeCommit URL and no secretRef", () => {
  const bad = validateConfig(`sources:\n  - { name: s, url: "https://github.com/a/b.git", ref: { branch: main }, provider: aws, secretRef: { name: x } }\n`);
  const msgs = bad.issues.map((i) => i.path + ": " + i.message);
  assert.ok(msgs.some((m) => m.startsWith("sources[0].url: provider aws needs a CodeCommit URL")), msgs.join("\n"));
  assert.ok(msgs.some((m) => m.startsWith("sources[0].secretRef: is not used with provider aws")), msgs.join("\n"));
  const good = validateConfig(`sources:\n  - { name: s, url: "https://git-codecommit.ap-northeast-2.amazonaws.com/v1/repos/shop", ref: { branch: eks }, provider: aws }\n`);
  assert.deepEqual(good.issues, []);
  const short = validateConfig(`sources:\n  - { name: s, url: "codecommit::ap-northeast-2://shop", ref: { branch: eks }, provider: aws }\n`);
  assert.equal(short.config?.sources[0]?.url, "https://git-codecommit.ap-northeast-2.amazonaws.com/v1/repos/shop");
});

test("YAML syntax errors carry a line", () => {
  const r = validateConfig("sources:\n  - name: [unclosed\n");
  assert.ok(r.issues.length > 0);
  assert.ok((r.issues[0]?.line ?? 0) > 0);
});

test("git URL forms", () => {
  for (const u of ["https://h/x.git", "http://127.0.0.1:3000/r.git", "ssh://git@127.0.0.1:2222/r.git", "git@github.com:acme/r.git"]) assert.ok(isSupportedGitUrl(u), u);
  for (const u of ["ftp://h/x", "file:///tmp/x", "/tmp/x", "https://", "nonsense"]) assert.ok(!isSupportedGitUrl(u), u);
});

test("loadConfig names file:line in the thrown error", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "slipway-config-"));
  const file = path.join(dir, "config.yaml");
  writeFileSync(file, minimal.replace("sourceRef: shop", "sourceRef: shop\n    interval: soon"));
  await assert.rejects(loadConfig(file), (err: Error) => {
    assert.match(err.message, new RegExp(`^${file}:9: invalid configuration \\(1 problem\\):\\n  ${file}:9: syncs\\[0\\]\\.interval: "soon"`));
    return true;
  });
  await assert.rejects(loadConfig(path.join(dir, "absent.yaml")), /absent\.yaml: cannot read the configuration/);
});

test("every problem in one pass, sorted by line: field errors, duplicate names, unresolved references", () => {
  const text = `syncs:
  - name: web
    sourceRef: shop
    dependsOn: [db, ghost]
    interval: often
  - name: db
    sourceRef: nowhere
    prune: maybe
  - name: web
    sourceRef: shop
sources:
  - name: shop
    url: https://git.example.com/shop.git
    ref: { branch: main }
  - name: shop
    url: https://git.example.com/other.git
    ref: { tag: "bad tag" }
`;
  const r = validateConfig(text);
  assert.equal(r.config, undefined);
  assert.deepEqual(
    r.issues.map((i) => `${i.line} ${i.path}: ${i.message}`),
    [
      '4 syncs[0].dependsOn[1]: no sync named "ghost"',
      '5 syncs[0].interval: "often" is not a positive duration such as 30s, 1m or 1h30m',
      '7 syncs[1].sourceRef: no source named "nowhere"',
      "8 syncs[1].prune: must be true or false",
      '9 syncs[2].name: "web" is already used by syncs[0]',
      '15 sources[1].name: "shop" is already used by sources[0]',
      '17 sources[1].ref.tag: "bad tag" is not a valid git ref name',
    ],
  );
});

test("a dependency on a sync that has errors of its own is not reported as missing", () => {
  const r = validateConfig(`sources:\n  - { name: s, url: "https://h/x.git", ref: { branch: main } }\nsyncs:\n  - { name: a, sourceRef: s, dependsOn: [b] }\n  - { name: b, sourceRef: s, prune: maybe }\n`);
  assert.deepEqual(r.issues.map((i) => `${i.line} ${i.path}: ${i.message}`), ["5 syncs[1].prune: must be true or false"]);
});

test("the root must be a mapping of known keys; a bare port is a listen address", () => {
  assert.deepEqual(validateConfig("- a\n").issues.map((i) => `${i.path}: ${i.message}`), [": must be a mapping"]);
  assert.deepEqual(validateConfig("colour: blue\n").issues.map((i) => `${i.line} ${i.path}: ${i.message}`), ["1 colour: unknown field (allowed: namespace, namespaces, listen, logLevel, sources, syncs, applyConcurrency, syncConcurrency, receivers, sqs)"]);
  assert.equal(validateConfig("listen: 9090\n").config?.listen, ":9090");
  assert.match(validateConfig("listen: nowhere\n").issues[0]?.message ?? "", /"nowhere" is not an address such as :8080/);
  assert.deepEqual(validateConfig("").config, { namespace: "slipway-system", listen: ":8080", logLevel: "info", sources: [], syncs: [], applyConcurrency: 4, syncConcurrency: 4 });
});

test("a source URL with credentials is refused in every form, without echoing it", () => {
  const urls = [
    "https://ghp_tok3nValue@github.com/a/b.git",
    "https://user:s3cretPass@github.com/a/b.git",
    "http://user:s3cretPass@127.0.0.1:8080/a.git",
    "ssh://git:s3cretPass@github.com/a/b.git",
    "git:s3cretPass@github.com:a/b.git",
    "codecommit::ap-northeast-2://AKIA:s3cretPass@shop",
  ];
  for (const url of urls) {
    const r = validateConfig(`sources:\n  - { name: s, url: "${url}", ref: { branch: main } }\n`);
    const msgs = r.issues.map((i) => `${i.path}: ${i.message}`);
    assert.equal(r.config, undefined, url);
    assert.ok(msgs.some((m) => m.startsWith("sources[0].url: must not contain credentials")), `${url}: ${msgs.join("\n")}`);
    for (const m of msgs) assert.ok(!m.includes("s3cretPass") && !m.includes("tok3nValue"), `${url} echoed: ${m}`);
  }
  // Naming the ssh account is not a credential.
  for (const url of ["ssh://git@github.com/a/b.git", "git@github.com:a/b.git"]) {
    assert.deepEqual(validateConfig(`sources:\n  - { name: s, url: "${url}", ref: { branch: main } }\n`).issues, [], url);
  }
});

for (const field of ["applyConcurrency", "syncConcurrency"] as const) {
  test(`${field}: 4 by default, an integer from 1 to 64 otherwise, reported at its line`, () => {
    assert.equal(validateConfig(minimal).config?.[field], 4);
    assert.equal(validateConfig(`${field}: 16\n${minimal}`).config?.[field], 16);
    assert.equal(validateConfig(`${field}: 1\n${minimal}`).config?.[field], 1);
    for (const bad of ["0", "65", "2.5", "-1", '"8"', "many"]) {
      const r = validateConfig(`logLevel: info\n${field}: ${bad}\n`);
      assert.equal(r.config, undefined, bad);
      assert.deepEqual(r.issues.map((i) => `${i.line} ${i.path}`), [`2 ${field}`], bad);
      assert.match(r.issues[0]?.message ?? "", /is not an integer from 1 to 64$/, bad);
    }
  });
}
