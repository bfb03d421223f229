/**
 * The decryption step of one sync's reconcile: the keys of `decryption.secretRef` (when set), a
 * decryptor over the sops program, and the build decrypted. Unused key entries are passed to
 * `warn`. Throws (failing the build, nothing applied) on the first problem, naming file and object.
 */
import type { KubeClient } from "../kube/kube-client.ts";
import type { KubeObject } from "../kube/kube-object.ts";
import { decryptObjects, hasEncrypted } from "./decrypt-objects.ts";
import { readDecryptionKeys } from "./decryption-keys.ts";
import { createSopsDecryptor } from "./sops-program.ts";

/** Decrypts `objects` built from `root` for a Kustomization in `namespace`. */
export async function decryptSync(input: { client: KubeClient; namespace: string; decryption: { secretRef?: string }; objects: KubeObject[]; root: string; signal?: AbortSignal; warn?: (message: string) => void }): Promise<KubeObject[]> {
  if (!hasEncrypted(input.objects)) return input.objects;
  const keys = input.decryption.secretRef ? await readDecryptionKeys(input.client, input.namespace, input.decryption.secretRef, input.signal) : { ageKeys: [], ignored: [] };
  for (const w of keys.ignored) input.warn?.(w);
  const decryptor = createSopsDecryptor({ ageKeys: keys.ageKeys, ...(keys.awsKms ? { awsKms: keys.awsKms } : {}) });
  return (await decryptObjects(input.objects, { decryptor, root: input.root, ...(input.signal ? { signal: input.signal } : {}) })).objects;
}
