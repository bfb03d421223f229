/** Image references by the OCI distribution grammar. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  assertValidTag,
  formatImageRef,
  hasRegistryHost,
  isValidTag,
  parseImageRef,
  sameRepository,
  splitImageRef,
  splitImageRepository,
} from "../../core/image-ref.ts";

const ECR = "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/shop/account";
const SHA = "sha256:" + "ab".repeat(32);
const d1 = `sha256:${"a".repeat(64)}`;

describe("parseImageRef", () => {
  const valid: [string, { name: string; tag?: string; digest?: string }][] = [
    [`${ECR}:20210608052721`, { name: ECR, tag: "20210608052721" }],
    [`${ECR}@${SHA}`, { name: ECR, digest: SHA }],
    [`${ECR}:v1.2.3@${SHA}`, { name: ECR, tag: "v1.2.3", digest: SHA }],
    ["nginx", { name: "nginx" }],
    ["localhost/app", { name: "localhost/app" }],
    ["localhost:5000/app@" + SHA, { name: "localhost:5000/app", digest: SHA }],
    ["127.0.0.1:5000/shop/account:20210608052721@" + SHA, { name: "127.0.0.1:5000/shop/account", tag: "20210608052721", digest: SHA }],
    ["docker.io/library/nginx:1.27", { name: "docker.io/library/nginx", tag: "1.27" }],
    ["localhost:5000/a/b:latest", { name: "localhost:5000/a/b", tag: "latest" }],
    ["[::1]:5000/app:1", { name: "[::1]:5000/app", tag: "1" }],
    ["ghcr.io/org/app_name__x-y.z:_tag.1-2", { name: "ghcr.io/org/app_name__x-y.z", tag: "_tag.1-2" }],
    ["a/b:" + "t".repeat(128), { name: "a/b", tag: "t".repeat(128) }],
    ["a@sha512:" + "0".repeat(128), { name: "a", digest: "sha512:" + "0".repeat(128) }],
    ["a@custom+algo:" + "0".repeat(32), { name: "a", digest: "custom+algo:" + "0".repeat(32) }],
  ];
  for (const [text, want] of valid) {
    test(`parses ${text}`, () => {
      assert.deepEqual(parseImageRef(text), want);
      assert.equal(formatImageRef(parseImageRef(text)), text);
    });
  }

  const invalid: [string, RegExp][] = [
    ["", /is empty/],
    ["example.com/Shop/account:1", /must be lowercase/],
    ["a/b:-tag", /invalid reference format/],
    ["a/b:" + "t".repeat(129), /invalid reference format/],
    ["a/b:tag with space", /invalid reference format/],
    ["a//b", /invalid reference format/],
    ["a/b/", /invalid reference format/],
    ["a/b@sha256:abc", /invalid reference format/],
    ["a/b@sha256:" + "a".repeat(63), /64 hex characters, got 63/],
    ["a/b@sha256:" + "A".repeat(64), /lowercase hex/],
    ["a/b:1:2", /invalid reference format/],
    ["localhost:5000/app:", /invalid reference format/],
    ["host:port/app", /invalid reference format/],
    ["a/b@" + SHA + ":tag", /invalid reference format/],
    ["a/" + "b".repeat(255), /longer than 255/],
  ];
  for (const [text, why] of invalid) {
    test(`rejects ${JSON.stringify(text.slice(0, 40))}`, () => {
      assert.throws(() => parseImageRef(text), (err: Error & { subject?: string }) => {
        assert.equal(err.subject, `image reference "${text}"`);
        assert.match(err.message, why);
        return true;
      });
    });
  }
});

describe("splitImageRef", () => {
test("references split at the tag colon, never at a registry port", () => {
    assert.deepEqual(splitImageRef("127.0.0.1:5000/shop/account:20210608052721"), { name: "127.0.0.1:5000/shop/account", tag: "20210608052721" });
    assert.deepEqual(splitImageRef("127.0.0.1:5000/shop/account"), { name: "127.0.0.1:5000/shop/account" });
    assert.deepEqual(splitImageRef(`ghcr.io/a:v1@${d1}`), { name: "ghcr.io/a", tag: "v1", digest: d1 });
  });
  test("keeps a digest and a tag apart ", () => {
    assert.deepEqual(splitImageRef(`localhost:5000/app@${d1}`), { name: "localhost:5000/app", digest: d1 });
    assert.deepEqual(splitImageRef("nginx"), { name: "nginx" });
  });
});

describe("splitImageRepository", () => {
test("image repositories split into host and path", () => {
    assert.deepEqual(splitImageRepository("123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/shop/account"), {
      host: "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com",
      repository: "shop/account",
    });
    assert.deepEqual(splitImageRepository("127.0.0.1:5000/app"), { host: "127.0.0.1:5000", repository: "app" });
    assert.deepEqual(splitImageRepository("localhost/app"), { host: "localhost", repository: "app" });
    assert.deepEqual(splitImageRepository("nginx"), { host: "docker.io", repository: "library/nginx" });
    assert.deepEqual(splitImageRepository("bitnami/redis"), { host: "docker.io", repository: "bitnami/redis" });
  });
  
  test("tags, digests and bad paths are refused, naming the input", () => {
    assert.throws(() => splitImageRepository("127.0.0.1:5000/app:v1"), /^SlipwayError: input image: "127.0.0.1:5000\/app:v1" must be a repository without tag or digest/);
    assert.throws(() => splitImageRepository("nginx:1.27"), /without tag or digest/);
    assert.throws(() => splitImageRepository("ghcr.io/a/b@sha256:00"), /without tag or digest/);
    assert.throws(() => splitImageRepository("ghcr.io/Upper/b"), /input image: "ghcr.io\/Upper\/b": repository path "Upper\/b" must be lowercase/);
    assert.throws(() => splitImageRepository("ghcr.io/"), /repository path "" must be/);
  });
  test("a first component is a host only with a dot, a port or as localhost", () => {
    assert.deepEqual(splitImageRepository("localhost:5000/a/b"), { host: "localhost:5000", repository: "a/b" });
    assert.deepEqual(splitImageRepository("[::1]:5000/app"), { host: "[::1]:5000", repository: "app" });
    assert.deepEqual(splitImageRepository("docker.io/library/nginx"), { host: "docker.io", repository: "library/nginx" });
    assert.deepEqual(splitImageRepository("localhostx/app"), { host: "docker.io", repository: "localhostx/app" });
    assert.equal(hasRegistryHost("localhost/app"), true);
    assert.equal(hasRegistryHost("my-registry:5000/app"), true);
    assert.equal(hasRegistryHost("team/app"), false);
    assert.equal(hasRegistryHost("nginx"), false);
  });
});

describe("sameRepository", () => {
  test("ignores tag, digest, case, surrounding space and a trailing slash", () => {
    assert.ok(sameRepository(`${ECR}:20210608052721`, ECR));
    assert.ok(sameRepository(`${ECR}:v1@${SHA}`, `${ECR}@${SHA}`));
    assert.ok(sameRepository(` ${ECR.toUpperCase()}/ `, ECR));
    assert.ok(sameRepository("127.0.0.1:5000/app:1", "127.0.0.1:5000/app"));
  });
  test("makes Docker Hub's implicit host and library/ explicit", () => {
    assert.ok(sameRepository("nginx", "docker.io/library/nginx:1.27"));
    assert.ok(sameRepository("bitnami/redis", "docker.io/bitnami/redis"));
    assert.ok(!sameRepository("nginx", "docker.io/nginx/nginx"));
  });
  test("a port, another host or another path is another repository", () => {
    assert.ok(!sameRepository("127.0.0.1:5000/app", "127.0.0.1:5001/app"));
    assert.ok(!sameRepository("localhost/app", "docker.io/library/app"));
    assert.ok(!sameRepository(`${ECR}`, `${ECR}-v2`));
    assert.ok(!sameRepository("ghcr.io/a/b", "ghcr.io/a"));
  });
});

describe("tag grammar", () => {
  test("the tag inside a reference and a tag alone follow one grammar", () => {
    for (const tag of ["_x.y-z", "20210608052721", "v1.2.3", "t".repeat(128), "-x", ".x", "", "a:b", "t".repeat(129), "ü"]) {
      let inRef: boolean;
      try {
        parseImageRef(`a/b:${tag}`);
        inRef = true;
      } catch {
        inRef = false;
      }
      assert.equal(isValidTag(tag), inRef, tag);
    }
  });
  test("assertValidTag says which rule a tag breaks", () => {
    assert.throws(() => assertValidTag("-x", "input tag-format"), /^SlipwayError: input tag-format: "-x" is not a valid image tag: it must not start with '.' or '-'/);
  });
});
