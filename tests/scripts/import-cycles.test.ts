/**
 * scripts/import-cycles.mjs (part of `npm run lint`): no import cycle among our modules, including cycles through the
 * platform's specifiers (host/modules.json) and the Moddable manifests' module names, which Biome does not resolve.
 * Small source trees written to a temporary folder stand in for the repository.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const script = join(__dirname, "..", "..", "scripts", "import-cycles.mjs");
let dir: string;

function run(root?: string) {
  const r = spawnSync(process.execPath, root === undefined ? [script] : [script, "--root", root], { encoding: "utf8" });
  return { status: r.status, out: r.stdout + r.stderr };
}

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(dir, "tree-"));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text);
  }
  return root;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "import-cycles-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("the repository has no import cycle", () => {
  const r = run();
  expect(r.out).toMatch(/^import-cycles: no cycle among \d+ files/);
  expect(r.status).toBe(0);
});

test("a cycle of relative imports fails and is shown file by file", () => {
  const r = run(
    tree({
      "main.ts": 'import { a } from "./modules/app/a";\nexport const m = a;\n',
      "modules/app/a.ts": 'import { b } from "./b";\nexport const a = 1 + b;\n',
      "modules/app/b.ts": '// b\nimport { c } from "../format/c";\nexport const b = c;\n',
      "modules/format/c.ts": 'export { a as c } from "../app/a";\n',
    }),
  );
  expect(r.status).toBe(1);
  expect(r.out).toContain('modules/app/a.ts:1 imports "./b" → modules/app/b.ts');
  expect(r.out).toContain('modules/app/b.ts:2 imports "../format/c" → modules/format/c.ts');
  expect(r.out).toContain('modules/format/c.ts:1 imports "../app/a" → modules/app/a.ts');
  expect(r.out).not.toContain("main.ts:");
  expect(r.out).toContain("1 cycle(s)");
});

test("a cycle through a platform specifier of host/modules.json fails (device code → host implementation)", () => {
  const r = run(
    tree({
      "host/modules.json": '{ "//": "x", "timer": "host/timer.ts" }',
      "host/timer.ts": 'import { backoff } from "../modules/app/backoff";\nexport default class Timer {}\nbackoff;\n',
      "modules/app/backoff.ts": 'import Timer from "timer";\nexport const backoff = Timer;\n',
    }),
  );
  expect(r.status).toBe(1);
  expect(r.out).toContain('modules/app/backoff.ts:1 imports "timer" → host/timer.ts');
});

test("a cycle through a Moddable manifest's module names (wildcard and board maps) fails", () => {
  const wildcard = run(
    tree({
      "manifest.json": '{ "modules": { "*": "./main", "modules/metrics/*": "./modules/metrics/*" } }',
      "sensors/a.ts": 'import { b } from "modules/metrics/b";\nexport const a = b;\n',
      "modules/metrics/b.ts": 'export * from "../../sensors/a";\nexport const b = 1;\n',
    }),
  );
  expect(wildcard.status).toBe(1);
  expect(wildcard.out).toContain('sensors/a.ts:1 imports "modules/metrics/b" → modules/metrics/b.ts');
  const board = run(
    tree({
      "modules/board/lin/manifest.json": '{ "modules": { "network-monitor": "./network-monitor" } }',
      "modules/board/lin/network-monitor.ts": 'import { n } from "../../app/network";\nexport default n;\n',
      "modules/app/network.ts": 'import Monitor from "network-monitor";\nexport const n = 1;\nMonitor;\n',
    }),
  );
  expect(board.status).toBe(1);
  expect(board.out).toContain(
    'modules/app/network.ts:1 imports "network-monitor" → modules/board/lin/network-monitor.ts',
  );
});

test("require() and import() count; type-only imports and exports do not", () => {
  const lazy = run(
    tree({
      "tests/a.test.ts": 'export function f() { return require("../bench/b"); }\n',
      "bench/b.mjs": 'export const g = () => import("../tests/a.test");\n',
    }),
  );
  expect(lazy.status).toBe(1);
  expect(lazy.out).toContain('bench/b.mjs:1 imports "../tests/a.test" → tests/a.test.ts');
  const types = run(
    tree({
      "modules/metrics/metric.ts":
        'import type { Registry } from "./registry";\nimport { type Counter } from "./counter";\nexport class Metric { r?: Registry; c?: Counter }\n',
      "modules/metrics/registry.ts": 'import { Metric } from "./metric";\nexport class Registry { m = new Metric() }\n',
      "modules/metrics/counter.ts":
        'import { Metric } from "./metric";\nexport type { Registry } from "./registry";\nexport class Counter extends Metric {}\n',
    }),
  );
  expect(types.out).toMatch(/no cycle among 3 files \(2 imports\)/);
  expect(types.status).toBe(0);
});
