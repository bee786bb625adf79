import type { Format } from "./types";
import { renderLines } from "./render";
import type { RenderSource } from "./render";

/**
 * Pull reader: `read(buf)` fills up to buf.length bytes of UTF-8 and returns how many it wrote; 0 means the
 * exposition is complete (for a non-empty buf). State between calls: the current line (a string), an index into
 * it and at most 3 pending bytes of a character split across chunks — never the whole exposition.
 * UTF-8 is encoded by hand (no TextEncoder on the device); a lone surrogate becomes U+FFFD.
 */
export class Reader {
  private readonly lines: Generator<string, void, undefined>;
  private line = "";
  private pos = 0;
  private readonly pend = [0, 0, 0];
  private pendN = 0;
  private pendI = 0;
  private finished = false;
  /** Bytes produced so far. */
  bytes = 0;

  constructor(src: RenderSource, readonly format: Format) {
    this.lines = renderLines(src, format);
  }

  get done(): boolean {
    return this.finished && this.pendI === this.pendN && this.pos >= this.line.length;
  }

  read(buf: Uint8Array): number {
    const len = buf.length;
    let n = 0;
    const pend = this.pend;
    while (n < len) {
      if (this.pendI < this.pendN) {
        while (this.pendI < this.pendN && n < len) buf[n++] = pend[this.pendI++];
        continue;
      }
      let line = this.line;
      let pos = this.pos;
      if (pos >= line.length) {
        if (this.finished) break;
        const r = this.lines.next();
        if (r.done) {
          this.finished = true;
          this.line = "";
          this.pos = 0;
          break;
        }
        line = this.line = r.value;
        pos = 0;
      }
      const ln = line.length;
      while (pos < ln && n < len) {
        let c = line.charCodeAt(pos++);
        if (c < 0x80) {
          buf[n++] = c;
          continue;
        }
        let k: number;
        let b0: number, b1 = 0, b2 = 0, b3 = 0;
        if (c < 0x800) {
          k = 2;
          b0 = 0xc0 | (c >> 6);
          b1 = 0x80 | (c & 63);
        } else {
          if (c >= 0xd800 && c <= 0xdfff) {
            const d = pos < ln ? line.charCodeAt(pos) : 0;
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
          const all = [b0, b1, b2, b3];
          let i = 0;
          while (n < len) buf[n++] = all[i++];
          this.pendN = 0;
          while (i < k) pend[this.pendN++] = all[i++];
          this.pendI = 0;
        }
      }
      this.line = line;
      this.pos = pos;
    }
    this.bytes += n;
    return n;
  }
}

export function createReader(src: RenderSource, format: Format): Reader {
  return new Reader(src, format);
}
