// The registry configuration binds loopback, enables deletion, and adds htpasswd only when asked.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { registryConfigYaml } from "./oci-registry.ts";

interface RegistryConfig {
  http: { addr: string };
  storage: { delete: { enabled: boolean }; filesystem: { rootdirectory: string } };
  auth?: { htpasswd: { path: string } };
}

test("registry config: loopback address, deletion enabled, optional htpasswd", () => {
  const plain = parse(registryConfigYaml({ port: 5000, storageDir: "/s" })) as RegistryConfig;
  assert.equal(plain.http.addr, "127.0.0.1:5000");
  assert.equal(plain.storage.delete.enabled, true);
  assert.equal(plain.storage.filesystem.rootdirectory, "/s");
  assert.equal(plain.auth, undefined);
  const auth = parse(registryConfigYaml({ port: 5001, storageDir: "/s", htpasswdFile: "/h" })) as RegistryConfig;
  assert.equal(auth.auth?.htpasswd.path, "/h");
});
