/**
 * Commit messages from templates in Flux's messageTemplate syntax: the data a template sees is
 * `.AutomationObject` (prints `namespace/name`), `.Changed.FileChanges` (file → object → changes),
 * `.Changed.Changes` (every change once), `.Changed.Objects` (object → changes) and `.Values`
 * (messageTemplateValues). Fields Flux removed (`.Updated`, `.Changed.ImageResult`) are errors.
 * Pure.
 */
import { parseTemplate, type TemplateMap, type TemplateStruct, type TemplateValue } from "./go-template.ts";

/** The object a changed marker sits in. */
export interface ChangedObject {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

/** One value rewritten at a marker. */
export interface CommitChange {
  /** File path relative to the update path (as Flux reports it). */
  file: string;
  /** The object around the marker; absent for a marker outside a Kubernetes object. */
  object?: ChangedObject;
  oldValue: string;
  newValue: string;
  /** The marker's setter, e.g. `flux-system:account` or `flux-system:account:tag`. */
  setter: string;
}

/** What a commit message is rendered from. */
export interface CommitTemplateData {
  /** The ImageUpdateAutomation, `namespace/name`; absent without one. */
  automation?: { namespace: string; name: string };
  changes: CommitChange[];
  /** messageTemplateValues. */
  values?: Record<string, string>;
}

/** Flux's message when an automation has no messageTemplate. */
export const FLUX_DEFAULT_MESSAGE = "Update from image update automation";

const changeStruct = (c: CommitChange): TemplateStruct => ({
  kind: "struct",
  type: "Change",
  fields: { OldValue: c.oldValue, NewValue: c.newValue, Setter: c.setter },
});

const objectStruct = (o: ChangedObject | undefined): TemplateStruct => {
  const obj = o ?? { apiVersion: "", kind: "", namespace: "", name: "" };
  return {
    kind: "struct",
    type: "ObjectIdentifier",
    fields: { APIVersion: obj.apiVersion, Kind: obj.kind, Namespace: obj.namespace, Name: obj.name },
    text: `${obj.kind}/${obj.namespace ? `${obj.namespace}/` : ""}${obj.name}`,
  };
};

const objectKey = (o: ChangedObject | undefined): string => (o ? `${o.kind}\0${o.namespace}\0${o.name}\0${o.apiVersion}` : "");

/** Groups changes by object (sorted by kind, namespace, name), keeping the change order. */
function byObject(changes: CommitChange[]): TemplateMap {
  const groups = new Map<string, { object?: ChangedObject; changes: CommitChange[] }>();
  for (const c of changes) {
    const k = objectKey(c.object);
    const g = groups.get(k) ?? { object: c.object, changes: [] };
    g.changes.push(c);
    groups.set(k, g);
  }
  return {
    kind: "map",
    entries: [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, g]) => [objectStruct(g.object), g.changes.map(changeStruct)]),
  };
}

/** Builds the data tree the template sees, in Flux's shape. */
export function commitTemplateData(data: CommitTemplateData): TemplateStruct {
  const files = [...new Set(data.changes.map((c) => c.file))].sort();
  const seen = new Set<string>();
  const unique = data.changes.filter((c) => {
    const k = `${c.oldValue}\0${c.newValue}\0${c.setter}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  const automation = data.automation ?? { namespace: "", name: "" };
  const values: TemplateMap = {
    kind: "map",
    zero: "", // map[string]string: index of a missing key is ""
    entries: Object.entries(data.values ?? {})
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]): [TemplateValue, TemplateValue] => [k, v]),
  };
  return {
    kind: "struct",
    type: "TemplateData",
    fields: {
      AutomationObject: {
        kind: "struct",
        type: "ObjectKey",
        fields: { Namespace: automation.namespace, Name: automation.name },
        text: `${automation.namespace}/${automation.name}`,
      },
      Changed: {
        kind: "struct",
        type: "ChangeResult",
        fields: {
          // map[string]ObjectChanges: index of a missing file gives an empty map
          FileChanges: { kind: "map", entries: files.map((f) => [f, byObject(data.changes.filter((c) => c.file === f))]), zero: { kind: "map", entries: [] } },
          Changes: unique.map(changeStruct),
          Objects: byObject(data.changes),
        },
        removed: { ImageResult: "removed from Flux's template data; use .Changed.Changes or .Changed.Objects" },
      },
      Values: values,
    },
    removed: { Updated: "removed from Flux's template data; use .Changed" },
  };
}

/**
 * Renders a messageTemplate. `name` (e.g. `ImageUpdateAutomation/flux-system/flux-system` or
 * `input commit-message`) starts any error, with the line and the unsupported field or function.
 */
export function renderCommitMessage(template: string, data: CommitTemplateData, name: string): string {
  return parseTemplate(template, name).execute(commitTemplateData(data));
}

/**
 * Checks that a template parses and renders (run before any work, so a typo fails early): it is
 * executed once on a sample change, so a field that does not exist (Flux's removed `.Updated`,
 * `.Changed.ImageResult`) fails here, not after the image was pushed.
 */
export function checkCommitTemplate(template: string, name: string): void {
  const sample: CommitChange = {
    file: "deploy.yaml",
    object: { apiVersion: "apps/v1", kind: "Deployment", namespace: "default", name: "app" },
    oldValue: "registry.example/app:1",
    newValue: "registry.example/app:2",
    setter: "flux-system:app",
  };
  parseTemplate(template, name).execute(commitTemplateData({ automation: { namespace: "flux-system", name: "sample" }, changes: [sample] }));
}
