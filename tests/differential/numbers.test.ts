// formatNumber must equal V8's Number::toString (shortest, closest) for every finite double: it computes the digits
// itself when String(n) has 16+ significant digits, so that XS (whose String(n) differs there) renders the same bytes.
import { formatNumber } from "../../modules/format/index";
import fc from "fast-check";

describe("formatNumber equals V8's String(n)", () => {
  it("for 100 000 random bit patterns", () => {
    const dv = new DataView(new ArrayBuffer(8));
    let bad = "";
    let x = 88172645;
    const rnd = () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return x >>> 0;
    };
    for (let i = 0; i < 100000 && bad === ""; i++) {
      dv.setUint32(0, rnd());
      dv.setUint32(4, rnd());
      const v = dv.getFloat64(0);
      if (!Number.isFinite(v)) continue;
      const want = v === 0 ? "0" : String(v);
      if (formatNumber(v) !== want) bad = `${want} → ${formatNumber(v)}`;
    }
    expect(bad).toBe("");
  });
  it("for fast-check doubles (including subnormals and extremes)", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (v) => {
        expect(formatNumber(v)).toBe(v === 0 ? "0" : String(v));
      }),
      { numRuns: 20000 },
    );
  });
  it("for every power of two and large integers (where decimal ties exist)", () => {
    for (let e = -1074; e <= 1023; e++) {
      const v = Math.pow(2, e);
      expect(formatNumber(v)).toBe(String(v));
      expect(formatNumber(-v)).toBe(String(-v));
    }
    for (let i = 0; i < 20000; i++) {
      const v = Math.pow(2, 53 + (i % 12)) + ((i * 2654435761) % 100000);
      expect(formatNumber(v)).toBe(String(v));
    }
  });
  it("for decimal-looking values sensors produce", () => {
    for (let i = -100000; i <= 100000; i += 7) {
      const v = i / 100;
      expect(formatNumber(v)).toBe(v === 0 ? "0" : String(v));
    }
  });
});
