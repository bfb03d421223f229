/** Test helper: reads a sync's recorded status from its ApplySet parent with kubectl. */
import { kubectl, type TestEnv } from "../../env/harness.ts";
import { parseStatus, type SyncStatus } from "../../../agent/status/sync-status.ts";

/** The parsed `data.status` of ConfigMap `slipway-<sync>` in `namespace` (`slipway-<ns>.<name>` for a key `ns/name`), or undefined. */
export async function readStatus(env: TestEnv, namespace: string, sync: string): Promise<SyncStatus | undefined> {
  const out = await kubectl(env, ["get", "configmap", `slipway-${sync.replace("/", ".")}`, "-n", namespace, "-o", "json", "--ignore-not-found"]);
  if (!out.trim()) return undefined;
  const cm = JSON.parse(out) as { data?: { status?: string } };
  return parseStatus(cm.data?.status);
}
