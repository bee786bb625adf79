import { formatNumber, formatCanonical, OPENMETRICS_1_0_0 } from "../../modules/format/index";
import { formatNumberExact } from "../../modules/format/numbers";
import { Registry, Gauge, Histogram } from "../../modules/client/index";
import { renderAll, renderChecked, family } from "../support/check";
import { namesDouble } from "../support/exact";

// [value, 0.0.4 text, OpenMetrics canonical (le/quantile)]
const TABLE: Array<[number, string, string]> = [
  [0, "0", "0.0"],
  [-0, "0", "0.0"],
  [1, "1", "1.0"],
  [-1, "-1", "-1.0"],
  [0.5, "0.5", "0.5"],
  [0.1 + 0.2, "0.30000000000000004", "0.30000000000000004"],
  [1e21, "1e+21", "1.0e+21"],
  [1.5e21, "1.5e+21", "1.5e+21"],
  [1e-7, "1e-7", "1.0e-7"],
  [5e-324, "5e-324", "5.0e-324"],
  [Number.MAX_VALUE, "1.7976931348623157e+308", "1.7976931348623157e+308"],
  [Math.pow(2, 53), "9007199254740992", "9007199254740992.0"],
  [Math.pow(2, 53) + 1, "9007199254740992", "9007199254740992.0"], // not representable: rounds to 2^53
  [Math.pow(2, 53) + 2, "9007199254740994", "9007199254740994.0"],
  [123456789012345680000, "123456789012345680000", "123456789012345680000.0"],
  [Math.pow(2, -20), "9.5367431640625e-7", "9.5367431640625e-7"],
  [1 + Math.pow(2, -52), "1.0000000000000002", "1.0000000000000002"],
  [4503599627370495.5, "4503599627370495.5", "4503599627370495.5"], // large exact binary fraction
  [0.000001, "0.000001", "0.000001"],
  // numbers XS's String(n) writes in a longer or different (still round-tripping) form; we must write V8's form
  [1e23, "1e+23", "1.0e+23"],
  [4.73e21, "4.73e+21", "4.73e+21"],
  [-4.81e21, "-4.81e+21", "-4.81e+21"],
  [79837709710068.62, "79837709710068.62", "79837709710068.62"],
  [1923023710000000.2, "1923023710000000.2", "1923023710000000.2"],
  [99999999999999990000000, "1e+23", "1.0e+23"], // XS writes 9.999999999999999e+22
  // XS writes these integers with a trailing 0 that a correct parser reads as a different double (XS parses ties half up)
  [70095117003082344, "70095117003082344", "70095117003082344.0"],
  [-18014398509482012, "-18014398509482012", "-18014398509482012.0"],
  [Math.pow(2, 54) + 4, "18014398509481988", "18014398509481988.0"],
  [Math.pow(2, 60), "1152921504606847000", "1152921504606847000.0"],
  [Number.MIN_VALUE * 3, "1.5e-323", "1.5e-323"],
  [2.2250738585072014e-308, "2.2250738585072014e-308", "2.2250738585072014e-308"], // smallest normal
  [2.225073858507201e-308, "2.225073858507201e-308", "2.225073858507201e-308"], // largest subnormal
  [-1.5e-7, "-1.5e-7", "-1.5e-7"],
  [NaN, "NaN", "NaN"],
  [Infinity, "+Inf", "+Inf"],
  [-Infinity, "-Inf", "-Inf"],
];

describe("number formatting", () => {
  for (const [v, text, canon] of TABLE) {
    it(`${text}`, () => {
      expect(formatNumber(v)).toBe(text);
      expect(formatCanonical(v)).toBe(canon);
    });
  }
  it("exact checker sanity: ties go to the even mantissa", () => {
    const dv = new DataView(new ArrayBuffer(8));
    dv.setUint32(0, 3277886854);
    dv.setUint32(4, 3956773038); // -37344050738398576, even mantissa: the tie ...580 names it
    const v = dv.getFloat64(0);
    expect(namesDouble("-37344050738398580", v)).toBe(true);
    expect(namesDouble("-37344050738398576", v)).toBe(true);
    expect(namesDouble("-37344050738398584", v)).toBe(false);
    expect(formatNumber(v)).toBe("-37344050738398580");
    expect(namesDouble("0.30000000000000004", 0.1 + 0.2)).toBe(true);
    expect(namesDouble("0.3", 0.1 + 0.2)).toBe(false);
  });
  it("pseudo-random doubles: shortest round-trip form, never longer than String(n)", () => {
    let x = 2463534242;
    const rnd = () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return x >>> 0;
    };
    const dv = new DataView(new ArrayBuffer(8));
    let checked = 0;
    for (let i = 0; i < 1500; i++) {
      dv.setUint32(0, rnd());
      dv.setUint32(4, rnd());
      const v = dv.getFloat64(0);
      if (!Number.isFinite(v)) continue;
      const s = formatNumber(v);
      // exact check (not Number(s): XS parses decimal ties half up, so its Number() is no oracle here)
      if (!namesDouble(s, v) || s.length > String(v).length) throw new Error(`formatNumber(${String(v)}) = ${s}`);
      checked++;
    }
    expect(checked).toBeGreaterThan(1400);
  });
  it("computed values below 2^53 (the fast path from String(n)): the same digits as the exact search", () => {
    let x = 88172645;
    const rnd = () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) / 4294967296;
    };
    let checked = 0;
    for (let i = 0; i < 1500; i++) {
      // sensor-like arithmetic: offsets, scales and sums with 16-17 digit results, from 1e-6 to 1e15
      const scale = Math.pow(10, Math.floor(rnd() * 21) - 6);
      const v = Math.abs((rnd() * 9 + 1) * scale + (i % 7) * 0.1 - (i % 3) * 0.173);
      if (!Number.isFinite(v) || v === 0) continue;
      const got = formatNumber(v);
      const want = formatNumberExact(v);
      if (got !== want) throw new Error(`formatNumber(${want}) = ${got}`);
      if (formatNumber(-v) !== "-" + want) throw new Error(`formatNumber(-${want}) = ${formatNumber(-v)}`);
      checked++;
    }
    expect(checked).toBeGreaterThan(1400);
  });
  it("every value survives a render and re-parse unchanged (round trip)", () => {
    const r = new Registry({ selfMetrics: false });
    const g = new Gauge({ name: "v", help: "V.", labelNames: ["i"], registers: [r] });
    for (const [i, [v]] of TABLE.entries()) g.set({ i: String(i) }, v);
    renderAll(r);
    for (const f of [undefined, OPENMETRICS_1_0_0]) {
      const fam = family(renderChecked(r, f).families, "v");
      TABLE.forEach(([v], i) => {
        const got = fam.samples[i].value;
        if (v !== v) expect(got).toBeNaN();
        else expect(got === v || (v === 0 && got === 0)).toBe(true);
      });
    }
  });
  it("histogram bounds: 0.0.4 plain, OpenMetrics canonical", () => {
    const r = new Registry({ selfMetrics: false });
    new Histogram({ name: "h", help: "H.", buckets: [-1, 0, 1e-7, 1, 2.5, 1e21], registers: [r] });
    expect(renderAll(r)).toContain(
      'le="-1"} 0\nh_bucket{le="0"} 0\nh_bucket{le="1e-7"} 0\nh_bucket{le="1"} 0\nh_bucket{le="2.5"} 0\nh_bucket{le="1e+21"} 0\n',
    );
    expect(renderChecked(r, OPENMETRICS_1_0_0).text).toContain(
      'le="-1.0"} 0\nh_bucket{le="0.0"} 0\nh_bucket{le="1.0e-7"} 0\nh_bucket{le="1.0"} 0\nh_bucket{le="2.5"} 0\nh_bucket{le="1.0e+21"} 0\n',
    );
  });
});
