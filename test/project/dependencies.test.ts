// package.json against the code: every package the shipped code imports is a dependency, every
// dependency is imported by the shipped code, and every package the rest of the tree imports or
// runs is declared somewhere (dev-only ones in devDependencies), so the list cannot drift again.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import ts from "typescript";

const root = path.resolve(import.meta.dirname, "../..");
const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
};
const dependencies = new Set(Object.keys(pkg.dependencies ?? {}));
const devDependencies = new Set(Object.keys(pkg.devDependencies ?? {}));

/** What the published package runs: the code dist/ is bundled from. */
const SHIPPED = ["core", "action", "agent", "cli"];
/** Everything else that is code: tests, scripts, benchmarks, examples, the lint config. */
const DEVELOPMENT = ["test", "scripts", "bench", "examples"];

function files(dir: string): string[] {
  const abs = path.join(root, dir);
  return readdirSync(abs).flatMap((name) => {
    if (name === "node_modules" || name === "fixtures" || name.startsWith(".")) return [];
    const rel = path.join(dir, name);
    if (statSync(path.join(root, rel)).isDirectory()) return files(rel);
    return /\.(?:ts|js|mjs)$/.test(name) ? [rel] : [];
  });
}

/** The package a module specifier names (`@scope/name/sub` → `@scope/name`), or undefined for relative and built-in modules. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith(".") || specifier.startsWith("/") || specifier.startsWith("node:")) return undefined;
  const parts = specifier.split("/");
  const name = specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? "");
  return builtinModules.includes(name) ? undefined : name;
}

/**
 * Every module specifier in a file: static imports and re-exports (type-only included), dynamic
 * `import("x")`, `typeof import("x")` types, and `require("x")`.
 */
function specifiers(file: string): string[] {
  const text = readFileSync(path.join(root, file), "utf8");
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      out.push(node.moduleSpecifier.text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      out.push(node.argument.literal.text);
    } else if (ts.isCallExpression(node) && node.arguments.length === 1 && ts.isStringLiteral(node.arguments[0] as ts.Expression)) {
      const isImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === "require";
      if (isImport || isRequire) out.push((node.arguments[0] as ts.StringLiteral).text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** Packages imported by the files under `dirs`, each with the first file that imports it. */
function importedBy(dirs: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of dirs.flatMap(files)) {
    for (const s of specifiers(file)) {
      const name = packageOf(s);
      if (name && !found.has(name)) found.set(name, file);
    }
  }
  return found;
}

test("module specifiers map to package names", () => {
  assert.equal(packageOf("@aws-sdk/client-ecr"), "@aws-sdk/client-ecr");
  assert.equal(packageOf("@actions/core/lib/x"), "@actions/core");
  assert.equal(packageOf("yaml"), "yaml");
  assert.equal(packageOf("ignore/index.js"), "ignore");
  assert.equal(packageOf("node:fs"), undefined);
  assert.equal(packageOf("fs"), undefined);
  assert.equal(packageOf("../core/errors.ts"), undefined);
});

test("every package the shipped code imports is declared in dependencies", () => {
  const missing = [...importedBy(SHIPPED)].filter(([name]) => !dependencies.has(name)).map(([name, file]) => `${name} (imported by ${file})`);
  assert.deepEqual(missing, [], "add these to dependencies (not devDependencies: the shipped code needs them)");
});

test("every dependency is imported by the shipped code", () => {
  const used = importedBy(SHIPPED);
  const unused = [...dependencies].filter((name) => !used.has(name));
  assert.deepEqual(unused, [], "remove these, or move them to devDependencies when only tests or scripts use them");
});

test("every package tests, scripts, benchmarks and the lint config import is declared", () => {
  const imported = importedBy(DEVELOPMENT);
  for (const s of specifiers("eslint.config.js")) {
    const name = packageOf(s);
    if (name && !imported.has(name)) imported.set(name, "eslint.config.js");
  }
  const missing = [...imported].filter(([name]) => !dependencies.has(name) && !devDependencies.has(name)).map(([name, file]) => `${name} (imported by ${file})`);
  assert.deepEqual(missing, []);
});

test("every devDependency is imported, run by scripts/dev.sh, or the types of a declared package", () => {
  const imported = new Set([...importedBy([...SHIPPED, ...DEVELOPMENT]).keys(), ...specifiers("eslint.config.js").flatMap((s) => packageOf(s) ?? [])]);
  const devScript = readFileSync(path.join(root, "scripts/dev.sh"), "utf8");
  const unused = [...devDependencies].filter((name) => {
    if (imported.has(name)) return false;
    if (devScript.includes(`node_modules/.bin/${name}`)) return false;
    const typesOf = /^@types\/(.+)$/.exec(name)?.[1];
    if (typesOf === "node" || (typesOf && (dependencies.has(typesOf) || devDependencies.has(typesOf)))) return false;
    return true;
  });
  assert.deepEqual(unused, []);
});
