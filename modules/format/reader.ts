import type { Format } from "./types";
import { renderInto } from "./render";
import type { RenderSource, Sink } from "./render";

const NO_BYTES = new Uint8Array(0);

/**
 * Pull reader: `read(buf)` fills up to buf.length bytes of UTF-8 and returns how many it wrote; 0 means the
 * exposition is complete (for a non-empty buf). The renderer writes the pieces of each line straight into `buf`
 * (no line string is built); what does not fit is kept as text for the next call. State between calls: the rest of
 * the current line (a string), an index into it and at most 3 pending bytes of a character split across chunks —
 * never the whole exposition.
 * UTF-8 is encoded by hand (no TextEncoder on the device); a lone surrogate becomes U+FFFD.
 */
export class Reader implements Sink {
  private readonly lines: Generator<void, void, undefined>;
  /** text of the current line that did not fit into the last buffer */
  private rest = "";
  private restPos = 0;
  private readonly pend = [0, 0, 0];
  private pendN = 0;
  private pendI = 0;
  private finished = false;
  // the buffer being filled (only during read)
  private buf: Uint8Array = NO_BYTES;
  private n = 0;
  private len = 0;
  /** Sink: the buffer is full (the renderer pauses at the end of its line). */
  full = true;
  /** Bytes produced so far. */
  bytes = 0;

  constructor(src: RenderSource, readonly format: Format) {
    this.lines = renderInto(src, format, this);
  }

  get done(): boolean {
    return this.finished && this.pendI === this.pendN && this.restPos >= this.rest.length;
  }

  read(buf: Uint8Array): number {
    this.buf = buf;
    this.n = 0;
    const len = (this.len = buf.length);
    const pend = this.pend;
    while (this.pendI < this.pendN && this.n < len) buf[this.n++] = pend[this.pendI++];
    if (this.restPos < this.rest.length) {
      this.restPos = this.encode(this.rest, this.restPos);
      if (this.restPos >= this.rest.length) {
        this.rest = "";
        this.restPos = 0;
      }
    }
    if (this.n < len) {
      this.full = false;
      while (!this.full && !this.finished) {
        if (this.lines.next().done) this.finished = true;
      }
    }
    const n = this.n;
    this.full = true;
    this.buf = NO_BYTES;
    this.len = 0;
    this.bytes += n;
    return n;
  }

  /** @internal Sink: the renderer's next piece of text. */
  put(s: string): void {
    if (this.full) {
      // the buffer is full: keep the text for the next read (at most the rest of this line)
      this.rest += s;
      return;
    }
    // fast path: an ASCII piece that fits (most pieces)
    const ln = s.length;
    let n = this.n;
    let pos = 0;
    if (ln <= this.len - n) {
      const buf = this.buf;
      while (pos < ln) {
        const a = s.charCodeAt(pos);
        if (a >= 0x80) break;
        buf[n++] = a;
        pos++;
      }
      this.n = n;
      if (pos === ln) {
        if (n >= this.len) this.full = true;
        return;
      }
    }
    pos = this.encode(s, pos);
    if (pos < s.length) {
      this.rest = pos === 0 ? s : s.slice(pos);
      this.restPos = 0;
      this.full = true;
    } else if (this.n >= this.len) this.full = true;
  }

  /** Encodes s from pos into the buffer as far as it fits; returns the position reached. */
  private encode(s: string, pos: number): number {
    const buf = this.buf;
    const len = this.len;
    const ln = s.length;
    let n = this.n;
    for (;;) {
      // a run of ASCII: one bound (whichever ends first, the string or the buffer)
      let end = pos + (len - n);
      if (end > ln) end = ln;
      while (pos < end) {
        const a = s.charCodeAt(pos);
        if (a >= 0x80) break;
        buf[n++] = a;
        pos++;
      }
      if (pos >= ln || n >= len) break;
      let c = s.charCodeAt(pos++);
      let k: number;
      let b0: number, b1 = 0, b2 = 0, b3 = 0;
      if (c < 0x800) {
        k = 2;
        b0 = 0xc0 | (c >> 6);
        b1 = 0x80 | (c & 63);
      } else {
        if (c >= 0xd800 && c <= 0xdfff) {
          const d = pos < ln ? s.charCodeAt(pos) : 0;
          if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
            pos++;
            c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          } else c = 0xfffd;
        }
        if (c < 0x10000) {
          k = 3;
          b0 = 0xe0 | (c >> 12);
          b1 = 0x80 | ((c >> 6) & 63);
          b2 = 0x80 | (c & 63);
        } else {
          k = 4;
          b0 = 0xf0 | (c >> 18);
          b1 = 0x80 | ((c >> 12) & 63);
          b2 = 0x80 | ((c >> 6) & 63);
          b3 = 0x80 | (c & 63);
        }
      }
      if (n + k <= len) {
        buf[n++] = b0;
        buf[n++] = b1;
        if (k > 2) buf[n++] = b2;
        if (k > 3) buf[n++] = b3;
      } else {
        // split character: write what fits, keep the rest pending
        const pend = this.pend;
        const all = [b0, b1, b2, b3];
        let i = 0;
        while (n < len) buf[n++] = all[i++];
        this.pendN = 0;
        while (i < k) pend[this.pendN++] = all[i++];
        this.pendI = 0;
      }
    }
    this.n = n;
    return pos;
  }
}

export function createReader(src: RenderSource, format: Format): Reader {
  return new Reader(src, format);
}
