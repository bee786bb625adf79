// Self-test of the XS test shim (tests/xs/shim.ts): every matcher passes where jest passes and throws where jest
// throws. Run by `npm run test:xs` on XS and on Node; all of it must pass. (Not a *.test.ts file: jest skips it.)

function throwsAssertion(f: () => unknown): void {
  let threw = false;
  try {
    f();
  } catch {
    threw = true;
  }
  if (!threw) throw new Error("expected the assertion to fail, it passed: " + String(f));
}

class MyError extends Error {}

describe("shim: equality", () => {
  it("toBe uses Object.is", () => {
    expect(1).toBe(1);
    expect(NaN).toBe(NaN);
    throwsAssertion(() => expect(0).toBe(-0));
    throwsAssertion(() => expect({}).toBe({}));
    expect(0).not.toBe(-0);
  });
  it("toEqual recurses and ignores undefined properties", () => {
    expect({ a: 1, b: [1, 2, { c: "x" }] }).toEqual({ a: 1, b: [1, 2, { c: "x" }] });
    expect({ a: 1, u: undefined }).toEqual({ a: 1 });
    expect(new Map([["k", [1]]])).toEqual(new Map([["k", [1]]]));
    expect(new Set([1, 2])).toEqual(new Set([2, 1]));
    expect(new Uint8Array([1, 2])).toEqual(new Uint8Array([1, 2]));
    throwsAssertion(() => expect(new Uint8Array([1, 2])).toEqual(new Uint8Array([1, 3])));
    throwsAssertion(() => expect({ a: 1 }).toEqual({ a: 2 }));
    throwsAssertion(() => expect([1, 2]).toEqual([1, 2, 3]));
    throwsAssertion(() => expect(0).toEqual(-0));
    expect({ a: 1 }).not.toEqual({ a: 2 });
  });
  it("toStrictEqual checks undefined properties and classes", () => {
    expect({ a: 1 }).toStrictEqual({ a: 1 });
    throwsAssertion(() => expect({ a: 1, u: undefined }).toStrictEqual({ a: 1 }));
    throwsAssertion(() => expect(new MyError("x")).toStrictEqual(new Error("x")));
  });
  it("asymmetric matchers", () => {
    expect({ n: 1, s: "hello", o: { x: 1, y: 2 } }).toEqual({
      n: expect.any(Number),
      s: expect.stringContaining("ell"),
      o: expect.objectContaining({ x: 1 }),
    });
    expect([3, 1, 2]).toEqual(expect.arrayContaining([1, 2]));
    expect("abc").toEqual(expect.stringMatching(/b/));
    expect(null).not.toEqual(expect.anything());
    expect({ a: { b: 1, c: 2 }, d: 3 }).toMatchObject({ a: { b: 1 } });
    throwsAssertion(() => expect({ a: { b: 1 } }).toMatchObject({ a: { b: 2 } }));
  });
});

describe("shim: numbers and strings", () => {
  it("comparisons", () => {
    expect(2).toBeGreaterThan(1);
    expect(2).toBeGreaterThanOrEqual(2);
    expect(1).toBeLessThan(2);
    expect(2).toBeLessThanOrEqual(2);
    throwsAssertion(() => expect(1).toBeGreaterThan(1));
    throwsAssertion(() => expect(NaN).toBeLessThan(1));
    expect(0.1 + 0.2).toBeCloseTo(0.3, 10);
    throwsAssertion(() => expect(0.31).toBeCloseTo(0.3));
    expect(Infinity).toBeCloseTo(Infinity);
    expect(NaN).toBeNaN();
    throwsAssertion(() => expect(1).toBeNaN());
  });
  it("strings, arrays, lengths", () => {
    expect("hello").toMatch(/^h.l/);
    expect("hello").toMatch("ell");
    throwsAssertion(() => expect("hello").toMatch(/z/));
    expect([1, 2, 3]).toContain(2);
    expect("abc").toContain("b");
    throwsAssertion(() => expect([{ a: 1 }]).toContain({ a: 1 }));
    expect([{ a: 1 }]).toContainEqual({ a: 1 });
    expect([1, 2]).toHaveLength(2);
    expect("abc").toHaveLength(3);
    throwsAssertion(() => expect([]).toHaveLength(1));
    expect({ a: { b: 2 } }).toHaveProperty("a.b", 2);
    throwsAssertion(() => expect({ a: {} }).toHaveProperty("a.b"));
  });
  it("defined, null, truthiness, instances", () => {
    expect(undefined).toBeUndefined();
    expect(0).toBeDefined();
    expect(null).toBeNull();
    throwsAssertion(() => expect(undefined).toBeNull());
    expect(1).toBeTruthy();
    expect("").toBeFalsy();
    expect(new MyError("x")).toBeInstanceOf(Error);
  });
});

describe("shim: throwing", () => {
  const boom = () => {
    throw new MyError("bad label name: le");
  };
  it("toThrow with nothing, a string, a RegExp, a class, an error", () => {
    expect(boom).toThrow();
    expect(boom).toThrow("label name");
    expect(boom).toThrow(/^bad .* le$/);
    expect(boom).toThrow(MyError);
    expect(boom).toThrow(Error);
    expect(boom).toThrow(new Error("bad label name: le"));
    expect(boom).toThrowError("bad");
    expect(() => 1).not.toThrow();
    throwsAssertion(() => expect(() => 1).toThrow());
    throwsAssertion(() => expect(boom).toThrow("nope"));
    throwsAssertion(() => expect(boom).toThrow(/nope/));
    throwsAssertion(() => expect(boom).toThrow(TypeError));
    throwsAssertion(() => expect(boom).not.toThrow());
  });
  it("an unsupported matcher fails with a clear message", () => {
    expect(() => (expect(1) as any).toHaveBeenCalled()).toThrow("not supported by the XS test shim");
  });
});

describe("shim: async", () => {
  it("resolves and rejects", async () => {
    await expect(Promise.resolve(3)).resolves.toBe(3);
    await expect(Promise.reject(new TypeError("nope"))).rejects.toThrow(TypeError);
    await expect(Promise.reject(new Error("nope"))).rejects.toThrow("no");
    await expect(Promise.resolve(1)).resolves.not.toBe(2);
    let failedAsExpected = false;
    await expect(Promise.resolve(1))
      .rejects.toThrow()
      .catch(() => {
        failedAsExpected = true;
      });
    expect(failedAsExpected).toBe(true);
  });
  it("awaits a chain of promise jobs", async () => {
    let n = 0;
    for (let i = 0; i < 100; i++) n = await Promise.resolve(n + 1);
    expect(n).toBe(100);
  });
  it("done callback", (done) => {
    Promise.resolve().then(() => done());
  });
  it("expect.assertions counts", async () => {
    expect.assertions(2);
    expect(1).toBe(1);
    await Promise.resolve();
    expect(2).toBe(2);
  });
});

describe("shim: hooks and tables", () => {
  const order: string[] = [];
  beforeAll(() => order.push("beforeAll"));
  beforeEach(() => order.push("beforeEach"));
  afterEach(() => order.push("afterEach"));
  it("first", () => {
    order.push("first");
  });
  describe("nested", () => {
    beforeEach(() => order.push("inner beforeEach"));
    it("second", () => {
      expect(order).toEqual(["beforeAll", "beforeEach", "first", "afterEach", "beforeEach", "inner beforeEach"]);
    });
  });
  it.each([
    [1, 1, 2],
    [2, 3, 5],
  ])("adds %i + %i = %i", (a, b, sum) => {
    expect(a + b).toBe(sum);
  });
  test.each([{ name: "x", v: 1 }])("object row $name", ({ name, v }) => {
    expect(name).toBe("x");
    expect(v).toBe(1);
  });
});
