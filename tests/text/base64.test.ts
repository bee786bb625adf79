/**
 * modules/text/base64.ts against RFC 4648's test vectors and Node's Buffer as an independent encoder.
 */
import fc from "fast-check";
import { base64, base64Bytes } from "../../modules/text/base64";

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

describe("text/base64", () => {
  test("RFC 4648 section 10 test vectors", () => {
    const vectors: [string, string][] = [
      ["", ""],
      ["f", "Zg=="],
      ["fo", "Zm8="],
      ["foo", "Zm9v"],
      ["foob", "Zm9vYg=="],
      ["fooba", "Zm9vYmE="],
      ["foobar", "Zm9vYmFy"],
    ];
    for (const [input, output] of vectors) expect(base64(ascii(input))).toBe(output);
  });

  test("standard and URL-safe alphabets agree with Node's Buffer on any bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        const standard = Buffer.from(b).toString("base64");
        expect(base64(b)).toBe(standard);
        expect(base64(b, true)).toBe(standard.replace(/\+/g, "-").replace(/\//g, "_"));
        expect(Buffer.from(base64(b, true), "base64url")).toEqual(Buffer.from(b));
      }),
      { numRuns: 2000 },
    );
  });

  test("base64Bytes is the ASCII of base64", () => {
    const b = Uint8Array.from([0xfb, 0xff, 0xbf, 0x00]);
    expect(base64(b)).toBe("+/+/AA==");
    expect(Array.from(base64Bytes(b))).toEqual(Array.from(ascii("+/+/AA==")));
    expect(Array.from(base64Bytes(b, true))).toEqual(Array.from(ascii("-_-_AA==")));
  });
});
