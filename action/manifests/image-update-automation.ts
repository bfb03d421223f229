/**
 * The ImageUpdateAutomation object in every served version: v1alpha1 (`spec.checkout.branch`,
 * `spec.commit.authorName/authorEmail/messageTemplate`, `spec.push.branch`) and v1alpha2 … v1
 * (`spec.git.checkout.ref.branch`, `spec.git.commit.author.{name,email}`, `messageTemplate`,
 * `messageTemplateValues`, `spec.git.push.branch`), with `spec.update.path`. Pure.
 */
import { SlipwayError } from "../../core/errors.ts";
import { isRecord, stringAt, valueAt } from "./yaml-fields.ts";
import { imageAutomationGroup } from "../../core/well-known.ts";

/** The API versions this reader accepts. */
export const IMAGE_UPDATE_AUTOMATION_API_VERSIONS: readonly string[] = ["v1alpha1", "v1alpha2", "v1beta1", "v1beta2", "v1"].map(
  (v) => `${imageAutomationGroup}/${v}`,
);

/** What an ImageUpdateAutomation tells the CI step. */
export interface ImageUpdateAutomationObject {
  namespace: string;
  name: string;
  /** `spec.update.path`, default `.` (the repository root). */
  updatePath: string;
  /** The branch to check out; undefined = the GitRepository's (the remote default). */
  checkoutBranch?: string;
  /** The branch to push to; undefined = the checkout branch. */
  pushBranch?: string;
  author?: { name: string; email: string };
  messageTemplate?: string;
  messageTemplateValues: Record<string, string>;
  /** `spec.suspend`. */
  suspended: boolean;
  /** Where it was read, `file:line`. */
  source: string;
}

/** Reads an ImageUpdateAutomation document; errors name `source` and the object. */
export function parseImageUpdateAutomation(doc: unknown, source: string, defaultNamespace: string): ImageUpdateAutomationObject {
  if (!isRecord(doc)) throw new SlipwayError(source, "an ImageUpdateAutomation must be a mapping");
  const apiVersion = doc["apiVersion"];
  if (typeof apiVersion !== "string" || !IMAGE_UPDATE_AUTOMATION_API_VERSIONS.includes(apiVersion)) {
    throw new SlipwayError(source, `ImageUpdateAutomation apiVersion ${JSON.stringify(apiVersion ?? null)} is not one of ${IMAGE_UPDATE_AUTOMATION_API_VERSIONS.join(", ")}`);
  }
  const name = stringAt(doc, ["metadata", "name"], source);
  if (!name) throw new SlipwayError(source, "ImageUpdateAutomation: metadata.name is required");
  const namespace = stringAt(doc, ["metadata", "namespace"], source) || defaultNamespace;
  const subject = `${source}: ImageUpdateAutomation/${namespace}/${name}`;
  const v1alpha1 = apiVersion.endsWith("/v1alpha1");
  const str = (path: string[]): string | undefined => stringAt(doc, path, subject) || undefined;
  const strategy = str(["spec", "update", "strategy"]);
  if (strategy !== undefined && strategy !== "Setters") throw new SlipwayError(subject, `spec.update.strategy ${strategy} is not supported (only Setters)`);
  const authorName = v1alpha1 ? str(["spec", "commit", "authorName"]) : str(["spec", "git", "commit", "author", "name"]);
  const authorEmail = v1alpha1 ? str(["spec", "commit", "authorEmail"]) : str(["spec", "git", "commit", "author", "email"]);
  const rawValues = valueAt(doc, ["spec", "git", "commit", "messageTemplateValues"]);
  const messageTemplateValues: Record<string, string> = {};
  if (rawValues !== undefined && rawValues !== null) {
    if (!isRecord(rawValues)) throw new SlipwayError(subject, "spec.git.commit.messageTemplateValues must be a mapping");
    for (const [k, v] of Object.entries(rawValues)) messageTemplateValues[k] = String(v);
  }
  const pushRefspec = str(["spec", "git", "push", "refspec"]);
  if (pushRefspec !== undefined) throw new SlipwayError(subject, "spec.git.push.refspec is not supported; use spec.git.push.branch");
  return {
    namespace,
    name,
    updatePath: str(["spec", "update", "path"]) ?? ".",
    checkoutBranch: v1alpha1 ? str(["spec", "checkout", "branch"]) : str(["spec", "git", "checkout", "ref", "branch"]),
    pushBranch: v1alpha1 ? str(["spec", "push", "branch"]) : str(["spec", "git", "push", "branch"]),
    author: authorName || authorEmail ? { name: authorName ?? "", email: authorEmail ?? "" } : undefined,
    messageTemplate: v1alpha1 ? str(["spec", "commit", "messageTemplate"]) : str(["spec", "git", "commit", "messageTemplate"]),
    messageTemplateValues,
    suspended: valueAt(doc, ["spec", "suspend"]) === true,
    source,
  };
}
