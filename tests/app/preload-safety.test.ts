/**
 * Preload safety. manifest.json preloads our modules: the Moddable linker (xsl) runs their bodies at build time and
 * puts what they create in flash. At run time on the device:
 *  - built-in prototypes (Error.prototype, Object.prototype ...) and every function (classes and their statics) are
 *    frozen: `this.name = "X"` in an Error subclass throws ("set name: not writable"), as does writing a static;
 *  - Map/Set/WeakMap/WeakSet created at load time throw on set/add/delete/clear; ArrayBuffer/typed array/DataView
 *    contents are read-only ("read-only buffer");
 *  - a RegExp created at load time crashes the engine when it runs (XS writes into it; SIGSEGV in the simulator);
 *  - plain objects, arrays and `let` variables stay writable (aliased in RAM).
 * (Moddable documentation/xs/preload.md and "XS linker warnings.md", checked on the SDK 8.2.3 simulator.)
 *
 * 1. A source scan: no regex literal and no `new ...` evaluated while a device module loads, except reviewed ones.
 * 2. A run on Node that reproduces those rules: every device module is loaded with the constructors above tracked,
 *    then what the linker freezes is frozen (built-in prototypes and constructors, every function reachable from the
 *    modules' exports), the tracked collections made to throw like XS and their buffers snapshotted; then main.ts
 *    (not preloaded, as on the device) runs the exporter with the lin simulator's I2C (modules/board/lin/sim-i2c.ts),
 *    is scraped over real TCP, config validation and sensor errors are exercised, and no buffer may have changed.
 * 3. The device modules are derived from the manifests (manifest.json and what it includes; every file of main.ts,
 *    modules/ and sensors/ must be mapped by one): each is preloaded by exact name or listed in NOT_PRELOADED with
 *    the reason, so a new module cannot be forgotten.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import ts from "typescript";
import { listCode, moduleMap, preloaded, root } from "../support/manifest";
import { freePort } from "../support/net";
import { Signal, until } from "../support/wait";

const MODULES = moduleMap();

/** TypeScript device modules, as the manifests map them (main.ts excepted: it is not preloaded). */
const DEVICE_FILES = [...new Set([...MODULES.values()].flat())]
  .filter((f) => f.endsWith(".ts") && f !== "main.ts")
  .sort();

// ---------------------------------------------------------------------------------------------------------------
// 1. source scan

/** `new ...` evaluated at load time that were reviewed: "file:variable" → why it is safe. */
const ALLOWED_AT_LOAD: Record<string, string> = {
  "modules/http/parser.ts:TCHAR": "a table filled while the module loads, only read afterwards",
  "modules/client/index.ts:register":
    "prom-client's default registry: a stateless Proxy whose Registry is created on first use, at run time",
};

interface Finding {
  file: string;
  line: number;
  what: string;
  key: string;
}

function isFunctionLike(node: ts.Node): boolean {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isFunctionExpression(node) ||
    ts.isArrowFunction(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node)
  );
}

function isStatic(node: ts.Node): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.StaticKeyword);
}

/** True when `node` is evaluated while the module body runs (not inside a function or an instance field). */
function atLoadTime(node: ts.Node): boolean {
  for (let p = node.parent; p && !ts.isSourceFile(p); p = p.parent) {
    if (isFunctionLike(p)) {
      // an immediately invoked function at load time runs at load time
      const call = ts.isParenthesizedExpression(p.parent) ? p.parent.parent : p.parent;
      if (
        call &&
        ts.isCallExpression(call) &&
        (call.expression === p || call.expression === p.parent) &&
        atLoadTime(call)
      )
        return true;
      return false;
    }
    if (ts.isPropertyDeclaration(p) && !isStatic(p)) return false;
  }
  return true;
}

function declaredName(node: ts.Node): string {
  for (let p = node.parent; p && !ts.isSourceFile(p); p = p.parent) {
    if (ts.isVariableDeclaration(p) && ts.isIdentifier(p.name)) return p.name.text;
    if (ts.isPropertyDeclaration(p) && ts.isIdentifier(p.name)) return p.name.text;
  }
  return "?";
}

function extendsError(cls: ts.ClassLikeDeclaration): boolean {
  return (cls.heritageClauses ?? []).some((h) => h.types.some((t) => /Error$/.test(t.expression.getText())));
}

function scanSource(file: string, text: string): Finding[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const findings: Finding[] = [];
  const add = (node: ts.Node, what: string) => {
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
    findings.push({ file, line, what, key: file + ":" + declaredName(node) });
  };
  const visit = (node: ts.Node): void => {
    if (node.kind === ts.SyntaxKind.RegularExpressionLiteral && atLoadTime(node))
      add(node, "regex literal created at load time");
    if (ts.isNewExpression(node) && atLoadTime(node)) add(node, `new ${node.expression.getText(sf)} at load time`);
    if (ts.isCallExpression(node) && node.expression.getText(sf) === "RegExp" && atLoadTime(node))
      add(node, "RegExp() at load time");
    // `this.name = ...` in an Error subclass assigns over the frozen Error.prototype.name
    if (
      ts.isBinaryExpression(node) &&
      node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      ts.isPropertyAccessExpression(node.left) &&
      node.left.expression.kind === ts.SyntaxKind.ThisKeyword &&
      ["name", "message", "stack", "cause", "toString", "constructor"].includes(node.left.name.text)
    ) {
      let cls: ts.Node | undefined = node.parent;
      while (cls && !ts.isClassLike(cls)) cls = cls.parent;
      if (cls && extendsError(cls as ts.ClassLikeDeclaration))
        add(node, `this.${node.left.name.text} = ... in an Error subclass`);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return findings;
}

describe("preload safety: source scan of the device modules", () => {
  test("finds what it must (regex, buffers, maps at load time; this.name in an Error subclass)", () => {
    const bad = [
      "const re = /a+/;",
      "const view = new DataView(new ArrayBuffer(8));",
      "export const m = new Map();",
      "class A { static s = new Set(); }",
      "const t = (() => new Uint8Array(4))();",
      "class E extends Error { constructor() { super('x'); this.name = 'E'; } }",
    ];
    for (const src of bad) expect(scanSource("x.ts", src).length).toBeGreaterThan(0);
    const fine = [
      "let re: RegExp | undefined; export function f(s: string) { re ??= new RegExp('a+'); return re.test(s); }",
      "export function g() { return /a+/.test('a'); }",
      "class B { #m = new Map(); readonly v = new DataView(new ArrayBuffer(8)); }",
      "class E extends Error { override readonly name = 'E'; }",
      "class C { name = ''; constructor() { this.name = 'c'; } }",
    ];
    for (const src of fine) expect(scanSource("x.ts", src)).toEqual([]);
  });

  test("no device module creates a regex, buffer, collection or object at load time (except reviewed ones)", () => {
    const findings = DEVICE_FILES.flatMap((f) => scanSource(f, fs.readFileSync(path.join(root, f), "utf8")));
    const unexpected = findings.filter((f) => !(f.key in ALLOWED_AT_LOAD) || f.what.startsWith("this."));
    expect(unexpected.map((f) => `${f.file}:${f.line}: ${f.what}`)).toEqual([]);
    // every allowance is still needed (a stale entry would hide a new finding of the same name)
    for (const key of Object.keys(ALLOWED_AT_LOAD)) expect(findings.map((f) => f.key)).toContain(key);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 3. the preload list

/** Device modules deliberately not preloaded: module name → why. Every other module must be in a preload list. */
const NOT_PRELOADED: Record<string, string> = {
  main: "starts the exporter when it loads: preloaded, it would run in the linker at build time",
  "device-info": "calls a native function (getPlatform) at top level, which the linker cannot run",
  "embedded:io/i2c": "simulator build (lin) only: the simulated I2C bus (modules/board/lin/sim-i2c), not on the device",
  "simulators/bus": "simulator build (lin) only: the chip simulators' bus",
  "simulators/i2c": "simulator build (lin) only: the I2C class on a simulated bus",
  "simulators/devices": "simulator build (lin) only: which simulated chip sits at which address",
  "simulators/si7021": "simulator build (lin) only: the Si7021 simulator",
  "simulators/bme680": "simulator build (lin) only: the BME680/BME688 simulator",
};

describe("preload safety: the preload lists of the manifests", () => {
  const preload = preloaded();

  test("every device module file (main.ts, modules/, sensors/) is in the build: a manifest maps it", () => {
    const mapped = new Set([...MODULES.values()].flat());
    const files = ["main.ts", ...listCode("modules"), ...listCode("sensors")];
    expect(files.filter((f) => !mapped.has(f))).toEqual([]);
  });

  test("every device module is preloaded by exact name, or listed in NOT_PRELOADED with a reason", () => {
    const forgotten = [...MODULES].filter(([name]) => !preload.includes(name) && !(name in NOT_PRELOADED));
    expect(forgotten.map(([name, files]) => `${name} (${files.join(", ")})`)).toEqual([]);
    for (const [name, why] of Object.entries(NOT_PRELOADED)) {
      expect([name, MODULES.has(name)]).toEqual([name, true]); // no stale entry
      expect([name, preload.includes(name)]).toEqual([name, false]);
      expect(why.length).toBeGreaterThan(20);
    }
  });

  test("every preloaded name is a module the manifests map (no stale name), once, and no wildcard", () => {
    expect(preload.filter((name) => !MODULES.has(name))).toEqual([]);
    expect(preload.filter((name) => name.includes("*"))).toEqual([]); // mcconfig applies wildcards to .js only
    expect(new Set(preload).size).toBe(preload.length);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 2. the run with preloading's rules

const TYPED = [
  "Int8Array",
  "Uint8Array",
  "Uint8ClampedArray",
  "Int16Array",
  "Uint16Array",
  "Int32Array",
  "Uint32Array",
  "Float32Array",
  "Float64Array",
  "BigInt64Array",
  "BigUint64Array",
] as const;
const COLLECTIONS: Record<string, string[]> = {
  Map: ["set", "delete", "clear"],
  Set: ["add", "delete", "clear"],
  WeakMap: ["set", "delete"],
  WeakSet: ["add", "delete"],
};

type Snapshot = { what: string; object: ArrayBuffer | ArrayBufferView; bytes: Uint8Array };

function bytesOf(o: ArrayBuffer | ArrayBufferView): Uint8Array {
  return o instanceof ArrayBuffer
    ? new Uint8Array(o.slice(0))
    : new Uint8Array(o.buffer.slice(o.byteOffset, o.byteOffset + o.byteLength));
}

/** Replaces the global constructors by subclasses that record their instances while `recording`. */
function trackConstructors() {
  const g = globalThis as unknown as Record<string, any>;
  const saved: Record<string, any> = {};
  const created: { what: string; object: object }[] = [];
  let recording = true;
  for (const name of [...Object.keys(COLLECTIONS), ...TYPED, "DataView", "ArrayBuffer"]) {
    const Base = g[name];
    saved[name] = Base;
    const Tracked = class extends Base {
      constructor(...args: unknown[]) {
        super(...args);
        if (recording) created.push({ what: name, object: this });
      }
    };
    Object.defineProperty(Tracked, "name", { value: Base.name });
    g[name] = Tracked;
  }
  return {
    created,
    stop() {
      recording = false;
      for (const name of Object.keys(saved)) g[name] = saved[name];
    },
  };
}

/** What xsl does to what preloading created: collections throw when changed, buffers are snapshotted. */
function romify(created: { what: string; object: any }[]): Snapshot[] {
  const snapshots: Snapshot[] = [];
  for (const { what, object } of created) {
    const methods = COLLECTIONS[what];
    if (methods) {
      for (const m of methods)
        Object.defineProperty(object, m, {
          value() {
            throw new TypeError(`${m}: read-only ${what} (created while a preloaded module loaded)`);
          },
        });
      continue;
    }
    if (what === "DataView") {
      for (const key of Object.getOwnPropertyNames(DataView.prototype))
        if (key.startsWith("set"))
          Object.defineProperty(object, key, {
            value() {
              throw new TypeError(`${key}: read-only buffer (a DataView created while a preloaded module loaded)`);
            },
          });
    } else if (what !== "ArrayBuffer") {
      for (const m of ["set", "fill", "copyWithin", "reverse", "sort"])
        Object.defineProperty(object, m, {
          value() {
            throw new TypeError(`${m}: read-only buffer (a ${what} created while a preloaded module loaded)`);
          },
        });
    }
    snapshots.push({ what, object, bytes: bytesOf(object) });
  }
  return snapshots;
}

/** The linker freezes built-in prototypes and constructors, and every function of the preloaded modules. */
function freezeLikeXsl(namespaces: object[]): void {
  const g = globalThis as unknown as Record<string, any>;
  const builtins = [
    "Object",
    "Function",
    "Array",
    "String",
    "Number",
    "Boolean",
    "Symbol",
    "BigInt",
    "Error",
    "TypeError",
    "RangeError",
    "SyntaxError",
    "ReferenceError",
    "EvalError",
    "URIError",
    "AggregateError",
    "Promise",
    "RegExp",
    "Date",
    "Map",
    "Set",
    "WeakMap",
    "WeakSet",
    "WeakRef",
    "FinalizationRegistry",
    "ArrayBuffer",
    "DataView",
    ...TYPED,
  ];
  const intrinsics: object[] = [
    Math,
    JSON,
    Reflect,
    Object.getPrototypeOf(Uint8Array),
    Object.getPrototypeOf(Uint8Array.prototype),
    Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())),
    Object.getPrototypeOf([][Symbol.iterator]()),
    Object.getPrototypeOf(new Map().entries()),
    Object.getPrototypeOf(""[Symbol.iterator]()),
  ];
  for (const name of builtins) if (g[name]) intrinsics.push(g[name], g[name].prototype);
  // One concession, for jest's own failure reports (it assigns `message` on errors created without one): `message`
  // set on an error defines an own property, as the Moddable preload guide shows. Device code assigning
  // `this.message` in an Error subclass is caught by the source scan instead. `name` and the rest stay frozen.
  Object.defineProperty(Error.prototype, "message", {
    get: () => "",
    set(this: object, value: unknown) {
      Object.defineProperty(this, "message", { value, writable: true, configurable: true });
    },
  });
  for (const o of intrinsics) Object.freeze(o);
  const seen = new Set<unknown>();
  const walk = (value: unknown, depth: number): void => {
    if (value === null || (typeof value !== "object" && typeof value !== "function") || seen.has(value) || depth > 6)
      return;
    seen.add(value);
    if (typeof value === "function") Object.freeze(value);
    for (const key of Reflect.ownKeys(value as object)) {
      const d = Object.getOwnPropertyDescriptor(value, key);
      if (!d) continue;
      if ("value" in d) walk(d.value, depth + 1);
      if (d.get) walk(d.get, depth + 1);
      if (d.set) walk(d.set, depth + 1);
    }
    if (typeof value === "function") walk((value as { prototype?: unknown }).prototype, depth + 1);
  };
  for (const ns of namespaces) walk(ns, 0);
}

function get(
  port: number,
  pathname: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; complete: boolean }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path: pathname, agent: false, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, complete: res.complete }));
      res.on("error", reject);
    });
    req.on("error", reject);
  });
}

describe("preload safety: the exporter runs under preloading's rules", () => {
  const lines: string[] = [];
  const logged = new Signal();
  // waits for a log line; gives up after 10 s with the log (a failure, not a hang until jest's timeout)
  const logShows = (predicate: () => boolean, what: string) =>
    until(predicate, { on: logged, what, timeoutMs: 10000, detail: () => "log:\n" + lines.join("\n") });
  let main: { stop(): void } | undefined;
  let snapshots: Snapshot[] = [];
  let port = 0;
  const savedPort = process.env.MC_CONFIG_port;

  beforeAll(async () => {
    port = await freePort();
    process.env.MC_CONFIG_port = String(port);
    jest.spyOn(console, "log").mockImplementation((line: unknown) => {
      lines.push(String(line));
      logged.notify();
    });
    // the platform's own modules (here: host/*) first, untracked: on a device they are the SDK's
    const hostModules = JSON.parse(fs.readFileSync(path.join(root, "host", "modules.json"), "utf8")) as Record<
      string,
      string
    >;
    for (const specifier of Object.keys(hostModules)) if (specifier !== "//") require(specifier);
    // embedded:io/i2c as in the lin build: the simulated bus and chips of modules/board/lin/sim-i2c.ts
    jest.doMock("embedded:io/i2c", () => require("../../modules/board/lin/sim-i2c"));

    const tracking = trackConstructors();
    const namespaces: object[] = [];
    try {
      namespaces.push(require("embedded:io/i2c"));
      for (const file of DEVICE_FILES)
        if (!file.startsWith("modules/board/")) namespaces.push(require(path.join(root, file)));
    } finally {
      tracking.stop();
    }
    snapshots = romify(tracking.created);
    freezeLikeXsl(namespaces);
  });

  afterAll(() => {
    main?.stop();
    if (savedPort === undefined) delete process.env.MC_CONFIG_port;
    else process.env.MC_CONFIG_port = savedPort;
    jest.restoreAllMocks();
  });

  test("built-ins are frozen as on the device (the rules are in force)", () => {
    expect(Object.isFrozen(Error.prototype)).toBe(true);
    const e = new Error("x");
    expect(() => {
      (e as { name: string }).name = "Other";
    }).toThrow(TypeError);
    expect(snapshots.length).toBeGreaterThan(0);
  });

  test("main.ts serves complete scrapes with both simulated sensors up and no read errors", async () => {
    main = require("../../main");
    await logShows(() => lines.some((l) => l.startsWith("listening: ")), "'listening'");
    await logShows(
      () => lines.filter((l) => l.startsWith("sensor ") && / up$/.test(l)).length === 2,
      "'sensor ... up' for both sensors",
    );
    for (let i = 0; i < 3; i++) {
      const res = await get(port, "/metrics");
      expect(res.status).toBe(200);
      expect(res.complete).toBe(true);
      expect(res.body.endsWith("\n")).toBe(true);
      expect(res.body).toMatch(/^sensor_up\{sensor="office",model="si7021",address="0x40"\} 1$/m);
      expect(res.body).toMatch(/^sensor_up\{sensor="lab",model="bme680",address="0x77"\} 1$/m);
      expect(res.body).toMatch(
        /^sensor_temperature_celsius\{sensor="office",model="si7021",address="0x40"\} -?\d+\.\d+/m,
      );
      expect(res.body).toMatch(/^sensor_pressure_pascals\{sensor="lab",model="bme680",address="0x77"\} \d+(\.\d+)?/m);
      expect(res.body).not.toMatch(/^sensor_read_errors_total\{.*\} [1-9]/m);
    }
    const om = await get(port, "/metrics", { accept: "application/openmetrics-text; version=1.0.0" });
    expect(om.status).toBe(200);
    expect(om.body.endsWith("# EOF\n")).toBe(true);
    expect((await get(port, "/")).status).toBe(200);
    expect((await get(port, "/nowhere")).status).toBe(404);
    expect(lines.filter((l) => /read-only|not writable|Cannot assign/.test(l))).toEqual([]);
  });

  test("configuration errors and sensor errors are built without writing frozen properties", () => {
    const { parseConfig, ConfigError } = require("../../modules/app/config");
    let error: unknown;
    try {
      parseConfig({ port: "nine", hostname: "bad_name" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).name).toBe("ConfigError");
    expect((error as Error).message).toContain('port: got "nine"');
    const { SensorError, errorKind } = require("../../sensors/errors");
    const sensorError = new SensorError("nack", "no answer");
    expect(sensorError.name).toBe("SensorError");
    expect(errorKind(sensorError)).toBe("nack");
  });

  test("no buffer created while the modules loaded was written afterwards", () => {
    main?.stop();
    main = undefined;
    const changed = snapshots.filter((s) => {
      const now = bytesOf(s.object);
      return now.length !== s.bytes.length || now.some((b, i) => b !== s.bytes[i]);
    });
    expect(changed.map((s) => `${s.what}(${s.bytes.length})`)).toEqual([]);
  });
});
