/**
 * The ApplySet id (KEP-3659): `applyset-` + base64url without padding of
 * sha256(`<name>.<namespace>.<kind>.<group>`) + `-v1`, computed from the parent object.
 */
import { createHash } from "node:crypto";

/** Computes the ApplySet id of a parent object (core group is `""`: `set1.ns.ConfigMap.`). */
export function applySetId(parent: { name: string; namespace: string; kind: string; group: string }): string {
  const digest = createHash("sha256").update(`${parent.name}.${parent.namespace}.${parent.kind}.${parent.group}`).digest("base64url");
  return `applyset-${digest}-v1`;
}
