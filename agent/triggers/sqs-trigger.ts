/**
 * Amazon SQS as a trigger, with no inbound endpoint: the leader long-polls a queue (credentials
 * from the AWS SDK's chain: Pod Identity, IRSA, environment) and fetches the sources a message
 * names at once, then wakes their syncs. A message is deleted only after the fetch succeeded; one
 * whose fetch failed comes back after the queue's visibility timeout. A message that names no
 * configured source is deleted with a warning (nothing would ever consume it).
 *
 * Two message forms are read (the body, or an SNS envelope's `Message`):
 * - EventBridge's `CodeCommit Repository State Change` (`detail.repositoryName`,
 *   `detail.referenceType: branch`, `detail.referenceName`): the CodeCommit sources of that
 *   repository following that branch;
 * - the CI step's `{"source"?, "branch"?, "revision"?, "repository"?}` (its `notify-queue-url`):
 *   the source of that name, else the sources following that branch (of that repository URL).
 */
import * as z from "zod";
import { errorMessage } from "../../core/errors.ts";
import type { Logger } from "../../core/log.ts";
import { sleep } from "../../core/retry.ts";
import { parseCodeCommitUrl } from "../../core/git/codecommit-url.ts";
import type { SourceConfig } from "../config/agent-config.ts";

/** The `sqs` section of the agent configuration (absent: no queue). */
export const sqsConfigSchema = z
  .strictObject(
    {
      /** The queue's URL, `https://sqs.<region>.amazonaws.com/<account>/<name>`. */
      queueUrl: z.url({ error: (iss) => `"${String(iss.input)}" is not a queue URL` }),
      /** Region. Default: from the queue URL, else the SDK's (AWS_REGION). */
      region: z.string().min(1).optional(),
      /** Endpoint override (a VPC endpoint, or a local stand-in). Default: the SDK's. */
      endpoint: z.url().optional(),
      /** Long-poll wait, seconds (1–20). Default 20. */
      waitSeconds: z.number().int().min(1).max(20).optional(),
    },
    { error: (iss) => (iss.code === "unrecognized_keys" ? "unknown field (allowed: queueUrl, region, endpoint, waitSeconds)" : "must be a mapping") },
  )
  .nullish()
  .transform((v) => v ?? undefined);

/** The SQS trigger's configuration. */
export type SqsConfig = NonNullable<z.output<typeof sqsConfigSchema>>;

/** What a message asks for. Pure. */
export function sourcesOfMessage(body: string, sources: readonly SourceConfig[]): { sources: string[]; revision?: string } | undefined {
  let msg: unknown;
  try {
    msg = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (msg === null || typeof msg !== "object") return undefined;
  let m = msg as Record<string, unknown>;
  // An SNS envelope carries the event as a string.
  if (m.Type === "Notification" && typeof m.Message === "string") return sourcesOfMessage(m.Message, sources);
  const branchOf = (s: SourceConfig): string | undefined => ("branch" in s.ref ? s.ref.branch : undefined);
  if (m["detail-type"] === "CodeCommit Repository State Change" && m.detail && typeof m.detail === "object") {
    m = m.detail as Record<string, unknown>;
    if (m.referenceType !== "branch" || typeof m.repositoryName !== "string") return { sources: [] };
    const repo = m.repositoryName;
    const matched = sources.filter((s) => s.provider === "aws" && parseCodeCommitUrl(s.url)?.name === repo && branchOf(s) === m.referenceName);
    return { sources: matched.map((s) => s.name), ...(typeof m.commitId === "string" ? { revision: m.commitId } : {}) };
  }
  const str = (k: string): string | undefined => (typeof m[k] === "string" ? (m[k] as string) : undefined);
  const name = str("source");
  const branch = str("branch");
  const repository = str("repository");
  const revision = str("revision");
  let matched: SourceConfig[];
  if (name !== undefined) matched = sources.filter((s) => s.name === name);
  else if (branch !== undefined) matched = sources.filter((s) => branchOf(s) === branch && (repository === undefined || s.url === repository));
  else return undefined;
  return { sources: matched.map((s) => s.name), ...(revision ? { revision } : {}) };
}

/** Options for {@link runSqsTrigger}. */
export interface SqsTriggerOptions {
  config: SqsConfig;
  sources(): readonly SourceConfig[];
  /** Fetches the source now (resolves once fetched; throws when the fetch failed). */
  fetch(source: string, signal: AbortSignal): Promise<void>;
  /** Wakes the source's syncs. */
  wake(source: string): void;
  log: Logger;
  signal: AbortSignal;
}

/** Region of a queue URL (`https://sqs.<region>.amazonaws.com/...`). Pure. */
export function queueRegion(url: string): string | undefined {
  return /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\//.exec(url)?.[1];
}

/** Long-polls until `signal` aborts. Never throws: failures are logged and retried with a pause. */
export async function runSqsTrigger(options: SqsTriggerOptions): Promise<void> {
  const { config, log, signal } = options;
  const { SQSClient, ReceiveMessageCommand, DeleteMessageCommand } = await import("@aws-sdk/client-sqs");
  const region = config.region ?? queueRegion(config.queueUrl);
  const client = new SQSClient({ ...(region ? { region } : {}), ...(config.endpoint ? { endpoint: config.endpoint } : {}) });
  log.info("sqs: polling the queue", { queue: config.queueUrl });
  try {
    while (!signal.aborted) {
      try {
        const got = await client.send(new ReceiveMessageCommand({ QueueUrl: config.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: config.waitSeconds ?? 20 }), { abortSignal: signal });
        for (const message of got.Messages ?? []) {
          const asked = sourcesOfMessage(message.Body ?? "", options.sources());
          if (!asked || asked.sources.length === 0) {
            log.warn("sqs: message names no configured source; deleted", { messageId: message.MessageId });
          } else {
            try {
              for (const s of asked.sources) await options.fetch(s, signal);
            } catch (err) {
              if (signal.aborted) break;
              log.warn(`sqs: fetch failed, the message comes back after its visibility timeout: ${errorMessage(err)}`, { messageId: message.MessageId });
              continue;
            }
            for (const s of asked.sources) options.wake(s);
            log.info("sqs: fetched; syncs woken", { sources: asked.sources.join(","), ...(asked.revision ? { revision: asked.revision } : {}) });
          }
          await client.send(new DeleteMessageCommand({ QueueUrl: config.queueUrl, ReceiptHandle: message.ReceiptHandle }), { abortSignal: signal });
        }
      } catch (err) {
        if (signal.aborted) break;
        log.warn(`sqs: cannot receive from ${config.queueUrl}: ${errorMessage(err)}`);
        await sleep(5000, signal).catch(() => {});
      }
    }
  } finally {
    client.destroy();
  }
}
