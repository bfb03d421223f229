/**
 * Splitting a full image reference (`host/path:tag`) into its name and tag. The tag is what
 * follows the last `:` after the last `/`, so a registry port is never mistaken for a tag.
 */

/** `{ name: "127.0.0.1:5000/shop/account", tag: "20210608052721" }` for `127.0.0.1:5000/shop/account:20210608052721`. */
export function splitRef(ref: string): { name: string; tag?: string } {
  const at = ref.indexOf("@");
  const noDigest = at === -1 ? ref : ref.slice(0, at);
  const colon = noDigest.lastIndexOf(":");
  if (colon > noDigest.lastIndexOf("/")) return { name: noDigest.slice(0, colon), tag: noDigest.slice(colon + 1) };
  return { name: noDigest };
}
