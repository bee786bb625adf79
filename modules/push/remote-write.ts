/*
 * The body of a Prometheus remote-write 1.0 request before compression: a `WriteRequest` protobuf (prometheus/prompb
 * types.proto and remote.proto, the schema of the remote-write 1.0 specification):
 *
 *   message WriteRequest { repeated TimeSeries timeseries = 1; }
 *   message TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
 *   message Label        { string name = 1; string value = 2; }
 *   message Sample       { double value = 1; int64 timestamp = 2; }
 *
 * Written for the device: a series' labels are encoded once (`encodeLabels`, at run time, when the series is made)
 * and copied with one native `set` per series; a request is written into a buffer the caller owns and bounds, by
 * `RequestEncoder`, which never grows it and says when the next series does not fit. No per-character loop over a
 * string: names and values become UTF-8 through the platform's native encoder (modules/text/utf8.ts).
 * Two ways to a request body: RequestEncoder then SnappyCompressor (snappy.ts: the smallest body, but compressing
 * costs the XS interpreter ~1 600–2 500 instructions per byte), or SnappyRequestWriter (snappy-request.ts: the
 * request written as a snappy block directly, label entries shared between series becoming copies; ~6 times
 * cheaper on XS, a larger body). Figures: docs/bench-xs.md, "Remote write".
 *
 * What the specification asks of a label set, and how it is met here:
 *  - label names sorted in lexicographical order: sorted by their UTF-8 bytes (what the receivers compare), so
 *    `__name__` comes first before every name that starts with a lower-case letter or `_`; a name starting with an
 *    upper-case letter or a digit sorts before it, as the receivers require (Cortex and Mimir reject a set that is
 *    not in byte order);
 *  - no repeated names: an error; no empty names: an error; no empty values: a label whose value is empty is left
 *    out (Prometheus treats it as absent);
 *  - samples of a series in timestamp order: an error otherwise.
 * Both fields of a Sample are always written (proto3 leaves a zero out; decoders accept it either way), so that the
 * size of a sample depends only on its timestamp. NaN is written as Prometheus's own NaN (0x7ff8000000000001): the
 * stale marker 0x7ff0000000000002 "MUST NOT be used otherwise"; `RequestEncoder.stale` writes a stale marker.
 */
import { encode } from "../text/utf8";

/** A label set or a sample that the specification does not allow. */
export class RemoteWriteError extends Error {
  override name = "RemoteWriteError";
}

const TWO32 = 4294967296;
const INT64_LIMIT = 2 ** 63;

/** @internal Bytes of the varint of a length or another integer 0 <= n < 2^31. */
export function varintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

/** @internal Writes the varint of 0 <= n < 2^31 at dst[at]; returns the index after it. */
export function putVarint(dst: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) {
    dst[at++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  dst[at++] = n;
  return at;
}

/** @internal Bytes of the int64 varint of an integer timestamp t, -2^63 <= t < 2^63 (a negative one takes 10). */
export function timestampSize(t: number): number {
  if (t < 0) return 10;
  if (t < 0x10000000) return varintSize(t);
  // 2^35, 2^42, 2^49, 2^56
  return t < 34359738368 ? 5 : t < 4398046511104 ? 6 : t < 562949953421312 ? 7 : t < 72057594037927936 ? 8 : 9;
}

/** @internal */
export function checkTimestamp(t: number): void {
  // t % 1 is NaN for NaN and ±Infinity (no call: cheaper than Number.isInteger on XS)
  if (t % 1 !== 0 || t < -INT64_LIMIT || t >= INT64_LIMIT)
    throw new RemoteWriteError("timestamp " + String(t) + " is not an integer number of milliseconds in int64 range");
}

/** @internal Compares two byte strings (a < b: negative). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/**
 * The labels of one series as the TimeSeries `labels` fields, ready to be copied into each request: made once per
 * series (labels do not change), e.g. when the series is created.
 * `names`/`values`: the series' own labels, `__name__` among them; `externalNames`/`externalValues`: labels added to
 * every series (remote write's external labels) unless the series has a label of that name already.
 * Throws a RemoteWriteError for an empty or repeated name, lists of different lengths, or a set left empty.
 */
export function encodeLabels(
  names: readonly string[],
  values: readonly string[],
  externalNames: readonly string[] = [],
  externalValues: readonly string[] = [],
): Uint8Array {
  if (names.length !== values.length || externalNames.length !== externalValues.length)
    throw new RemoteWriteError("label names and values differ in number");
  const nameBytes: Uint8Array[] = [];
  const valueBytes: Uint8Array[] = [];
  const seen: string[] = [];
  for (let pass = 0; pass < 2; pass++) {
    const ns = pass === 0 ? names : externalNames;
    const vs = pass === 0 ? values : externalValues;
    for (let i = 0; i < ns.length; i++) {
      const name = ns[i];
      if (typeof name !== "string" || name === "") throw new RemoteWriteError("a label name is empty");
      if (typeof vs[i] !== "string") throw new RemoteWriteError("the value of label " + name + " is not a string");
      if (seen.indexOf(name) >= 0) {
        if (pass === 0) throw new RemoteWriteError("label " + name + " is repeated");
        continue; // an external label the series has already
      }
      seen.push(name);
      if (vs[i] === "") continue; // an empty value is the label's absence
      nameBytes.push(encode(name));
      valueBytes.push(encode(vs[i]));
    }
  }
  const count = nameBytes.length;
  if (count === 0) throw new RemoteWriteError("a series needs at least one label with a value");
  // insertion sort by name bytes (a handful of labels; done once per series)
  const order: number[] = [];
  for (let i = 0; i < count; i++) {
    let j = i;
    while (j > 0 && compareBytes(nameBytes[order[j - 1]], nameBytes[i]) > 0) {
      order[j] = order[j - 1];
      j--;
    }
    order[j] = i;
  }
  let size = 0;
  for (let i = 0; i < count; i++) {
    const label =
      2 +
      varintSize(nameBytes[i].length) +
      nameBytes[i].length +
      varintSize(valueBytes[i].length) +
      valueBytes[i].length;
    size += 1 + varintSize(label) + label;
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (let k = 0; k < count; k++) {
    const n = nameBytes[order[k]];
    const v = valueBytes[order[k]];
    out[at++] = 0x0a; // TimeSeries.labels = 1, length-delimited
    at = putVarint(out, at, 2 + varintSize(n.length) + n.length + varintSize(v.length) + v.length);
    out[at++] = 0x0a; // Label.name = 1
    at = putVarint(out, at, n.length);
    out.set(n, at);
    at += n.length;
    out[at++] = 0x12; // Label.value = 2
    at = putVarint(out, at, v.length);
    out.set(v, at);
    at += v.length;
  }
  return out;
}

/**
 * Writes WriteRequest bodies into one buffer that the caller owns: `reset()`, then `series()` (or `sample()`,
 * `stale()`) per series, then send `bytes()` (compressed: snappy.ts). A series that does not fit in what is left is
 * not written and the call returns false: the request is full (send it, reset, go on with that series).
 */
export class RequestEncoder {
  readonly buffer: Uint8Array;
  /** bytes written since the last reset */
  length = 0;
  #view: DataView;

  constructor(buffer: Uint8Array) {
    this.buffer = buffer;
    this.#view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }

  reset(): void {
    this.length = 0;
  }

  /** The request so far (a view of the buffer, valid until the next write). */
  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }

  /**
   * Appends one TimeSeries: `labels` from encodeLabels, and `count` samples from `values[from]` and
   * `timestamps[from]` on (milliseconds since the epoch, integers, in time order). Returns false, with nothing
   * written, when the series does not fit; throws a RemoteWriteError for a bad timestamp (nothing written).
   */
  series(
    labels: Uint8Array,
    values: ArrayLike<number>,
    timestamps: ArrayLike<number>,
    from = 0,
    count = values.length - from,
  ): boolean {
    if (!(from >= 0 && count >= 1 && from + count <= values.length && from + count <= timestamps.length))
      throw new RemoteWriteError(
        "series(): samples " +
          String(from) +
          ".." +
          String(from + count - 1) +
          " are not all in the arrays (a series needs at least one)",
      );
    let body = labels.length;
    let previous = -Infinity;
    for (let i = from; i < from + count; i++) {
      const t = timestamps[i];
      checkTimestamp(t);
      if (t < previous)
        throw new RemoteWriteError("timestamps of a series out of order: " + String(t) + " after " + String(previous));
      previous = t;
      body += 12 + timestampSize(t); // 0x12 len 0x09 double 0x10 varint
    }
    const start = this.length;
    const end = start + 1 + varintSize(body) + body;
    if (end > this.buffer.length) return false;
    const b = this.buffer;
    b[start] = 0x0a; // WriteRequest.timeseries = 1
    let at = putVarint(b, start + 1, body);
    b.set(labels, at);
    at += labels.length;
    for (let i = from; i < from + count; i++)
      at = writeSample(this.buffer, this.#view, at, values[i], timestamps[i], timestampSize(timestamps[i]), false);
    this.length = at;
    return true;
  }

  /** One series with one sample: as series(), without arrays. */
  sample(labels: Uint8Array, value: number, timestamp: number): boolean {
    // written out (calls cost most on XS): the usual timestamp, 2^28 <= t < 2^42 (1970-01-04 to 2109), is checked
    // inline; any other goes through checkTimestamp and timestampSize
    const t = timestamp;
    let size: number;
    if (t >= 268435456 && t < 4398046511104 && t % 1 === 0) size = t < 34359738368 ? 5 : 6;
    else {
      checkTimestamp(t);
      size = timestampSize(t);
    }
    const n = labels.length;
    const body = n + 12 + size;
    const b = this.buffer;
    let at = this.length;
    if (at + (body < 0x80 ? 2 : body < 0x4000 ? 3 : 1 + varintSize(body)) + body > b.length) return false;
    b[at] = 0x0a;
    if (body < 0x80) {
      b[at + 1] = body;
      at += 2;
    } else at = putVarint(b, at + 1, body);
    b.set(labels, at);
    this.length = writeSample(this.buffer, this.#view, at + n, value, t, size, false);
    return true;
  }

  /** One series with a stale marker at `timestamp`: the series ended (remote write 1.0, "Stale Markers"). */
  stale(labels: Uint8Array, timestamp: number): boolean {
    return this.#one(labels, 0, timestamp, true);
  }

  #one(labels: Uint8Array, value: number, timestamp: number, stale: boolean): boolean {
    checkTimestamp(timestamp);
    const body = labels.length + 12 + timestampSize(timestamp);
    const start = this.length;
    if (start + 1 + varintSize(body) + body > this.buffer.length) return false;
    const b = this.buffer;
    b[start] = 0x0a;
    const at = putVarint(b, start + 1, body);
    b.set(labels, at);
    this.length = writeSample(
      this.buffer,
      this.#view,
      at + labels.length,
      value,
      timestamp,
      timestampSize(timestamp),
      stale,
    );
    return true;
  }
}

/**
 * @internal Writes the samples field (TimeSeries.samples = 2) of one sample at b[at] (size: timestampSize(t);
 * view: a DataView of b's bytes); returns the index after it. Shared by the request writers.
 */
export function writeSample(
  b: Uint8Array,
  view: DataView,
  at: number,
  value: number,
  t: number,
  size: number,
  stale: boolean,
): number {
  b[at] = 0x12;
  b[at + 1] = 10 + size;
  b[at + 2] = 0x09; // Sample.value = 1, 64-bit
  if (stale || value !== value) {
    // 0x7ff0000000000002 (stale marker) or 0x7ff8000000000001 (Prometheus's NaN), little-endian
    b[at + 3] = stale ? 2 : 1;
    b[at + 4] = 0;
    b[at + 5] = 0;
    b[at + 6] = 0;
    b[at + 7] = 0;
    b[at + 8] = 0;
    b[at + 9] = stale ? 0xf0 : 0xf8;
    b[at + 10] = 0x7f;
  } else view.setFloat64(at + 3, value, true);
  b[at + 11] = 0x10; // Sample.timestamp = 2, varint
  at += 12;
  if (size < 5) return putVarint(b, at, t);
  if (size < 9 && t < 9007199254740992) {
    // 0 <= t < 2^53 (the usual case): the low 28 bits as 4 bytes, the rest (< 2^25) after: small integers only
    const low = t % 268435456;
    let high = (t - low) / 268435456;
    b[at] = (low & 0x7f) | 0x80;
    b[at + 1] = ((low >>> 7) & 0x7f) | 0x80;
    b[at + 2] = ((low >>> 14) & 0x7f) | 0x80;
    b[at + 3] = (low >>> 21) | 0x80;
    at += 4;
    while (high >= 0x80) {
      b[at++] = (high & 0x7f) | 0x80;
      high >>>= 7;
    }
    b[at++] = high;
    return at;
  }
  // two 32-bit halves of the two's complement, then 7 bits at a time
  let hi = Math.floor(t / TWO32);
  let lo = t - hi * TWO32;
  hi = hi >>> 0;
  while (hi !== 0) {
    b[at++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi = hi >>> 7;
  }
  while (lo > 0x7f) {
    b[at++] = (lo & 0x7f) | 0x80;
    lo = lo >>> 7;
  }
  b[at++] = lo;
  return at;
}
