/*
 * A remote-write request written directly as a snappy block, without a compression pass: the cheap way on XS.
 *
 * Compressing a request byte by byte (snappy.ts) costs the interpreter ~2 500 instructions per byte: every typed-array
 * element read is a slow path. But the redundancy of a WriteRequest is known where it is written: a series' labels
 * repeat those of earlier series (external labels in every series, `__name__` in every series of a family, shared
 * label pairs). So labels are encoded once as `LabelEntry` objects that series share, and the writer remembers where
 * each entry was last written in the uncompressed stream: an entry seen before (within 64 KiB) becomes a snappy copy
 * (3 bytes), anything else a literal. Entries are recognised by identity (the same object), never by comparing
 * bytes: sharing an entry between series is the caller's job (a family's `__name__` entry, the external labels'
 * entries made once), and an entry that is not shared is simply written as a literal.
 * The output is a valid snappy block of a valid WriteRequest (the same bytes as RequestEncoder would write for
 * the same label sets, once decompressed); it compresses less well than snappy.ts, and needs no request buffer and no
 * hash table: one bounded output buffer.
 */
import {
  RemoteWriteError,
  checkTimestamp,
  compareBytes,
  putVarint,
  timestampSize,
  varintSize,
  writeSample,
} from "./remote-write";
import { copy, literal } from "./snappy";
import { encode } from "../text/utf8";

/** One label as the TimeSeries `labels` field, encoded once; share it between the series that have it. */
export class LabelEntry {
  readonly name: string;
  /** the field's bytes: 0x0a len Label{0x0a len name 0x12 len value} */
  readonly bytes: Uint8Array;
  /** bytes.length (a typed array's length is a slow getter on XS) */
  readonly size: number;
  /** @internal where the entry was last written in the uncompressed request, and in which (the request's token) */
  at = 0;
  request: object | undefined = undefined;

  /** Throws a RemoteWriteError for an empty name. */
  constructor(name: string, value: string) {
    if (typeof name !== "string" || name === "") throw new RemoteWriteError("a label name is empty");
    if (typeof value !== "string") throw new RemoteWriteError("the value of label " + name + " is not a string");
    const n = encode(name);
    const v = encode(value);
    const label = 2 + varintSize(n.length) + n.length + varintSize(v.length) + v.length;
    const b = new Uint8Array(1 + varintSize(label) + label);
    b[0] = 0x0a;
    let at = putVarint(b, 1, label);
    b[at++] = 0x0a;
    at = putVarint(b, at, n.length);
    b.set(n, at);
    at += n.length;
    b[at++] = 0x12;
    at = putVarint(b, at, v.length);
    b.set(v, at);
    this.name = name;
    this.bytes = b;
    this.size = b.length;
  }
}

/** The name's bytes within an entry's bytes (parsed when sets are made, so that an entry keeps fewer fields). */
function nameOf(b: Uint8Array): Uint8Array {
  let i = 1;
  while (b[i] & 0x80) i++; // the field's length
  i += 2; // past the length's last byte and the name's tag
  let n = 0;
  for (let shift = 0; ; shift += 7) {
    const x = b[i++];
    n |= (x & 0x7f) << shift;
    if (x < 0x80) break;
  }
  return b.subarray(i, i + n);
}

/** The entry's value is empty (its length byte, after the name and the value's tag, is 0). */
function isEmpty(b: Uint8Array): boolean {
  const name = nameOf(b);
  return b[name.byteOffset - b.byteOffset + name.length + 1] === 0;
}

/**
 * A series' label set from entries: the series' own and external ones (added unless the series has that name),
 * sorted by name bytes, empty values left out. Throws a RemoteWriteError for a repeated name or an empty set.
 * Keep the result (made once per series).
 */
export function labelSet(own: readonly LabelEntry[], external: readonly LabelEntry[] = []): LabelEntry[] {
  const out: LabelEntry[] = [];
  const names: string[] = [];
  for (let pass = 0; pass < 2; pass++) {
    const list = pass === 0 ? own : external;
    for (let i = 0; i < list.length; i++) {
      const e = list[i];
      if (names.indexOf(e.name) >= 0) {
        if (pass === 0) throw new RemoteWriteError("label " + e.name + " is repeated");
        continue;
      }
      names.push(e.name);
      if (isEmpty(e.bytes)) continue;
      // insertion by name bytes
      const key = nameOf(e.bytes);
      let j = out.length;
      while (j > 0 && compareBytes(nameOf(out[j - 1].bytes), key) > 0) j--;
      out.splice(j, 0, e);
    }
  }
  if (out.length === 0) throw new RemoteWriteError("a series needs at least one label with a value");
  return out;
}

/** room kept before the block for the preamble (the uncompressed length, a varint of at most 5 bytes) */
const PREAMBLE = 5;
/** an open literal grows to at most this many bytes (its one-byte header is written when it closes) */
const OPEN_MAX = 60;

/**
 * Writes WriteRequest bodies as snappy blocks into one buffer that the caller owns: `reset()`, then `sample()` (or
 * `stale()`) per series, then `finish()` gives the block to send. A series that does not fit is not written and the
 * call returns false (finish and send what is there, reset, go on).
 */
export class SnappyRequestWriter {
  readonly buffer: Uint8Array;
  #view: DataView;
  /** bytes of the uncompressed request so far */
  length = 0;
  /** next write index in buffer */
  #at = PREAMBLE;
  /** header index of the open literal, -1 when none */
  #lit = -1;
  /** a new object per request: an entry written in another request, or by another writer, is not copied */
  #request: object = {};

  constructor(buffer: Uint8Array) {
    if (buffer.length < PREAMBLE + 2) throw new RangeError("snappy request: buffer too small");
    this.buffer = buffer;
    this.#view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }

  reset(): void {
    this.length = 0;
    this.#at = PREAMBLE;
    this.#lit = -1;
    this.#request = {};
  }

  /** One series with one sample: `labels` from labelSet, the value, a timestamp in ms (an integer). */
  sample(labels: readonly LabelEntry[], value: number, timestamp: number): boolean {
    return this.#series(labels, value, timestamp, false);
  }

  /** One series with a stale marker at `timestamp` (remote write 1.0, "Stale Markers"). */
  stale(labels: readonly LabelEntry[], timestamp: number): boolean {
    return this.#series(labels, 0, timestamp, true);
  }

  /** Closes the block: returns it (a view of the buffer, valid until the next reset or write). */
  finish(): Uint8Array {
    const b = this.buffer;
    if (this.#lit >= 0) {
      b[this.#lit] = (this.#at - this.#lit - 2) << 2;
      this.#lit = -1;
    }
    const start = PREAMBLE - varintSize(this.length);
    putVarint(b, start, this.length);
    return b.subarray(start, this.#at);
  }

  #series(labels: readonly LabelEntry[], value: number, t: number, stale: boolean): boolean {
    // calls cost most on XS: the usual timestamp (2^28 <= t < 2^42) and a body under 128 bytes are handled inline
    let size: number;
    if (t >= 268435456 && t < 4398046511104 && t % 1 === 0) size = t < 34359738368 ? 5 : 6;
    else {
      checkTimestamp(t);
      size = timestampSize(t);
    }
    const count = labels.length;
    let body = 12 + size;
    for (let i = 0; i < count; i++) body += labels[i].size;
    const head = body < 0x80 ? 2 : 1 + varintSize(body);
    // the most this series can take: everything as literals, a header (at most 5 bytes) per piece
    const b = this.buffer;
    const cap = b.length;
    if (this.#at + head + body + 5 * (count + 2) > cap || this.length + head + body > 4294967295) return false;
    const request = this.#request;
    let at = this.#at;
    let lit = this.#lit;
    let pos = this.length;
    // series header and, later, the sample: into the open literal
    if (lit < 0 || at - lit - 1 + head > OPEN_MAX) {
      if (lit >= 0) b[lit] = (at - lit - 2) << 2;
      lit = at++;
    }
    b[at] = 0x0a;
    if (body < 0x80) {
      b[at + 1] = body;
      at += 2;
    } else at = putVarint(b, at + 1, body);
    pos += head;
    for (let i = 0; i < count; i++) {
      const e = labels[i];
      const n = e.size;
      if (e.request === request && pos - e.at < 65536) {
        if (lit >= 0) {
          b[lit] = (at - lit - 2) << 2;
          lit = -1;
        }
        const offset = pos - e.at;
        if (n <= 64) {
          // one 2-byte-offset copy (a label entry is at least 8 bytes long)
          b[at] = ((n - 1) << 2) | 2;
          b[at + 1] = offset & 0xff;
          b[at + 2] = offset >>> 8;
          at += 3;
        } else at = copy(b, at, cap, offset, n);
      } else if (lit >= 0 && at - lit - 1 + n <= OPEN_MAX) {
        b.set(e.bytes, at);
        at += n;
      } else {
        if (lit >= 0) b[lit] = (at - lit - 2) << 2;
        if (n <= OPEN_MAX) {
          lit = at;
          b.set(e.bytes, at + 1);
          at += 1 + n;
        } else {
          lit = -1;
          at = literal(e.bytes, 0, n, b, at, cap);
        }
      }
      e.request = request;
      e.at = pos;
      pos += n;
    }
    if (lit < 0 || at - lit - 1 + 12 + size > OPEN_MAX) {
      if (lit >= 0) b[lit] = (at - lit - 2) << 2;
      lit = at++;
    }
    at = writeSample(b, this.#view, at, value, t, size, stale);
    this.#at = at;
    this.#lit = lit;
    this.length = pos + 12 + size;
    return true;
  }
}
