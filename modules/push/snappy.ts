/*
 * Snappy block compression (the block format, not the framed one: what remote write asks for), written for the
 * device after the format description of google/snappy (format_description.txt):
 *   - a preamble: the uncompressed length as a varint;
 *   - then elements, each a tag byte whose low two bits give its kind:
 *       00 literal: length-1 in the upper six bits when below 60, else 60..63 = the length-1 follows in 1..4 bytes
 *          (little-endian), then the bytes themselves;
 *       01 copy, 1-byte offset: length 4..11 as (length-4) in bits 2..4, offset bits 8..10 in bits 5..7, then the
 *          low eight bits of the offset (offset < 2048);
 *       10 copy, 2-byte offset: length-1 (1..64) in the upper six bits, then the offset as 16 bits little-endian;
 *       11 copy, 4-byte offset (not written here).
 * Like the reference compressor, the input is cut into fragments of 64 KiB compressed independently (so every
 * offset fits in 16 bits) and matches are found greedily through a hash table of the 4-byte sequences seen, with a
 * step that grows over incompressible data. Memory is bounded: the table (Uint16, 2^tableBits entries, 2^10 to
 * 2^14) is allocated on first use and reused; output goes to a buffer the caller gives and is never grown.
 */

/** The most bytes `compress` can write for `n` input bytes (as the reference: 32 + n + n/6). */
export function maxCompressedLength(n: number): number {
  return 32 + n + Math.floor(n / 6);
}

const FRAGMENT = 65536;
/** fragments shorter than this are written as one literal (as the reference compressor: no room for a match) */
const MIN_FRAGMENT = 15;

/** Writes the varint of 0 <= n < 2^32 at dst[at]; returns the index after it. */
function putVarint(dst: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) {
    dst[at++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  dst[at++] = n;
  return at;
}

/**
 * Writes the literal src[from, to) at dst[at]; returns the index after it, or -1 when dst[0, cap) is too small.
 * (Exported for the compressing request writer, snappy-request.ts.)
 */
export function literal(src: Uint8Array, from: number, to: number, dst: Uint8Array, at: number, cap: number): number {
  const n = to - from;
  const m = n - 1;
  if (at + n + (m < 60 ? 1 : m < 0x100 ? 2 : m < 0x10000 ? 3 : m < 0x1000000 ? 4 : 5) > cap) return -1;
  if (m < 60) dst[at++] = m << 2;
  else if (m < 0x100) {
    dst[at++] = 60 << 2;
    dst[at++] = m;
  } else if (m < 0x10000) {
    dst[at++] = 61 << 2;
    dst[at++] = m & 0xff;
    dst[at++] = m >>> 8;
  } else if (m < 0x1000000) {
    dst[at++] = 62 << 2;
    dst[at++] = m & 0xff;
    dst[at++] = (m >>> 8) & 0xff;
    dst[at++] = m >>> 16;
  } else {
    dst[at++] = 63 << 2;
    dst[at++] = m & 0xff;
    dst[at++] = (m >>> 8) & 0xff;
    dst[at++] = (m >>> 16) & 0xff;
    dst[at++] = m >>> 24;
  }
  if (n <= 8) for (let i = from; i < to; i++) dst[at++] = src[i];
  else {
    dst.set(src.subarray(from, to), at);
    at += n;
  }
  return at;
}

/** Writes a copy of `length` (>= 4) bytes from `offset` (1..65535) back; returns the index after it, or -1. */
export function copy(dst: Uint8Array, at: number, cap: number, offset: number, length: number): number {
  // pieces of 64 while more than 67 remain, then one of 60 if more than 64 remain: every piece is 4..64 long
  while (length >= 68) {
    if (at + 3 > cap) return -1;
    dst[at++] = (63 << 2) | 2;
    dst[at++] = offset & 0xff;
    dst[at++] = offset >>> 8;
    length -= 64;
  }
  if (length > 64) {
    if (at + 3 > cap) return -1;
    dst[at++] = (59 << 2) | 2;
    dst[at++] = offset & 0xff;
    dst[at++] = offset >>> 8;
    length -= 60;
  }
  if (length < 12 && offset < 2048) {
    if (at + 2 > cap) return -1;
    dst[at++] = ((offset >>> 8) << 5) | ((length - 4) << 2) | 1;
    dst[at++] = offset & 0xff;
  } else {
    if (at + 3 > cap) return -1;
    dst[at++] = ((length - 1) << 2) | 2;
    dst[at++] = offset & 0xff;
    dst[at++] = offset >>> 8;
  }
  return at;
}

/**
 * A snappy compressor with its hash table: make one (at run time) and reuse it. `tableBits` (10..14, default 12):
 * 2^tableBits Uint16 entries, 8 KB at 12; fewer bits, less memory and a little less compression.
 */
export class SnappyCompressor {
  readonly tableBits: number;
  #table: Uint16Array | undefined;

  constructor(tableBits = 12) {
    if (!(tableBits >= 10 && tableBits <= 14 && Math.floor(tableBits) === tableBits))
      throw new RangeError("snappy: tableBits must be an integer from 10 to 14");
    this.tableBits = tableBits;
  }

  /**
   * Compresses src[0, length) into dst. Returns the number of bytes written, or -1 when dst is too small (its
   * content is then undefined); a dst of maxCompressedLength(length) bytes always suffices.
   */
  compress(src: Uint8Array, dst: Uint8Array, length = src.length): number {
    if (!(length >= 0 && length <= src.length && Math.floor(length) === length))
      throw new RangeError("snappy: length out of the source's range");
    const cap = dst.length;
    if (cap < 5) return -1;
    let at = putVarint(dst, 0, length);
    let table = this.#table;
    if (table === undefined) this.#table = table = new Uint16Array(1 << this.tableBits);
    for (let base = 0; base < length && at >= 0; base += FRAGMENT) {
      const end = base + FRAGMENT < length ? base + FRAGMENT : length;
      at =
        end - base < MIN_FRAGMENT
          ? literal(src, base, end, dst, at, cap)
          : this.#fragment(table, src, base, end, dst, at, cap);
    }
    return at;
  }

  /** Compresses the fragment src[base, end) (at most 64 KiB, at least MIN_FRAGMENT bytes); returns as literal(). */
  #fragment(
    table: Uint16Array,
    whole: Uint8Array,
    base: number,
    end: number,
    dst: Uint8Array,
    at: number,
    cap: number,
  ): number {
    // positions are counted from the fragment's start (they fit the Uint16 table)
    const src = base === 0 && end === whole.length ? whole : whole.subarray(base, end);
    const length = end - base;
    // a table no larger than the fragment needs (at least 2^10 entries), cleared: every entry is position 0
    let bits = 10;
    while (bits < this.tableBits && 1 << bits < length) bits++;
    const mask = (1 << bits) - 1;
    const bits2 = bits + bits;
    table.fill(0, 0, mask + 1);
    // Every position up to `last` (where the last 4-byte sequence starts) is looked up while nothing matches; once
    // the pending literal is 32 bytes long the step grows by one every 32 bytes (as the reference: incompressible
    // data is crossed faster). `w` holds the 4 bytes at ip, big-endian, rolled on by one byte per step of 1. Written
    // for an interpreter: locals only, no call in the loop but to emit, the 4 bytes compared one by one. Position 0
    // is in the table (cleared to 0), so the scan starts at 1 and a candidate is always before ip.
    const last = length - 4;
    let pending = 0; // start of the bytes not written yet (the next literal)
    let ip = 1;
    let w = (src[1] << 24) | (src[2] << 16) | (src[3] << 8) | src[4];
    for (;;) {
      const h = (w ^ (w >>> bits) ^ (w >>> bits2)) & mask;
      const candidate = table[h];
      table[h] = ip;
      if (
        src[candidate] === src[ip] &&
        src[candidate + 1] === src[ip + 1] &&
        src[candidate + 2] === src[ip + 2] &&
        src[candidate + 3] === src[ip + 3]
      ) {
        // a match of at least 4 bytes: extend it forward
        const offset = ip - candidate;
        let m = ip + 4;
        while (m < length && src[m] === src[m - offset]) m++;
        if (pending < ip) {
          at = literal(src, pending, ip, dst, at, cap);
          if (at < 0) return -1;
        }
        at = copy(dst, at, cap, offset, m - ip);
        if (at < 0) return -1;
        pending = ip = m;
        if (ip > last) break;
        w = (src[ip] << 24) | (src[ip + 1] << 16) | (src[ip + 2] << 8) | src[ip + 3];
      } else if (ip - pending < 32) {
        if (++ip > last) break;
        w = (w << 8) | src[ip + 3];
      } else {
        ip += (ip - pending) >> 5;
        if (ip > last) break;
        w = (src[ip] << 24) | (src[ip + 1] << 16) | (src[ip + 2] << 8) | src[ip + 3];
      }
    }
    return pending < length ? literal(src, pending, length, dst, at, cap) : at;
  }
}

/**
 * The input as one literal: a valid snappy block that does not compress (remote write requires snappy; this costs
 * one copy where compressing costs a pass of JavaScript over every byte). Returns bytes written, or -1 when dst is
 * too small (it needs length + 10 bytes at most).
 */
export function snappyUncompressed(src: Uint8Array, dst: Uint8Array, length = src.length): number {
  if (!(length >= 0 && length <= src.length && Math.floor(length) === length))
    throw new RangeError("snappy: length out of the source's range");
  if (dst.length < 5) return -1;
  const at = putVarint(dst, 0, length);
  return length === 0 ? at : literal(src, 0, length, dst, at, dst.length);
}
