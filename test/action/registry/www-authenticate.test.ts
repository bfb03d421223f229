import { test } from "node:test";
import assert from "node:assert/strict";
import { parseWwwAuthenticate } from "../../../action/registry/www-authenticate.ts";

test("bearer challenges give realm, service and scope", () => {
  assert.deepEqual(
    parseWwwAuthenticate('Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:shop/account:pull,push"'),
    { scheme: "bearer", params: { realm: "https://auth.example.com/token", service: "registry.example.com", scope: "repository:shop/account:pull,push" } },
  );
});

test("basic challenges, spacing, unquoted values and escaped quotes", () => {
  assert.deepEqual(parseWwwAuthenticate('Basic realm="Registry Realm"'), { scheme: "basic", params: { realm: "Registry Realm" } });
  assert.deepEqual(parseWwwAuthenticate('Bearer  realm = "a\\"b" , error=invalid_token'), {
    scheme: "bearer",
    params: { realm: 'a"b', error: "invalid_token" },
  });
  assert.equal(parseWwwAuthenticate(""), undefined);
  assert.equal(parseWwwAuthenticate(null), undefined);
});
