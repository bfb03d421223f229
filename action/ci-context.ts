/**
 * What the CI system says about the build, for tag templates and messages: commit SHA, branch
 * and build number from GitHub Actions (`GITHUB_SHA`, `GITHUB_REF_NAME`, `GITHUB_RUN_NUMBER`) or
 * CodeBuild (`CODEBUILD_RESOLVED_SOURCE_VERSION`, `CODEBUILD_WEBHOOK_HEAD_REF`,
 * `CODEBUILD_BUILD_NUMBER`). Pure.
 */

/** The build's provenance; fields are absent when the CI system does not say. */
export interface CiContext {
  system: "github" | "codebuild" | "other";
  sha?: string;
  branch?: string;
  buildNumber?: string;
  /** A link or id for messages, e.g. the CodeBuild build id. */
  buildId?: string;
}

const nonEmpty = (s: string | undefined): string | undefined => (s && s.trim() !== "" ? s.trim() : undefined);

/** Reads the CI context from environment variables. */
export function ciContextFromEnv(env: NodeJS.ProcessEnv): CiContext {
  if (env.GITHUB_ACTIONS === "true") {
    return {
      system: "github",
      sha: nonEmpty(env.GITHUB_SHA),
      branch: nonEmpty(env.GITHUB_HEAD_REF) ?? nonEmpty(env.GITHUB_REF_NAME),
      buildNumber: nonEmpty(env.GITHUB_RUN_NUMBER),
      buildId: env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}` : undefined,
    };
  }
  if (env.CODEBUILD_BUILD_ID) {
    const ref = nonEmpty(env.CODEBUILD_WEBHOOK_HEAD_REF) ?? nonEmpty(env.CODEBUILD_SOURCE_VERSION);
    return {
      system: "codebuild",
      sha: nonEmpty(env.CODEBUILD_RESOLVED_SOURCE_VERSION),
      branch: ref && !/^[0-9a-f]{40}$/.test(ref) && !ref.startsWith("pr/") ? ref.replace(/^refs\/heads\//, "") : undefined,
      buildNumber: nonEmpty(env.CODEBUILD_BUILD_NUMBER),
      buildId: env.CODEBUILD_BUILD_ID,
    };
  }
  return { system: "other", sha: nonEmpty(env.SLIPWAY_SOURCE_SHA), branch: nonEmpty(env.SLIPWAY_SOURCE_BRANCH), buildNumber: nonEmpty(env.SLIPWAY_BUILD_NUMBER) };
}
