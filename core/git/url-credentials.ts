/**
 * Credentials written into a git remote URL, found the same way wherever a URL comes in (the CI
 * step's inputs, the agent's configuration), so that a token never travels in a URL that git,
 * a log or a process list would show. What counts: any userinfo in http(s), git and file URLs (a
 * lone `https://TOKEN@host` is a token), a password in ssh URLs and scp-like remotes
 * (`ssh://git@host` and `git@host:path` only name the account), and anything before `@` in
 * CodeCommit's `codecommit::region://name` (CodeCommit signs from the AWS credential chain).
 */

/** Where the credentials sit: a scheme URL's userinfo, an scp-like remote's password, or a CodeCommit name. */
export type UrlCredentials = "userinfo" | "scp-password" | "codecommit";

/** The written form of a git remote: `scheme://authority…` (scheme lower-cased), `codecommit::region://name`, or scp-like `user@host:path`. */
export type GitUrlForm =
  | { form: "scheme"; scheme: string; authority: string }
  | { form: "codecommit"; name: string }
  | { form: "scp"; user: string };

/** The schemes git remotes use here. */
export const GIT_URL_SCHEMES: readonly string[] = ["http", "https", "ssh", "git", "file"];

/** Which form `url` is written in, or undefined when it is none of them. Pure. */
export function gitUrlForm(url: string): GitUrlForm | undefined {
  const v = url.trim();
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)/.exec(v);
  if (scheme) return { form: "scheme", scheme: (scheme[1] ?? "").toLowerCase(), authority: scheme[2] ?? "" };
  const codecommit = /^codecommit::[a-z0-9-]+:\/\/(\S+)$/.exec(v);
  if (codecommit) return { form: "codecommit", name: codecommit[1] ?? "" };
  const scp = /^([^\s/@]+)@[^\s/:]+:\S+$/.exec(v);
  if (scp) return { form: "scp", user: scp[1] ?? "" };
  return undefined;
}

/** The kind of credentials `url` carries, or undefined when it carries none (or is no git URL). Pure. */
export function credentialsInGitUrl(url: string): UrlCredentials | undefined {
  const f = gitUrlForm(url);
  if (!f) return undefined;
  if (f.form === "codecommit") return f.name.includes("@") ? "codecommit" : undefined;
  if (f.form === "scp") return f.user.includes(":") ? "scp-password" : undefined;
  const at = f.authority.lastIndexOf("@");
  if (at < 0 || !GIT_URL_SCHEMES.includes(f.scheme)) return undefined;
  return f.scheme !== "ssh" || f.authority.slice(0, at).includes(":") ? "userinfo" : undefined;
}
