/** Image references by the OCI distribution grammar. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { formatImageRef, parseImageRef } from "../../core/image-ref.ts";

const ECR = "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/shop/account";
const SHA = "sha256:" + "ab".repeat(32);

describe("parseImageRef", () => {
  const valid: [string, { name: string; tag?: string; digest?: string }][] = [
    [`${ECR}:20210608052721`, { name: ECR, tag: "20210608052721" }],
    [`${ECR}@${SHA}`, { name: ECR, digest: SHA }],
    [`${ECR}:v1.2.3@${SHA}`, { name: ECR, tag: "v1.2.3", digest: SHA }],
    ["nginx", { name: "nginx" }],
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
