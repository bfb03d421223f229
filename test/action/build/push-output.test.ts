import { test } from "node:test";
import assert from "node:assert/strict";
import { digestFromPushOutput, digestFromRepoDigests } from "../../../action/build/push-digest.ts";
import { classifyPushError } from "../../../action/build/push-error.ts";

const d1 = `sha256:${"a".repeat(64)}`;
const d2 = `sha256:${"b".repeat(64)}`;

test("the digest comes from docker push's last digest line", () => {
  const out = `The push refers to repository [127.0.0.1:5000/app]\n5f70bf18a086: Pushed\n20210608052721: digest: ${d1} size: 528\n`;
  assert.equal(digestFromPushOutput(out), d1);
  assert.equal(digestFromPushOutput("no digest here"), undefined);
});

test("RepoDigests are matched to the repository pushed, not the first entry", () => {
  const json = JSON.stringify([`other.example/app@${d1}`, `127.0.0.1:5000/app@${d2}`]);
  assert.equal(digestFromRepoDigests(json, "127.0.0.1:5000/app"), d2);
  assert.equal(digestFromRepoDigests(json, "127.0.0.1:5000/none"), undefined);
  assert.equal(digestFromRepoDigests("not json", "x"), undefined);
});

test("push failures are classified: immutable tag, refused login, anything else", () => {
  const ref = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:20210608052721";
  const immutable = classifyPushError(
    ref,
    "20210608052721",
    new Error("docker push: exited with 1: tag invalid: The image tag '20210608052721' already exists in the 'app' repository and cannot be overwritten because the repository is immutable."),
  );
  assert.equal(immutable.message, "tag 20210608052721: already exists in 123456789012.dkr.ecr.eu-west-1.amazonaws.com/app, whose tags are immutable; nothing pushed under it");
  assert.ok(immutable.cause instanceof Error);
  const denied = classifyPushError(ref, "x", new Error("exited with 1: no basic auth credentials"));
  assert.match(denied.message, /^image .*app:20210608052721: push refused by the registry \(login missing, expired or without push permission\): exited with 1: no basic auth credentials$/);
  const other = classifyPushError(ref, "x", new Error("line one\ndial tcp 127.0.0.1:1: connection refused"));
  assert.match(other.message, /push failed: dial tcp 127.0.0.1:1: connection refused$/);
});
