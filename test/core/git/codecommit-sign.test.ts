import { test } from "node:test";
import assert from "node:assert/strict";
import { codeCommitTimestamp, signCodeCommit } from "../../../core/git/codecommit-sign.ts";
import { parseCodeCommitUrl } from "../../../core/git/codecommit-url.ts";

const now = new Date(Date.UTC(2017, 11, 24, 11, 53, 20));

test("signCodeCommit reproduces the published git-remote-codecommit vector", () => {
  const signed = signCodeCommit({
    host: "git-codecommit.us-west-2.amazonaws.com",
    path: "/v1/repos/test_repo",
    region: "us-west-2",
    accessKeyId: "access",
    secretAccessKey: "secret",
    now,
  });
  assert.equal(signed.password, "20171224T115320Zb6df2d758a8023b2f000a546417007b65494f3ce8ad0300fd45fcfa173f1959a");
  assert.equal(signed.username, "access");
});

test("signCodeCommit puts the session token in the username and changes with time and path", () => {
  const base = { host: "git-codecommit.us-west-2.amazonaws.com", path: "/v1/repos/test_repo", region: "us-west-2", accessKeyId: "access", secretAccessKey: "secret", now };
  assert.equal(signCodeCommit({ ...base, sessionToken: "tok" }).username, "access%tok");
  const later = signCodeCommit({ ...base, now: new Date(now.getTime() + 1000) }).password;
  assert.ok(later.startsWith("20171224T115321Z"));
  assert.notEqual(signCodeCommit({ ...base, path: "/v1/repos/other" }).password, signCodeCommit(base).password);
  assert.equal(codeCommitTimestamp(now), "20171224T115320");
});

test("parseCodeCommitUrl recognises the HTTPS form and the codecommit:: shorthand", () => {
  assert.deepEqual(parseCodeCommitUrl("https://git-codecommit.ap-northeast-2.amazonaws.com/v1/repos/shop-manifests"), {
    region: "ap-northeast-2",
    name: "shop-manifests",
    host: "git-codecommit.ap-northeast-2.amazonaws.com",
    path: "/v1/repos/shop-manifests",
    url: "https://git-codecommit.ap-northeast-2.amazonaws.com/v1/repos/shop-manifests",
  });
  assert.equal(parseCodeCommitUrl("codecommit::cn-north-1://repo")?.url, "https://git-codecommit.cn-north-1.amazonaws.com.cn/v1/repos/repo");
  assert.equal(parseCodeCommitUrl("https://github.com/acme/manifests.git"), undefined);
});
