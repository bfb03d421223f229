/**
 * The SQS trigger: which sources a message names (EventBridge's CodeCommit event, the CI step's
 * message, an SNS envelope), and the agent long-polling moto's SQS (the test environment's moto
 * server, which serves SQS beside ECR): a CI message applies a push at once, long before the
 * source's 1 h interval, and the queue is empty afterwards; a message naming nothing is deleted.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { notifyQueue } from "../../../action/webhook.ts";
import { sourcesOfMessage } from "../../../agent/triggers/sqs-trigger.ts";
import type { SourceConfig } from "../../../agent/config/agent-config.ts";
import { createGitRepo, createNamespace, integration, uniqueName } from "../../env/harness.ts";
import { pushChanges } from "../e2e/git-push.ts";
import { agentArgs, cacheDir, eventually, startAgent, writeConfig } from "../e2e/agent-process.ts";
import { readStatus } from "../e2e/parent-status.ts";

const src = (name: string, url: string, branch: string, provider: "aws" | "generic" = "generic"): SourceConfig => ({ name, url, ref: { branch }, intervalMs: 60_000, timeoutMs: 60_000, provider });
const sources = [
  src("monitoring", "https://git-codecommit.ap-northeast-2.amazonaws.com/v1/repos/monitoring", "main", "aws"),
  src("manifests", "https://github.com/acme/shop.git", "eks"),
  src("other", "https://github.com/acme/other.git", "eks"),
];

test("sourcesOfMessage: CodeCommit state change, the CI step's message, an SNS envelope", () => {
  const event = { "detail-type": "CodeCommit Repository State Change", source: "aws.codecommit", detail: { repositoryName: "monitoring", referenceType: "branch", referenceName: "main", commitId: "abc" } };
  assert.deepEqual(sourcesOfMessage(JSON.stringify(event), sources), { sources: ["monitoring"], revision: "abc" });
  assert.deepEqual(sourcesOfMessage(JSON.stringify({ ...event, detail: { ...event.detail, referenceName: "dev" } }), sources), { sources: [], revision: "abc" });
  assert.deepEqual(sourcesOfMessage(JSON.stringify({ ...event, detail: { ...event.detail, referenceType: "tag" } }), sources), { sources: [] });
  assert.deepEqual(sourcesOfMessage('{"branch":"eks","revision":"eks@sha1:1"}', sources), { sources: ["manifests", "other"], revision: "eks@sha1:1" });
  assert.deepEqual(sourcesOfMessage('{"branch":"eks","repository":"https://github.com/acme/shop.git"}', sources), { sources: ["manifests"] });
  assert.deepEqual(sourcesOfMessage('{"source":"other"}', sources), { sources: ["other"] });
  assert.deepEqual(sourcesOfMessage(JSON.stringify({ Type: "Notification", Message: '{"source":"manifests"}' }), sources), { sources: ["manifests"] });
  assert.equal(sourcesOfMessage("not json", sources), undefined);
  assert.equal(sourcesOfMessage("{}", sources), undefined);
});

test("the agent long-polls moto's SQS: a CI message applies the push at once; the queue is emptied", async (t) => {
  const env = integration(t);
  if (!env) return;
  // The agent process inherits these (moto accepts any credentials).
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: env.awsAccessKeyId, AWS_SECRET_ACCESS_KEY: env.awsSecretAccessKey, AWS_REGION: env.awsRegion });
  const sqs = new SQSClient({ region: env.awsRegion, endpoint: env.ecrEndpoint, credentials: { accessKeyId: env.awsAccessKeyId, secretAccessKey: env.awsSecretAccessKey } });
  t.after(() => sqs.destroy());
  const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: uniqueName("slipway"), Attributes: { VisibilityTimeout: "5" } }))).QueueUrl ?? "";
  const ns = await createNamespace(env, t, "slipway-sqs");
  const appNs = await createNamespace(env, t, "sqs-apps");
  const cm = (v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: ${v}\n`;
  const repo = await createGitRepo(env, t, { files: { "apps/a.yaml": cm("one") } });
  const config = writeConfig(`namespace: ${ns}
listen: "127.0.0.1:0"
sources:
  - { name: manifests, url: "${repo.httpUrl}", ref: { branch: main }, interval: 1h }
syncs:
  - { name: apps, sourceRef: manifests, path: apps, targetNamespace: ${appNs}, interval: 1h, timeout: 1m }
sqs: { queueUrl: "${queueUrl}", endpoint: "${env.ecrEndpoint}", region: ${env.awsRegion}, waitSeconds: 2 }
`);
  const agent = startAgent(t, agentArgs(env, config, cacheDir()));
  await eventually("first apply", async () => ((await readStatus(env, ns, "apps"))?.ready === "True" ? true : undefined));
  await eventually("polling", async () => (agent.logs().includes("sqs: polling the queue") ? true : undefined), 20_000);
  await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{"source":"nothing-here"}' }));
  const sha = await pushChanges(repo, "main", { "apps/a.yaml": cm("two") });
  await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ branch: "main", revision: `main@sha1:${sha}` }) }));
  await eventually("the pushed commit applied", async () => ((await readStatus(env, ns, "apps"))?.lastAppliedRevision === `main@sha1:${sha}` ? true : undefined), 30_000);
  assert.match(agent.logs(), /sqs: message names no configured source; deleted/);
  await eventually("the queue is empty", async () => {
    const a = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }))).Attributes ?? {};
    return a.ApproximateNumberOfMessages === "0" && a.ApproximateNumberOfMessagesNotVisible === "0" ? true : undefined;
  }, 20_000);
  agent.child.kill("SIGTERM");
  assert.equal(await agent.exited, 0, agent.logs());
});

test("the CI step's notify-queue-url sends what the agent's trigger reads", async (t) => {
  const env = integration(t);
  if (!env) return;
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: env.awsAccessKeyId, AWS_SECRET_ACCESS_KEY: env.awsSecretAccessKey, AWS_REGION: env.awsRegion });
  const sqs = new SQSClient({ region: env.awsRegion, endpoint: env.ecrEndpoint });
  t.after(() => sqs.destroy());
  const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: uniqueName("slipway-ci") }))).QueueUrl ?? "";
  const commit = "0123456789abcdef0123456789abcdef01234567";
  const id = await notifyQueue({ queueUrl, branch: "eks", commit });
  assert.ok(id);
  const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 2 }));
  const body = got.Messages?.[0]?.Body ?? "";
  assert.deepEqual(JSON.parse(body), { branch: "eks", revision: `eks@sha1:${commit}`, commit });
  assert.deepEqual(sourcesOfMessage(body, sources), { sources: ["manifests", "other"], revision: `eks@sha1:${commit}` });
  await assert.rejects(notifyQueue({ queueUrl: `${env.ecrEndpoint}/000000000000/no-such-queue`, branch: "eks", commit }), /^SlipwayError: input notify-queue-url: cannot send to/);
});
