/**
 * Recognising CodeCommit repositories: the HTTPS form
 * `https://git-codecommit.<region>.amazonaws.com[.cn]/v1/repos/<name>` and the
 * `codecommit::<region>://<name>` shorthand, which is rewritten to HTTPS.
 */

/** A CodeCommit repository address. */
export interface CodeCommitRepo {
  region: string;
  /** Repository name. */
  name: string;
  host: string;
  /** `/v1/repos/<name>`. */
  path: string;
  /** The HTTPS clone URL. */
  url: string;
}

const httpsForm = /^https:\/\/(?:[^@/]+@)?(git-codecommit(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?)(\/v1\/repos\/([^/?#]+))\/?$/;
const shortForm = /^codecommit::([a-z0-9-]+):\/\/(?:[^@/]+@)?([^/?#]+)$/;

/** Returns the CodeCommit repository a git URL points at, or undefined for any other URL. */
export function parseCodeCommitUrl(url: string): CodeCommitRepo | undefined {
  const https = httpsForm.exec(url);
  if (https) {
    const [, host = "", region = "", path = "", name = ""] = https;
    return { region, name, host, path, url: `https://${host}${path}` };
  }
  const short = shortForm.exec(url);
  if (short) {
    const [, region = "", name = ""] = short;
    const host = `git-codecommit.${region}.amazonaws.com${region.startsWith("cn-") ? ".cn" : ""}`;
    const path = `/v1/repos/${name}`;
    return { region, name, host, path, url: `https://${host}${path}` };
  }
  return undefined;
}
