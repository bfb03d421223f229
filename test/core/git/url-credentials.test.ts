import { test } from "node:test";
import assert from "node:assert/strict";
import { credentialsInGitUrl, gitUrlForm } from "../../../core/git/url-credentials.ts";

test("credentials in a git URL are found in every form a remote is written in", () => {
  const cases: [string, ReturnType<typeof credentialsInGitUrl>][] = [
    ["https://TOKEN@github.com/a/b.git", "userinfo"],
    ["https://u:p@github.com/a/b.git", "userinfo"],
    ["HTTP://u:p@host/x.git", "userinfo"],
    ["git://u:p@host/x.git", "userinfo"],
    ["file://u@host/srv/x.git", "userinfo"],
    ["ssh://git:pw@github.com/a/b.git", "userinfo"],
    ["u:pw@host:path/x.git", "scp-password"],
    ["codecommit::us-east-1://AKIA:secret@repo", "codecommit"],
    ["ssh://git@github.com/a/b.git", undefined],
    ["git@github.com:a/b.git", undefined],
    ["https://github.com/a/b.git", undefined],
    ["https://github.com/a/b.git?x=@y", undefined],
    ["codecommit::us-east-1://repo", undefined],
    ["ftp://u:p@host/x", undefined],
  ];
  for (const [url, want] of cases) assert.equal(credentialsInGitUrl(url), want, url);
});

test("gitUrlForm tells the three written forms apart and nothing else", () => {
  assert.deepEqual(gitUrlForm("HTTPS://h/x"), { form: "scheme", scheme: "https", authority: "h" });
  assert.deepEqual(gitUrlForm("codecommit::eu-west-1://shop"), { form: "codecommit", name: "shop" });
  assert.deepEqual(gitUrlForm("git@h:x/y.git"), { form: "scp", user: "git" });
  assert.equal(gitUrlForm("/srv/repo.git"), undefined);
  assert.equal(gitUrlForm("not a url"), undefined);
});
