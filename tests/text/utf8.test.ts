/**
 * modules/text/utf8.ts: the one rule for lone surrogates (U+FFFD) in code points and bytes, and a decoder that
 * agrees with the WHATWG one (Node's TextDecoder) on every input, malformed included.
 */
import fc from "fast-check";
import { codePointAt, codePointUnits, decode, encode, encodeInto, REPLACEMENT } from "../../modules/text/utf8";

/** strings of arbitrary UTF-16 code units: lone surrogates, pairs and everything else */
const units = fc
  .array(
    fc.oneof(
      fc.integer({ min: 0, max: 0xffff }),
      fc.integer({ min: 0xd800, max: 0xdfff }),
      fc.constantFrom(0x41, 0xe9, 0x20ac),
    ),
    { maxLength: 40 },
  )
  .map((a) => String.fromCharCode(...a));

/** the UTF-8 of s built from codePointAt: what "one rule" means for bytes */
function bytesByCodePoints(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; ) {
    const c = codePointAt(s, i);
    i += codePointUnits(c);
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return out;
}

describe("text/utf8", () => {
  test("codePointAt: a surrogate pair is one code point, a lone surrogate U+FFFD", () => {
    expect(codePointAt("a", 0)).toBe(0x61);
    expect(codePointAt("\u{1F600}", 0)).toBe(0x1f600);
    expect(codePointUnits(codePointAt("\u{1F600}", 0))).toBe(2);
    expect(codePointAt("\ud83d", 0)).toBe(REPLACEMENT); // high surrogate at the end
    expect(codePointAt("\ud83dx", 0)).toBe(REPLACEMENT); // high surrogate not followed by a low one
    expect(codePointAt("\ude00", 0)).toBe(REPLACEMENT); // low surrogate alone
    expect(codePointAt("\ud83d\ud83d\ude00", 0)).toBe(REPLACEMENT);
    expect(codePointAt("\ud83d\ud83d\ude00", 1)).toBe(0x1f600);
    expect(codePointUnits(REPLACEMENT)).toBe(1);
  });

  test("encode writes what codePointAt reads (one rule), and what Node's encoder writes", () => {
    fc.assert(
      fc.property(units, (s) => {
        const bytes = Array.from(encode(s));
        expect(bytes).toEqual(bytesByCodePoints(s));
        expect(bytes).toEqual(Array.from(Buffer.from(s, "utf8")));
      }),
      { numRuns: 2000 },
    );
    expect(Array.from(encode("a\ud800b"))).toEqual([0x61, 0xef, 0xbf, 0xbd, 0x62]);
  });

  test("encodeInto writes the whole string or reports -1", () => {
    const dst = new Uint8Array(8);
    expect(encodeInto("abc", dst)).toBe(3);
    expect(Array.from(dst.subarray(0, 3))).toEqual([0x61, 0x62, 0x63]);
    expect(encodeInto("0123456789", dst)).toBe(-1);
  });

  test("decode agrees with the WHATWG decoder on any bytes, malformed included", () => {
    const whatwg = new TextDecoder("utf-8");
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
        expect(decode(b)).toBe(whatwg.decode(b));
      }),
      { numRuns: 3000 },
    );
    // sequences chosen to hit every branch: overlong, surrogate, beyond U+10FFFF, truncated, stray continuation
    for (const bytes of [
      [0xe0, 0x80, 0x80],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xf0, 0x9f, 0x98],
      [0x80, 0x41],
      [0xc0, 0xaf],
      [0xf5],
      [0xe2, 0x82, 0xac],
    ]) {
      const b = Uint8Array.from(bytes);
      expect(decode(b)).toBe(whatwg.decode(b));
    }
  });

  test("decode of encode is the string with each lone surrogate replaced", () => {
    fc.assert(
      fc.property(units, (s) => {
        let expected = "";
        for (let i = 0; i < s.length; ) {
          const c = codePointAt(s, i);
          i += codePointUnits(c);
          expected += String.fromCodePoint(c);
        }
        expect(decode(encode(s))).toBe(expected);
      }),
      { numRuns: 1000 },
    );
  });

  test("decode takes a range of the array", () => {
    const b = encode("xx\u00e9\u{1F600}yy");
    expect(decode(b, 2, b.length - 2)).toBe("\u00e9\u{1F600}");
    expect(decode(b, 2, 3)).toBe("\ufffd"); // cut inside a sequence
  });
});
