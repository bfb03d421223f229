/**
 * The trailers the CI step writes into the manifest commit, so that the agent knows which app
 * commit and image a manifest commit delivers (and can post its commit status on the app commit):
 *
 *     Slipway-Source: https://github.com/acme/account@<app commit sha>
 *     Slipway-Image: 123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/shop/account:20210608052721@sha256:…
 *
 * The source repository comes from the CI system (`GITHUB_SERVER_URL`/`GITHUB_REPOSITORY`,
 * CodeBuild's `CODEBUILD_SOURCE_REPO_URL`, else `SLIPWAY_SOURCE_REPO`), the commit from the CI
 * context; a trailer whose parts are unknown is left out. Userinfo in a URL is dropped. Pure.
 */
import type { CiContext } from "./ci-context.ts";

/** The trailer keys. */
export const sourceTrailer = "Slipway-Source";
/** The image trailer key. */
export const imageTrailer = "Slipway-Image";

function withoutUserinfo(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    return u.toString().replace(/\/$/, "");
  } catch {
    return url.replace(/^([a-z]+:\/\/)[^@/]*@/i, "$1");
  }
}

/** The source repository's URL as the CI system gives it, or undefined. */
export function sourceRepository(env: NodeJS.ProcessEnv): string | undefined {
  if (env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY) return `${env.GITHUB_SERVER_URL.replace(/\/+$/, "")}/${env.GITHUB_REPOSITORY}`;
  const other = env.CODEBUILD_SOURCE_REPO_URL || env.SLIPWAY_SOURCE_REPO;
  return other ? withoutUserinfo(other.trim()).replace(/\.git$/, "") : undefined;
}

/** The trailers for a manifest commit that delivers `pushed`, built from the app commit in `ci`. */
export function deliveryTrailers(env: NodeJS.ProcessEnv, ci: CiContext, pushed: { image: string; tag: string; digest?: string }): string[] {
  const out: string[] = [];
  const repo = sourceRepository(env);
  if (repo && ci.sha && /^[0-9a-f]{40}$/i.test(ci.sha)) out.push(`${sourceTrailer}: ${repo}@${ci.sha.toLowerCase()}`);
  if (pushed.digest) out.push(`${imageTrailer}: ${pushed.image}:${pushed.tag}@${pushed.digest}`);
  return out;
}
