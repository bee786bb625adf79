/*
 * A small jest-compatible test harness for the XS engine (xsnap), which has `print` but no console, no timers and
 * no jest. tests/xs/run.mjs bundles it in front of each portable test file (IIFE script bundle), so the file's
 * `describe`/`it`/`expect` calls land here. It prints one line per test and ends with the sentinel
 *   XS-SHIM-END passed=<n> failed=<n> skipped=<n>
 * which the runner requires: a missing sentinel (crash, unhandled rejection, a test that never settles) is a failure.
 *
 * Async tests are promises, drained by XS's job queue; there are no timeouts (no timers on xsnap): a test that never
 * settles ends the run without the sentinel, and the runner names the test that was running.
 *
 * Supported: describe/it/test (+ .skip, .only, .todo, .each), beforeAll/afterAll/beforeEach/afterEach, done callbacks,
 * expect(...) with the matchers below, .not, .resolves, .rejects, asymmetric matchers, expect.assertions.
 * An unsupported matcher fails the test with a message that names it.
 */

type AnyFn = (...args: any[]) => any;

declare const print: ((...args: unknown[]) => void) | undefined;

const g = globalThis as any;
const out: (line: string) => void =
  typeof g.print === "function" ? (line) => g.print(line) : (line) => g.console.log(line);

// ---------------------------------------------------------------------------------------------------------- values

function stringify(value: unknown, depth = 0, seen: unknown[] = []): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
      return Object.is(value, -0) ? "-0" : String(value);
    case "bigint":
      return String(value) + "n";
    case "symbol":
      return String(value);
    case "undefined":
      return "undefined";
    case "function":
      return "[Function " + ((value as AnyFn).name || "anonymous") + "]";
    case "boolean":
      return String(value);
  }
  if (value === null) return "null";
  if (isAsymmetric(value)) return (value as any).toString();
  if (seen.indexOf(value) >= 0) return "[Circular]";
  if (depth > 4) return "[...]";
  const next = seen.concat([value]);
  const v = value as any;
  if (v instanceof Error) return "[" + (v.name || "Error") + ": " + v.message + "]";
  if (v instanceof Date) return "Date(" + v.getTime() + ")";
  if (v instanceof RegExp) return String(v);
  if (Array.isArray(v)) return "[" + v.map((x) => stringify(x, depth + 1, next)).join(", ") + "]";
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    const items: string[] = [];
    const ta = v as unknown as ArrayLike<number>;
    for (let i = 0; i < ta.length && i < 64; i++) items.push(String(ta[i]));
    if (ta.length > 64) items.push("...");
    return v.constructor.name + " [" + items.join(", ") + "]";
  }
  if (v instanceof Map)
    return (
      "Map {" +
      [...v].map(([k, x]) => stringify(k, depth + 1, next) + " => " + stringify(x, depth + 1, next)).join(", ") +
      "}"
    );
  if (v instanceof Set) return "Set {" + [...v].map((x) => stringify(x, depth + 1, next)).join(", ") + "}";
  const proto = Object.getPrototypeOf(v);
  const name =
    proto === null ? "[null prototype] " : proto === Object.prototype ? "" : (proto.constructor?.name ?? "") + " ";
  const keys = Object.keys(v);
  return name + "{" + keys.map((k) => JSON.stringify(k) + ": " + stringify(v[k], depth + 1, next)).join(", ") + "}";
}

const ASYMMETRIC = Symbol.for("xs-shim.asymmetric");
interface Asymmetric {
  [ASYMMETRIC]: true;
  asymmetricMatch(other: unknown): boolean;
  toString(): string;
}
function isAsymmetric(x: unknown): x is Asymmetric {
  return typeof x === "object" && x !== null && (x as any)[ASYMMETRIC] === true;
}
function asymmetric(name: string, match: (other: unknown) => boolean): Asymmetric {
  return { [ASYMMETRIC]: true, asymmetricMatch: match, toString: () => name };
}

function tag(x: unknown): string {
  return Object.prototype.toString.call(x);
}

function equals(a: unknown, b: unknown, strict: boolean, seen: [unknown, unknown][] = []): boolean {
  if (isAsymmetric(a)) return a.asymmetricMatch(b);
  if (isAsymmetric(b)) return b.asymmetricMatch(a);
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (tag(a) !== tag(b)) return false;
  for (const [x, y] of seen) if (x === a && y === b) return true;
  seen = seen.concat([[a, b]]);
  const A = a as any;
  const B = b as any;
  if (strict && Object.getPrototypeOf(A) !== Object.getPrototypeOf(B)) return false;
  if (A instanceof Date) return Object.is(A.getTime(), B.getTime());
  if (A instanceof RegExp) return A.source === B.source && A.flags === B.flags;
  if (A instanceof Error && (A.message !== B.message || A.name !== B.name)) return false;
  if (A instanceof Number || A instanceof String || A instanceof Boolean) return Object.is(A.valueOf(), B.valueOf());
  if (A instanceof ArrayBuffer) return equals(new Uint8Array(A), new Uint8Array(B), strict, seen);
  if (A instanceof DataView)
    return equals(
      new Uint8Array(A.buffer, A.byteOffset, A.byteLength),
      new Uint8Array(B.buffer, B.byteOffset, B.byteLength),
      strict,
      seen,
    );
  if (A instanceof Map) {
    if (A.size !== B.size) return false;
    for (const [k, v] of A) {
      if (B.has(k)) {
        if (!equals(v, B.get(k), strict, seen)) return false;
      } else {
        let found = false;
        for (const [k2, v2] of B)
          if (equals(k, k2, strict, seen) && equals(v, v2, strict, seen)) {
            found = true;
            break;
          }
        if (!found) return false;
      }
    }
    return true;
  }
  if (A instanceof Set) {
    if (A.size !== B.size) return false;
    for (const v of A) {
      if (B.has(v)) continue;
      let found = false;
      for (const w of B)
        if (equals(v, w, strict, seen)) {
          found = true;
          break;
        }
      if (!found) return false;
    }
    return true;
  }
  if (Array.isArray(A) || (ArrayBuffer.isView(A as object) && !(A instanceof DataView))) {
    if (A.length !== B.length) return false;
    for (let i = 0; i < A.length; i++) {
      if (strict && Array.isArray(A) && i in A !== i in B) return false;
      if (!equals(A[i], B[i], strict, seen)) return false;
    }
    // extra own enumerable non-index properties are compared below only in strict mode
    if (!strict) return true;
  }
  const keysOf = (o: any): (string | symbol)[] => {
    const ks: (string | symbol)[] = Object.keys(o).filter((k) => !(Array.isArray(o) && String(Number(k)) === k));
    for (const s of Object.getOwnPropertySymbols(o)) if (Object.prototype.propertyIsEnumerable.call(o, s)) ks.push(s);
    return strict ? ks : ks.filter((k) => o[k] !== undefined);
  };
  const ka = keysOf(A);
  const kb = keysOf(B);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(B, k)) return false;
    if (!equals(A[k], B[k], strict, seen)) return false;
  }
  return true;
}

function matchesObject(actual: unknown, expected: unknown): boolean {
  if (isAsymmetric(expected)) return expected.asymmetricMatch(actual);
  if (typeof expected !== "object" || expected === null) return equals(actual, expected, false);
  if (typeof actual !== "object" || actual === null) return false;
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return false;
    return expected.every((e, i) => matchesObject((actual as unknown[])[i], e));
  }
  if (expected instanceof Date || expected instanceof RegExp || expected instanceof Map || expected instanceof Set)
    return equals(actual, expected, false);
  for (const k of Object.keys(expected)) {
    if (!(k in (actual as object))) return false;
    if (!matchesObject((actual as any)[k], (expected as any)[k])) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------- expect

class AssertionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AssertionError";
  }
}

let assertionCalls = 0;
let expectedAssertions: number | undefined;
let expectHasAssertions = false;

function thrownBy(actual: unknown, fromRejects: boolean): { threw: boolean; error: unknown } {
  if (fromRejects) return { threw: true, error: actual };
  if (typeof actual !== "function")
    throw new AssertionError("expect(received).toThrow(): received value must be a function, got " + stringify(actual));
  try {
    (actual as AnyFn)();
  } catch (e) {
    return { threw: true, error: e };
  }
  return { threw: false, error: undefined };
}

function errorMessage(e: unknown): string {
  if (e !== null && typeof e === "object" && "message" in (e as object)) return String((e as any).message);
  return String(e);
}

function toThrowCheck(actual: unknown, expected: unknown, fromRejects: boolean): { pass: boolean; message: string } {
  const { threw, error } = thrownBy(actual, fromRejects);
  const got = threw ? "threw " + stringify(error) : "did not throw";
  if (!threw) return { pass: false, message: "expected a throw; " + got };
  if (expected === undefined) return { pass: true, message: "expected no throw; " + got };
  if (typeof expected === "string") {
    const pass = errorMessage(error).includes(expected);
    return { pass, message: "expected a throw whose message contains " + stringify(expected) + "; " + got };
  }
  if (expected instanceof RegExp) {
    const pass = expected.test(errorMessage(error));
    return { pass, message: "expected a throw whose message matches " + String(expected) + "; " + got };
  }
  if (typeof expected === "function") {
    const pass = error instanceof (expected as AnyFn);
    return { pass, message: "expected a throw of " + ((expected as AnyFn).name || "class") + "; " + got };
  }
  if (isAsymmetric(expected)) {
    const pass = expected.asymmetricMatch(error);
    return { pass, message: "expected a throw matching " + String(expected) + "; " + got };
  }
  if (expected instanceof Error) {
    const pass = errorMessage(error) === expected.message;
    return { pass, message: "expected a throw with message " + stringify(expected.message) + "; " + got };
  }
  return { pass: false, message: "toThrow: unsupported expected value " + stringify(expected) };
}

type Check = (actual: unknown, args: any[], fromRejects: boolean) => { pass: boolean; message: string };

const R = (x: unknown) => stringify(x);
function num(x: unknown, matcher: string): number | bigint {
  if (typeof x !== "number" && typeof x !== "bigint")
    throw new AssertionError(matcher + ": received value must be a number, got " + R(x));
  return x;
}

const checks: Record<string, Check> = {
  toBe: (a, [e]) => ({
    pass: Object.is(a, e),
    message:
      "expected " + R(a) + " to be " + R(e) + (equals(a, e, true) ? " (deep equal but not the same reference)" : ""),
  }),
  toEqual: (a, [e]) => ({ pass: equals(a, e, false), message: "expected " + R(a) + " to equal " + R(e) }),
  toStrictEqual: (a, [e]) => ({ pass: equals(a, e, true), message: "expected " + R(a) + " to strictly equal " + R(e) }),
  toMatchObject: (a, [e]) => ({ pass: matchesObject(a, e), message: "expected " + R(a) + " to match object " + R(e) }),
  toBeUndefined: (a) => ({ pass: a === undefined, message: "expected " + R(a) + " to be undefined" }),
  toBeDefined: (a) => ({ pass: a !== undefined, message: "expected " + R(a) + " to be defined" }),
  toBeNull: (a) => ({ pass: a === null, message: "expected " + R(a) + " to be null" }),
  toBeNaN: (a) => ({ pass: typeof a === "number" && a !== a, message: "expected " + R(a) + " to be NaN" }),
  toBeTruthy: (a) => ({ pass: !!a, message: "expected " + R(a) + " to be truthy" }),
  toBeFalsy: (a) => ({ pass: !a, message: "expected " + R(a) + " to be falsy" }),
  toBeInstanceOf: (a, [C]) => ({
    pass: a instanceof C,
    message: "expected " + R(a) + " to be an instance of " + (C?.name ?? R(C)),
  }),
  toBeGreaterThan: (a, [e]) => ({ pass: num(a, "toBeGreaterThan") > e, message: "expected " + R(a) + " > " + R(e) }),
  toBeGreaterThanOrEqual: (a, [e]) => ({
    pass: num(a, "toBeGreaterThanOrEqual") >= e,
    message: "expected " + R(a) + " >= " + R(e),
  }),
  toBeLessThan: (a, [e]) => ({ pass: num(a, "toBeLessThan") < e, message: "expected " + R(a) + " < " + R(e) }),
  toBeLessThanOrEqual: (a, [e]) => ({
    pass: num(a, "toBeLessThanOrEqual") <= e,
    message: "expected " + R(a) + " <= " + R(e),
  }),
  toBeCloseTo: (a, [e, precision = 2]) => {
    num(a, "toBeCloseTo");
    let pass: boolean;
    if (a === Infinity && e === Infinity) pass = true;
    else if (a === -Infinity && e === -Infinity) pass = true;
    else pass = Math.abs((e as number) - (a as number)) < Math.pow(10, -precision) / 2;
    return { pass, message: "expected " + R(a) + " to be close to " + R(e) + " (precision " + precision + ")" };
  },
  toHaveLength: (a, [n]) => {
    const len = a !== null && a !== undefined ? (a as any).length : undefined;
    return { pass: len === n, message: "expected length " + R(n) + ", got " + R(len) + " for " + R(a) };
  },
  toMatch: (a, [e]) => {
    if (typeof a !== "string") throw new AssertionError("toMatch: received value must be a string, got " + R(a));
    const pass = typeof e === "string" ? a.includes(e) : (e as RegExp).test(a);
    return { pass, message: "expected " + R(a) + " to match " + (typeof e === "string" ? R(e) : String(e)) };
  },
  toContain: (a, [e]) => {
    let pass: boolean;
    if (typeof a === "string") pass = a.includes(String(e));
    else if (a !== null && a !== undefined && typeof (a as any)[Symbol.iterator] === "function")
      pass = Array.from(a as Iterable<unknown>).some((x) => x === e || (x !== x && e !== e));
    else throw new AssertionError("toContain: received value must be a string or iterable, got " + R(a));
    return { pass, message: "expected " + R(a) + " to contain " + R(e) };
  },
  toContainEqual: (a, [e]) => ({
    pass: Array.from(a as Iterable<unknown>).some((x) => equals(x, e, false)),
    message: "expected " + R(a) + " to contain an element equal to " + R(e),
  }),
  toHaveProperty: (a, args) => {
    const path: (string | number)[] = Array.isArray(args[0]) ? args[0] : String(args[0]).split(".");
    let cur: any = a;
    let has = true;
    for (const k of path) {
      if (
        cur === null ||
        cur === undefined ||
        !(typeof cur === "object" || typeof cur === "function" ? k in cur : (cur as any)[k] !== undefined)
      ) {
        has = false;
        break;
      }
      cur = cur[k];
    }
    const pass = has && (args.length < 2 || equals(cur, args[1], false));
    return {
      pass,
      message:
        "expected " +
        R(a) +
        " to have property " +
        R(args[0]) +
        (args.length > 1 ? " = " + R(args[1]) + " (got " + R(has ? cur : undefined) + ")" : ""),
    };
  },
  toThrow: (a, [e], fromRejects) => toThrowCheck(a, e, fromRejects),
};
checks.toThrowError = checks.toThrow;

function makeMatchers(actual: unknown, negate: boolean, mode: "sync" | "resolves" | "rejects"): any {
  const target: any = {};
  return new Proxy(target, {
    get(_t, key) {
      if (key === "not") return makeMatchers(actual, !negate, mode);
      if (key === "resolves") return makeMatchers(actual, negate, "resolves");
      if (key === "rejects") return makeMatchers(actual, negate, "rejects");
      if (typeof key === "symbol") return undefined;
      if (key === "then") return undefined; // not a thenable
      const check = checks[key];
      return (...args: any[]) => {
        if (!check)
          throw new AssertionError("expect(...)." + key + "() is not supported by the XS test shim (tests/xs/shim.ts)");
        const apply = (value: unknown, fromRejects: boolean) => {
          const r = check(value, args, fromRejects);
          if (r.pass === negate) throw new AssertionError((negate ? "[.not] " : "") + key + ": " + r.message);
        };
        if (mode === "sync") return apply(actual, false);
        return Promise.resolve(actual).then(
          (value) => {
            if (mode === "rejects")
              throw new AssertionError(
                ".rejects." + key + ": expected a rejection, but the promise resolved with " + R(value),
              );
            apply(value, false);
          },
          (error) => {
            if (mode === "resolves")
              throw new AssertionError(
                ".resolves." + key + ": expected resolution, but the promise rejected with " + R(error),
              );
            apply(error, true);
          },
        );
      };
    },
  });
}

function expect(actual: unknown): any {
  assertionCalls++;
  return makeMatchers(actual, false, "sync");
}
expect.anything = () => asymmetric("Anything", (o) => o !== null && o !== undefined);
expect.any = (C: any) =>
  asymmetric("Any<" + (C?.name ?? "?") + ">", (o) => {
    if (C === Number) return typeof o === "number" || o instanceof Number;
    if (C === String) return typeof o === "string" || o instanceof String;
    if (C === Boolean) return typeof o === "boolean" || o instanceof Boolean;
    if (C === BigInt) return typeof o === "bigint";
    if (C === Function) return typeof o === "function";
    if (C === Symbol) return typeof o === "symbol";
    if (C === Object) return typeof o === "object" && o !== null;
    return o instanceof C;
  });
expect.stringContaining = (s: string) =>
  asymmetric("StringContaining " + R(s), (o) => typeof o === "string" && o.includes(s));
expect.stringMatching = (re: string | RegExp) =>
  asymmetric(
    "StringMatching " + String(re),
    (o) => typeof o === "string" && (typeof re === "string" ? new RegExp(re) : re).test(o),
  );
expect.objectContaining = (obj: object) => asymmetric("ObjectContaining " + R(obj), (o) => matchesObject(o, obj));
expect.arrayContaining = (arr: unknown[]) =>
  asymmetric(
    "ArrayContaining " + R(arr),
    (o) => Array.isArray(o) && arr.every((e) => o.some((x) => equals(x, e, false))),
  );
expect.closeTo = (n: number, precision = 2) =>
  asymmetric("CloseTo " + n, (o) => typeof o === "number" && Math.abs(n - o) < Math.pow(10, -precision) / 2);
expect.assertions = (n: number) => {
  expectedAssertions = n;
};
expect.hasAssertions = () => {
  expectHasAssertions = true;
};

// ---------------------------------------------------------------------------------------------------------- tests

interface TestCase {
  kind: "test";
  name: string;
  fn: AnyFn | undefined;
  mode: "run" | "skip" | "only" | "todo";
}
interface Suite {
  kind: "suite";
  name: string;
  mode: "run" | "skip" | "only";
  children: (Suite | TestCase)[];
  beforeAll: AnyFn[];
  afterAll: AnyFn[];
  beforeEach: AnyFn[];
  afterEach: AnyFn[];
  parent: Suite | undefined;
}

function newSuite(name: string, mode: Suite["mode"], parent: Suite | undefined): Suite {
  return {
    kind: "suite",
    name,
    mode,
    children: [],
    beforeAll: [],
    afterAll: [],
    beforeEach: [],
    afterEach: [],
    parent,
  };
}

const root = newSuite("", "run", undefined);
let current = root;
let hasOnly = false;
let collecting = true;

function addSuite(name: string, fn: AnyFn, mode: Suite["mode"]): void {
  if (!collecting) throw new Error("describe() called while tests are running");
  if (mode === "only") hasOnly = true;
  const s = newSuite(String(name), mode, current);
  current.children.push(s);
  const saved = current;
  current = s;
  try {
    const r = fn();
    if (r && typeof r.then === "function") throw new Error("describe() callback must not return a promise: " + name);
  } finally {
    current = saved;
  }
}
function addTest(name: string, fn: AnyFn | undefined, mode: TestCase["mode"]): void {
  if (!collecting) throw new Error("it()/test() called while tests are running: " + name);
  if (mode === "only") hasOnly = true;
  current.children.push({ kind: "test", name: String(name), fn, mode });
}

function formatTitle(title: string, row: unknown, index: number): string {
  const args = Array.isArray(row) ? row.slice() : [row];
  let t = title.replace(/%#/g, String(index));
  if (!Array.isArray(row) && row !== null && typeof row === "object" && /\$[A-Za-z_]/.test(t)) {
    return t.replace(/\$([A-Za-z_][A-Za-z0-9_.]*)/g, (_m, path: string) => {
      let v: any = row;
      for (const k of path.split(".")) v = v == null ? undefined : v[k];
      return typeof v === "string" ? v : stringify(v);
    });
  }
  t = t.replace(/%([sdifjopP%])/g, (m, c: string) => {
    if (c === "%") return "%";
    if (args.length === 0) return m;
    const v = args.shift();
    switch (c) {
      case "s":
        return typeof v === "string" ? v : stringify(v);
      case "d":
      case "i":
        return String(c === "i" ? Math.trunc(Number(v)) : Number(v));
      case "f":
        return String(Number(v));
      case "j":
        return JSON.stringify(v);
      default:
        return stringify(v);
    }
  });
  return t;
}

function eachOf(register: (name: string, fn: AnyFn) => void) {
  return (table: unknown[]) => (title: string, fn: AnyFn) => {
    table.forEach((row, i) => {
      const args = Array.isArray(row) ? row : [row];
      register(formatTitle(title, row, i), function (this: unknown) {
        return fn(...args);
      });
    });
  };
}

function makeIt() {
  const it: any = (name: string, fn: AnyFn) => addTest(name, fn, "run");
  it.skip = (name: string, fn?: AnyFn) => addTest(name, fn, "skip");
  it.only = (name: string, fn: AnyFn) => addTest(name, fn, "only");
  it.todo = (name: string) => addTest(name, undefined, "todo");
  it.each = eachOf((n, f) => addTest(n, f, "run"));
  it.skip.each = eachOf((n, f) => addTest(n, f, "skip"));
  it.only.each = eachOf((n, f) => addTest(n, f, "only"));
  it.concurrent = it;
  return it;
}
const describe: any = (name: string, fn: AnyFn) => addSuite(name, fn, "run");
describe.skip = (name: string, fn: AnyFn) => addSuite(name, fn, "skip");
describe.only = (name: string, fn: AnyFn) => addSuite(name, fn, "only");
describe.each = eachOf((n, f) => addSuite(n, f, "run"));
describe.skip.each = eachOf((n, f) => addSuite(n, f, "skip"));
describe.only.each = eachOf((n, f) => addSuite(n, f, "only"));

const it = makeIt();
const test = it;
const beforeAll = (fn: AnyFn) => current.beforeAll.push(fn);
const afterAll = (fn: AnyFn) => current.afterAll.push(fn);
const beforeEach = (fn: AnyFn) => current.beforeEach.push(fn);
const afterEach = (fn: AnyFn) => current.afterEach.push(fn);

function callMaybeDone(fn: AnyFn): Promise<unknown> {
  if (fn.length > 0) {
    return new Promise((resolve, reject) => {
      const done: any = (err?: unknown) =>
        err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(undefined);
      done.fail = (err?: unknown) => reject(err instanceof Error ? err : new Error(String(err)));
      try {
        fn(done);
      } catch (e) {
        reject(e);
      }
    });
  }
  try {
    return Promise.resolve(fn());
  } catch (e) {
    return Promise.reject(e);
  }
}

let passed = 0;
let failed = 0;
let skipped = 0;
let number = 0;

function describeError(e: unknown): string[] {
  const lines: string[] = [];
  if (e instanceof Error) {
    lines.push((e.name && e.name !== "AssertionError" ? e.name + ": " : "") + e.message);
    const stack = (e as any).stack;
    // stack frames with a location only (XS release builds print frames without file:line, which say nothing)
    if (typeof stack === "string")
      for (const l of stack
        .split("\n")
        .filter((x) => /:\d+/.test(x) && !x.includes(e.message))
        .slice(0, 5))
        lines.push("  " + l.trim());
  } else lines.push("thrown: " + stringify(e));
  return lines;
}

const clockNow: () => number = typeof g.performance?.now === "function" ? () => g.performance.now() : () => Date.now();

function report(ok: boolean | "skip", title: string, errors: unknown[] = [], ms = 0): void {
  number++;
  if (ok === "skip") {
    skipped++;
    out("ok " + number + " - " + title + " # SKIP");
    return;
  }
  if (ok) passed++;
  else failed++;
  out((ok ? "ok " : "not ok ") + number + " - " + title + (ms >= 1000 ? " (" + Math.round(ms) + " ms)" : ""));
  for (const e of errors) for (const l of describeError(e)) out("#   " + l.split("\n").join("\n#   "));
}

function containsOnly(s: Suite | TestCase): boolean {
  if (s.mode === "only") return true;
  return s.kind === "suite" && s.children.some(containsOnly);
}

function hooks(s: Suite | undefined, which: "beforeEach" | "afterEach"): AnyFn[] {
  const chain: Suite[] = [];
  for (let x = s; x; x = x.parent) chain.unshift(x);
  const fns: AnyFn[] = [];
  for (const x of chain) fns.push(...x[which]);
  return which === "afterEach" ? fns.reverse() : fns;
}

async function runTest(
  t: TestCase,
  suite: Suite,
  path: string[],
  skip: boolean,
  inheritedFailure: unknown,
): Promise<void> {
  const title = path.concat(t.name).join(" › ");
  if (skip || t.mode === "skip" || t.mode === "todo" || !t.fn)
    return report("skip", title + (t.mode === "todo" ? " (todo)" : ""));
  if (inheritedFailure !== undefined) return report(false, title, [inheritedFailure]);
  const errors: unknown[] = [];
  const t0 = clockNow();
  assertionCalls = 0;
  expectedAssertions = undefined;
  expectHasAssertions = false;
  let setupOk = true;
  for (const h of hooks(suite, "beforeEach")) {
    try {
      await callMaybeDone(h);
    } catch (e) {
      errors.push(e);
      setupOk = false;
      break;
    }
  }
  if (setupOk) {
    try {
      await callMaybeDone(t.fn);
    } catch (e) {
      errors.push(e);
    }
  }
  for (const h of hooks(suite, "afterEach")) {
    try {
      await callMaybeDone(h);
    } catch (e) {
      errors.push(e);
    }
  }
  if (errors.length === 0 && expectedAssertions !== undefined && assertionCalls !== expectedAssertions)
    errors.push(new AssertionError("expected " + expectedAssertions + " assertions, got " + assertionCalls));
  if (errors.length === 0 && expectHasAssertions && assertionCalls === 0)
    errors.push(new AssertionError("expected at least one assertion"));
  report(errors.length === 0, title, errors, clockNow() - t0);
}

async function runSuite(s: Suite, path: string[], skip: boolean, inheritedFailure: unknown): Promise<void> {
  const p = s === root ? path : path.concat(s.name);
  const skipAll = skip || s.mode === "skip";
  let failure = inheritedFailure;
  const runnable = (c: Suite | TestCase) => !hasOnly || containsOnly(c) || s.mode === "only";
  const active = s.children.some((c) => runnable(c) && !skipAll);
  if (active && failure === undefined) {
    for (const h of s.beforeAll) {
      try {
        await callMaybeDone(h);
      } catch (e) {
        failure = e;
        break;
      }
    }
  }
  for (const c of s.children) {
    const skipThis = skipAll || !runnable(c);
    if (c.kind === "suite") await runSuite(c, p, skipThis, failure);
    else await runTest(c, s, p, skipThis, failure);
  }
  if (active) {
    for (const h of s.afterAll) {
      try {
        await callMaybeDone(h);
      } catch (e) {
        report(false, p.concat("afterAll").join(" › "), [e]);
      }
    }
  }
}

/** Runs every registered test and prints the end sentinel. Called by the generated entry after the test file loaded. */
export function __xsRun(file: string): Promise<void> {
  collecting = false;
  out("# file " + file);
  return runSuite(root, [], false, undefined).then(
    () => out("XS-SHIM-END passed=" + passed + " failed=" + failed + " skipped=" + skipped),
    (e) => {
      report(false, "(harness)", [e]);
      out("XS-SHIM-END passed=" + passed + " failed=" + failed + " skipped=" + skipped);
    },
  );
}

/** Reports an exception thrown while the test file was loading (its top level), then ends the run. */
export function __xsLoadError(file: string, e: unknown): void {
  collecting = false;
  out("# file " + file);
  report(false, "(loading " + file + ")", [e]);
  out("XS-SHIM-END passed=" + passed + " failed=" + failed + " skipped=" + skipped);
}

if (typeof g.console === "undefined") {
  const log = (...args: unknown[]) => out(args.map((a) => (typeof a === "string" ? a : stringify(a))).join(" "));
  g.console = { log, info: log, warn: log, error: log, debug: log, trace: log };
}

export { describe, it, test, expect, beforeAll, afterAll, beforeEach, afterEach };
Object.assign(g, {
  describe,
  it,
  test,
  expect,
  beforeAll,
  afterAll,
  beforeEach,
  afterEach,
  xit: it.skip,
  xdescribe: describe.skip,
  fit: it.only,
});
