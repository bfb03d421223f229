/**
 * `npm run image`: builds the agent image `slipway-agent:dev` (deploy/Dockerfile) into the test
 * environment's docker engine (`DOCKER_HOST` from `.testenv/env`; run `npm run testenv -- up`
 * first), from bases the project builds offline (test/env/agent-image.ts). `--tag T` builds
 * another tag. Upstream bases need no script: `docker build -f deploy/Dockerfile .`.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { errorMessage } from "../core/errors.ts";
import { agentImageTag, ensureAgentImage } from "../test/env/agent-image.ts";
import { loadTestEnv } from "../test/env/harness.ts";

const { values } = parseArgs({ options: { tag: { type: "string", default: agentImageTag } } });
const repoRoot = path.resolve(import.meta.dirname, "..");
const env = loadTestEnv(path.join(repoRoot, ".testenv", "env"));
if (!env) {
  console.error("✗ image: the test environment is not up (its docker engine builds the image): run `npm run testenv -- up`");
  process.exit(1);
}
const started = Date.now();
try {
  const tag = await ensureAgentImage({ dockerHost: env.dockerHost, repoRoot, tag: values.tag ?? agentImageTag, log: (l) => console.error(`► ${l}`) });
  console.error(`✔ ${tag} built in ${((Date.now() - started) / 1000).toFixed(1)} s (DOCKER_HOST=${env.dockerHost})`);
} catch (err) {
  console.error(`✗ ${errorMessage(err)}`);
  process.exit(1);
}
