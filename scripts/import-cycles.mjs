#!/usr/bin/env node
/**
 * Import-cycle check (part of `npm run lint`): fails when our modules import each other in a circle.
 *
 *   node scripts/import-cycles.mjs [--root <dir>]
 *
 * Nodes: every .ts/.mts/.js/.mjs file (not .d.ts) of main.ts, modules/, sensors/, host/, scripts/, bench/ and tests/.
 * Edges: import and export-from declarations, `import x = require()`, `require()` and `import()` calls, except
 * type-only ones (`import type`, `export type`, or every named binding marked `type`): those are erased at build.
 * A specifier resolves as the builds resolve it:
 *  - relative paths, with the extensions the bundlers try (.ts, .mts, .js, .mjs, /index.ts);
 *  - the platform's specifiers ("timer", "embedded:io/i2c", ...) to their Node implementations (host/modules.json);
 *  - the module names of the Moddable manifests ("modules" of manifest.json and of modules/ and sensors/
 *    manifests, wildcards included): a name mapped by several manifests (a board module) has an edge to each.
 * Biome's noImportCycles rule sees only the relative paths, so a cycle through "timer" or "embedded:io/i2c" (device
 * code → host implementation → device code) would pass it; this check sees both.
 * Prints each cycle as a chain of files and exits 1 when there is one; exits 0 and prints a count otherwise.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const SOURCES = ["main.ts", "modules", "sensors", "host", "scripts", "bench", "tests"];
const SKIP_DIRS = new Set(["node_modules", ".git", ".cache", "build", "coverage"]);
const CODE = /\.(?:ts|mts|cts|js|mjs|cjs)$/;
const EXTENSIONS = ["", ".ts", ".mts", ".js", ".mjs", "/index.ts", "/index.js"];

function walk(root, rel, out) {
  const abs = join(root, rel);
  if (!existsSync(abs)) return;
  if (statSync(abs).isFile()) {
    if (CODE.test(rel) && !rel.endsWith(".d.ts")) out.push(rel);
    return;
  }
  for (const entry of readdirSync(abs, { withFileTypes: true })) {
    if (entry.isDirectory() && SKIP_DIRS.has(entry.name)) continue;
    walk(root, rel + "/" + entry.name, out);
  }
}

/** Our source files, relative to root with "/" separators, sorted. */
export function sourceFiles(root) {
  const out = [];
  for (const s of SOURCES) walk(root, s, out);
  return out.sort();
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/** The file a path without extension names (as the bundlers try extensions), or undefined. */
function probe(root, base) {
  for (const ext of EXTENSIONS) {
    const abs = base + ext;
    if (existsSync(abs) && statSync(abs).isFile()) return relative(root, abs).split(sep).join("/");
  }
  return undefined;
}

/** Module names → target paths without extension (absolute), from host/modules.json and our Moddable manifests. */
export function aliases(root) {
  const exact = new Map();
  const wildcards = [];
  const add = (name, target) => {
    if (name.endsWith("*")) wildcards.push({ prefix: name.slice(0, -1), target: target.replace(/\*$/, "") });
    else exact.set(name, [...(exact.get(name) ?? []), target]);
  };
  const host = readJson(join(root, "host", "modules.json")) ?? {};
  for (const [name, file] of Object.entries(host)) if (name !== "//") add(name, join(root, file));
  const manifests = ["manifest.json"];
  for (const dir of ["modules", "sensors"]) {
    const files = [];
    const collect = (rel) => {
      const abs = join(root, rel);
      if (!existsSync(abs)) return;
      for (const e of readdirSync(abs, { withFileTypes: true })) {
        if (e.isDirectory()) collect(rel + "/" + e.name);
        else if (e.name === "manifest.json") files.push(rel + "/" + e.name);
      }
    };
    collect(dir);
    manifests.push(...files);
  }
  for (const m of manifests) {
    const modules = readJson(join(root, m))?.modules ?? {};
    for (const [name, target] of Object.entries(modules)) {
      if (name === "*" || typeof target !== "string" || target.startsWith("$(")) continue;
      add(name, join(root, dirname(m), target));
    }
  }
  return { exact, wildcards };
}

/** The files a specifier names (several for a module each board maps), or [] (a platform or npm module). */
export function resolveSpecifier(root, table, from, specifier) {
  if (specifier.startsWith("./") || specifier.startsWith("../")) {
    const found = probe(root, resolve(root, dirname(from), specifier));
    return found ? [found] : [];
  }
  const targets = table.exact.get(specifier) ?? [];
  if (targets.length === 0) {
    for (const w of table.wildcards)
      if (specifier.startsWith(w.prefix)) targets.push(w.target + specifier.slice(w.prefix.length));
  }
  return targets.map((t) => probe(root, t)).filter((f) => f !== undefined);
}

function typeOnlyImport(node) {
  const clause = node.importClause;
  if (!clause) return false; // import "x": runs the module
  if (clause.isTypeOnly) return true;
  if (clause.name) return false;
  const b = clause.namedBindings;
  return b !== undefined && ts.isNamedImports(b) && b.elements.length > 0 && b.elements.every((e) => e.isTypeOnly);
}

function typeOnlyExport(node) {
  if (node.isTypeOnly) return true;
  const c = node.exportClause;
  return c !== undefined && ts.isNamedExports(c) && c.elements.length > 0 && c.elements.every((e) => e.isTypeOnly);
}

/** The specifiers a file imports at run time, with the line of each. */
export function importsOf(file, text) {
  const kind = /\.[mc]?js$/.test(file) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, kind);
  const out = [];
  const add = (literal) =>
    out.push({ specifier: literal.text, line: sf.getLineAndCharacterOfPosition(literal.getStart(sf)).line + 1 });
  const visit = (node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      if (!typeOnlyImport(node)) add(node.moduleSpecifier);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      if (!typeOnlyExport(node)) add(node.moduleSpecifier);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      if (!node.isTypeOnly && ts.isStringLiteral(node.moduleReference.expression)) add(node.moduleReference.expression);
    } else if (ts.isCallExpression(node) && node.arguments.length >= 1 && ts.isStringLiteralLike(node.arguments[0])) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === "require"))
        add(node.arguments[0]);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** The import graph of our files: file → [{ to, line, specifier }]. */
export function importGraph(root) {
  const table = aliases(root);
  const graph = new Map();
  for (const file of sourceFiles(root)) {
    const edges = [];
    for (const { specifier, line } of importsOf(file, readFileSync(join(root, file), "utf8")))
      for (const to of resolveSpecifier(root, table, file, specifier))
        if (to !== file) edges.push({ to, line, specifier });
    graph.set(file, edges);
  }
  return graph;
}

/** One cycle per strongly connected component of more than one file: [{ from, line, specifier, to }, ...]. */
export function findCycles(graph) {
  // Tarjan's algorithm, iterative
  let counter = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const components = [];
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work = [{ node: start, i: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const edges = graph.get(frame.node) ?? [];
      if (frame.i < edges.length) {
        const to = edges[frame.i++].to;
        if (!graph.has(to)) continue;
        if (!index.has(to)) {
          index.set(to, counter);
          low.set(to, counter++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, i: 0 });
        } else if (onStack.has(to)) low.set(frame.node, Math.min(low.get(frame.node), index.get(to)));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].node;
        low.set(parent, Math.min(low.get(parent), low.get(frame.node)));
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const component = [];
        let n;
        do {
          n = stack.pop();
          onStack.delete(n);
          component.push(n);
        } while (n !== frame.node);
        if (component.length > 1) components.push(component);
      }
    }
  }
  // a concrete cycle in each component: the shortest path from its first file (sorted) back to it
  return components.map((component) => {
    const members = new Set(component);
    const first = [...component].sort()[0];
    const via = new Map();
    const queue = [first];
    for (let q = 0; q < queue.length; q++) {
      const node = queue[q];
      for (const e of graph.get(node)) {
        if (!members.has(e.to)) continue;
        if (e.to === first) {
          const chain = [{ from: node, ...e }];
          for (let n = node; n !== first; ) {
            const step = via.get(n);
            chain.unshift(step);
            n = step.from;
          }
          return chain;
        }
        if (!via.has(e.to)) {
          via.set(e.to, { from: node, ...e });
          queue.push(e.to);
        }
      }
    }
    throw new Error("import-cycles: no cycle found in a strongly connected component"); // unreachable
  });
}

function main(argv) {
  let root = join(dirname(fileURLToPath(import.meta.url)), "..");
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--root" && i + 1 < argv.length) root = resolve(argv[++i]);
    else {
      console.error(`import-cycles: unknown argument ${argv[i]}\nusage: node scripts/import-cycles.mjs [--root <dir>]`);
      return 2;
    }
  }
  const graph = importGraph(root);
  const cycles = findCycles(graph);
  let edges = 0;
  for (const e of graph.values()) edges += e.length;
  if (cycles.length === 0) {
    console.log(`import-cycles: no cycle among ${graph.size} files (${edges} imports)`);
    return 0;
  }
  for (const chain of cycles) {
    console.error("import cycle:");
    for (const step of chain) console.error(`  ${step.from}:${step.line} imports "${step.specifier}" → ${step.to}`);
  }
  console.error(`import-cycles: ${cycles.length} cycle(s) among ${graph.size} files`);
  return 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  process.exitCode = main(process.argv.slice(2));
