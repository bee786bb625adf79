/**
 * Differential tests of modules/push/snappy.ts: what it writes is decoded by two independent snappy
 * implementations from npm, snappyjs (JavaScript) and snappy (napi-rs, Rust), and must give back the input exactly.
 */
import fc from "fast-check";
import * as snappyjs from "snappyjs";
import { uncompressSync } from "snappy";
import { SnappyCompressor, maxCompressedLength, snappyUncompressed } from "../../modules/push/snappy";
import { randomBytes, wordy } from "../support/random";

/** Compresses with ours, decodes with both oracles; returns the compressed size. */
function roundTrip(input: Uint8Array, compressor = new SnappyCompressor()): number {
  const dst = new Uint8Array(maxCompressedLength(input.length));
  const n = compressor.compress(input, dst);
  expect(n).toBeGreaterThan(0);
  const block = dst.subarray(0, n);
  const viaJs = snappyjs.uncompress(block);
  const viaRust = uncompressSync(Buffer.from(block)) as Buffer;
  // toEqual on large arrays is slow: compare as buffers
  expect(Buffer.from(viaJs).equals(Buffer.from(input))).toBe(true);
  expect(viaRust.equals(Buffer.from(input))).toBe(true);
  return n;
}

describe("snappy block compression, decoded by snappyjs and by snappy (Rust)", () => {
  it("edge cases: empty, 1 byte, around the 15-byte minimum fragment, the 64 KiB fragment boundary", () => {
    for (const n of [0, 1, 2, 3, 4, 5, 14, 15, 16, 17, 60, 61, 62, 255, 256, 257, 65535, 65536, 65537, 65536 * 2 + 7]) {
      roundTrip(wordy(n, n + 1));
      roundTrip(randomBytes(n, n + 2));
      roundTrip(new Uint8Array(n).fill(0x61));
    }
  });

  it("empty input is the single preamble byte 0", () => {
    const dst = new Uint8Array(8);
    expect(new SnappyCompressor().compress(new Uint8Array(0), dst)).toBe(1);
    expect(dst[0]).toBe(0);
  });

  it("long runs compress into copies of at most 64 bytes (offset 1), across several fragments", () => {
    const run = new Uint8Array(300000).fill(7);
    const n = roundTrip(run);
    // about 3 bytes per 64 input bytes, plus one literal per fragment
    expect(n).toBeLessThan((300000 / 64) * 3 + 100);
  });

  it("incompressible input stays within maxCompressedLength and decodes", () => {
    const input = randomBytes(200000, 99);
    const n = roundTrip(input);
    expect(n).toBeLessThanOrEqual(maxCompressedLength(input.length));
    expect(n).toBeGreaterThan(input.length); // literals cost their headers
  });

  it("repeats far apart (2-byte offsets) and near (1-byte offsets) are both found", () => {
    const input = randomBytes(10000, 5);
    const pattern = randomBytes(40, 6);
    input.set(pattern, 100);
    input.set(pattern, 300); // offset 200: 1-byte offset copies (length > 11: a 2-byte offset copy, then none)
    input.set(pattern.subarray(0, 8), 1000);
    input.set(pattern.subarray(0, 8), 1500); // offset 500, length 8: 1-byte offset
    input.set(pattern, 9000); // offset 8700: 2-byte offset
    const n = roundTrip(input);
    expect(n).toBeLessThan(maxCompressedLength(10000) - 60);
  });

  it("text-like input compresses (below 60 % of its size) and decodes", () => {
    const input = wordy(50000, 3);
    const n = roundTrip(input);
    expect(n / input.length).toBeLessThan(0.6);
  });

  it("every table size from 2^10 to 2^14 gives a valid block", () => {
    const input = wordy(70000, 8);
    for (let bits = 10; bits <= 14; bits++) roundTrip(input, new SnappyCompressor(bits));
  });

  it("one compressor reused for many inputs (its table is cleared for each fragment)", () => {
    const c = new SnappyCompressor(10);
    for (let i = 0; i < 20; i++) roundTrip(i % 2 ? wordy(3000 + i * 997, i) : randomBytes(500 + i, i), c);
  });

  it("fast-check: arbitrary bytes, and bytes from a 4-letter alphabet (many matches)", () => {
    const c = new SnappyCompressor();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (input) => void roundTrip(input, c)),
      { numRuns: 300 },
    );
    const skewed = fc.array(fc.constantFrom(0, 1, 2, 255), { maxLength: 5000 }).map((a) => Uint8Array.from(a));
    fc.assert(
      fc.property(skewed, (input) => void roundTrip(input, c)),
      { numRuns: 300 },
    );
    const pieces = fc.array(
      fc.oneof(
        fc.uint8Array({ minLength: 1, maxLength: 100 }),
        fc.constantFrom(new Uint8Array(70).fill(9), wordy(100, 1)),
      ),
      { maxLength: 200 },
    );
    fc.assert(
      fc.property(pieces, (parts) => {
        const input = Buffer.concat(parts.map((p) => Buffer.from(p)));
        roundTrip(new Uint8Array(input), c);
      }),
      { numRuns: 200 },
    );
  });

  it("a source longer than `length`: only the first `length` bytes are compressed", () => {
    const src = wordy(5000, 4);
    const dst = new Uint8Array(maxCompressedLength(5000));
    const n = new SnappyCompressor().compress(src, dst, 1234);
    expect(Buffer.from(snappyjs.uncompress(dst.subarray(0, n))).equals(Buffer.from(src.subarray(0, 1234)))).toBe(true);
  });

  it("a destination too small gives -1, never an exception or a write past its end", () => {
    const input = wordy(20000, 11);
    const full = new Uint8Array(maxCompressedLength(input.length));
    const need = new SnappyCompressor().compress(input, full);
    const backing = new Uint8Array(need + 16);
    for (const size of [0, 1, 4, 5, 100, need - 2, need - 1]) {
      backing.fill(0xee);
      expect(new SnappyCompressor().compress(input, backing.subarray(0, size))).toBe(-1);
      expect(backing.subarray(size).every((b) => b === 0xee)).toBe(true);
    }
    expect(new SnappyCompressor().compress(input, backing.subarray(0, need))).toBe(need);
    const incompressible = randomBytes(1000, 12);
    expect(snappyUncompressed(incompressible, new Uint8Array(1000))).toBe(-1);
  });

  it("bad arguments are refused with a clear error", () => {
    expect(() => new SnappyCompressor(9)).toThrow(/tableBits/);
    expect(() => new SnappyCompressor(15)).toThrow(/tableBits/);
    expect(() => new SnappyCompressor().compress(new Uint8Array(4), new Uint8Array(20), 5)).toThrow(/length/);
    expect(() => new SnappyCompressor().compress(new Uint8Array(4), new Uint8Array(20), 1.5)).toThrow(/length/);
  });

  it("snappyUncompressed: one literal with every length encoding (1 to 4 extra length bytes) decodes", () => {
    for (const n of [0, 1, 60, 61, 256, 257, 65536, 65537, (1 << 24) + 1]) {
      const input = n < 100000 ? randomBytes(n, n + 3) : new Uint8Array(n).fill(0x5a);
      const dst = new Uint8Array(n + 10);
      const m = snappyUncompressed(input, dst);
      expect(m).toBeLessThanOrEqual(n + 10);
      const block = dst.subarray(0, m);
      expect(Buffer.from(snappyjs.uncompress(block)).equals(Buffer.from(input))).toBe(true);
      expect((uncompressSync(Buffer.from(block)) as Buffer).equals(Buffer.from(input))).toBe(true);
    }
  });
});
