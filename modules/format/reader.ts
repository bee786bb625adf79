import type { Format } from "./types";
import { LineEncoder } from "./encoder";
import type { Snapshot } from "../model/exposition";
import { encode, encodeInto } from "../text/utf8";

/**
 * Pull reader over a snapshot: `read(buf)` fills buf with the next bytes of the exposition and returns how many;
 * 0 means it is complete (for a non-empty buf). Each call gathers whole units (a family header or all the lines of
 * one series) while their text fits, joins them and converts the text to UTF-8 once, natively.
 * State between calls: the snapshot's cursor, at most one unit of text that did not fit, and, only when a unit
 * is larger than the buffer or multi-byte text overflowed it, the bytes of that text not yet read.
 */
export class Reader extends LineEncoder {
  /** a unit that did not fit the last buffer */
  private declare pending: string;
  /** the snapshot is exhausted */
  private declare finished: boolean;
  private declare snapshot: Snapshot;
  /** "# EOF\n" still to write (OpenMetrics) */
  private declare tail: string;
  /** bytes still to copy (oversized text), from `spillPos` */
  private declare spill: Uint8Array | null;
  private declare spillPos: number;
  /** Bytes produced so far. */
  declare bytes: number;

  constructor(snapshot: Snapshot, format: Format) {
    super(format, snapshot.created, snapshot.defaultNames, snapshot.defaultValues);
    this.pending = "";
    this.finished = false;
    this.snapshot = snapshot;
    this.tail = format.kind === "openmetrics" ? "# EOF\n" : "";
    this.spill = null;
    this.spillPos = 0;
    this.bytes = 0;
  }

  get done(): boolean {
    return this.finished && this.tail === "" && this.pending === "" && this.spill === null;
  }

  read(buf: Uint8Array): number {
    const n = this.fill(buf);
    this.bytes += n;
    return n;
  }

  private fill(buf: Uint8Array): number {
    const cap = buf.length;
    if (this.spill !== null) {
      const k = this.drain(buf);
      return k < cap && this.spill === null ? k + this.fill(buf.subarray(k)) : k;
    }
    let t = this.pending;
    this.pending = "";
    let len = t.length;
    if (len > cap) return this.spillText(t, buf);
    const g = this.snapshot;
    for (;;) {
      let u: string;
      if (!this.finished && g.next(this)) u = this.unit;
      else {
        this.finished = true;
        u = this.tail;
        if (u === "") break;
        this.tail = "";
      }
      const ul = u.length;
      if (len + ul > cap) {
        if (len === 0) return this.spillText(u, buf);
        this.pending = u;
        break;
      }
      t = len === 0 ? u : t + u;
      len += ul;
    }
    if (len === 0) return 0;
    const n = encodeInto(t, buf);
    return n >= 0 ? n : this.spillText(t, buf);
  }

  /** Text whose UTF-8 does not fit buf: converted whole, copied over this and the next reads. */
  private spillText(t: string, buf: Uint8Array): number {
    this.spill = encode(t);
    this.spillPos = 0;
    const k = this.drain(buf);
    return k < buf.length && this.spill === null ? k + this.fill(buf.subarray(k)) : k;
  }

  private drain(buf: Uint8Array): number {
    const b = this.spill as Uint8Array;
    const pos = this.spillPos;
    let k = b.length - pos;
    if (k > buf.length) k = buf.length;
    buf.set(pos === 0 && k === b.length ? b : b.subarray(pos, pos + k));
    if (pos + k >= b.length) this.spill = null;
    else this.spillPos = pos + k;
    return k;
  }
}

export function createReader(snapshot: Snapshot, format: Format): Reader {
  return new Reader(snapshot, format);
}

/** The whole exposition of a snapshot as a string (the string API; the server streams with Reader). */
export function renderText(snapshot: Snapshot, format: Format): string {
  const enc = new LineEncoder(format, snapshot.created, snapshot.defaultNames, snapshot.defaultValues);
  const parts: string[] = [];
  while (snapshot.next(enc)) parts.push(enc.unit);
  if (format.kind === "openmetrics") parts.push("# EOF\n");
  return parts.join("");
}
