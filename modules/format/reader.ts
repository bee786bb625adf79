import type { Format } from "./types";
import { LineEncoder, familyPieces, formatCache } from "./encoder";
import type { FamilyPieces } from "./encoder";
import { SHORT, TWO53, formatNumber } from "./numbers";
import type { Family, FamilyDesc, SeriesDesc, Snapshot } from "../model/exposition";
import { encode, encodeInto } from "../text/utf8";

/**
 * Pull reader over a snapshot: `read(buf)` fills buf with the next bytes of the exposition and returns how many;
 * 0 means it is complete (for a non-empty buf). Each call gathers whole units (a family header or all the lines of
 * one series) while their text fits, joins them and converts the text to UTF-8 once, natively.
 * State between calls: the walk's position, at most one unit of text that did not fit, and, only when a unit
 * is larger than the buffer or multi-byte text overflowed it, the bytes of that text not yet read.
 *
 * The reader walks the snapshot itself (as model/exposition's `walk` does): each family's series are taken when the
 * walk reaches it, and each series is written by the family's `_emit`, except for `valued` families in the common
 * case (no default label, no escaping, no `_created`), whose one line per series is written here directly: on XS
 * two calls per series are a third of the cost of a line.
 */
export class Reader {
  // XS finds a property by walking the instance's list (the fields of the walk come first), and each field costs
  // about 450 instructions to create: a reader has few.
  declare private fams: readonly Family[];
  declare private fi: number;
  /** series of the family being walked; null between families */
  declare private list: readonly SeriesDesc[] | null;
  declare private si: number;
  /** pieces of the family being walked when its series take the fast path, else null */
  declare private fp: FamilyPieces | null;
  /** a unit that did not fit the last buffer */
  declare private pending: string;
  /** the encoder of the families that do not take the fast path, made on first use (not set before) */
  declare private enc: LineEncoder | undefined;
  declare private snap: Snapshot;
  declare readonly format: Format;
  declare private cache: WeakMap<FamilyDesc, FamilyPieces>;
  /** bytes still to copy (oversized text), from `spillPos` */
  declare private spill: Uint8Array | null;
  declare private spillPos: number;

  constructor(snapshot: Snapshot, format: Format) {
    this.fams = snapshot.families;
    this.fi = 0;
    this.list = null;
    this.si = 0;
    this.fp = null;
    this.pending = "";
    this.snap = snapshot;
    this.format = format;
    this.cache = formatCache(format);
    this.spill = null;
  }

  /** The exposition has been read whole. */
  get done(): boolean {
    const nf = this.fams.length;
    return (
      this.pending === "" &&
      this.spill === null &&
      (this.fi > nf || (this.fi === nf && this.format.kind !== "openmetrics"))
    );
  }

  read(buf: Uint8Array): number {
    if (this.spill !== null) {
      const k = this.drain(buf);
      return k < buf.length && this.spill === null ? k + this.read(buf.subarray(k)) : k;
    }
    const t = this.next(buf.length);
    if (t === "") return 0;
    const n = encodeInto(t, buf);
    return n >= 0 ? n : this.spillText(t, buf);
  }

  /**
   * The text of the next whole units, at most `cap` UTF-16 code units, or one unit alone when it is longer;
   * "" when the exposition is complete.
   */
  next(cap: number): string {
    let t = this.pending;
    let len = 0;
    if (t !== "") {
      this.pending = "";
      len = t.length;
      if (len >= cap) return t;
    }
    const fams = this.fams;
    const nf = fams.length;
    let list = this.list;
    let si = this.si;
    let fi = this.fi;
    let fp = this.fp;
    let u: string;
    let ul: number;
    walk: for (;;) {
      if (list === null) {
        if (fi >= nf) {
          // OpenMetrics ends with "# EOF" (fi goes one past the families once it is written)
          if (fi > nf || this.format.kind !== "openmetrics") break;
          u = "# EOF\n";
          fi++;
          if (len + 6 > cap && len > 0) {
            this.pending = u;
            break;
          }
          t = len === 0 ? u : t + u;
          len += 6;
          continue;
        }
        const f = fams[fi];
        const snap = this.snap;
        const dn = snap.defaultNames;
        let p = this.cache.get(f);
        if (p === undefined || p.dfltOf !== dn) p = familyPieces(this.cache, f, this.format, dn, snap.defaultValues);
        u = p.header;
        ul = p.hlen;
        if (len + ul > cap && len > 0) break; // the family starts in the next text
        list = f._takeList();
        si = 0;
        fp = p.fast && (f.type !== "counter" || !snap.created || this.format.kind !== "openmetrics") ? p : null;
        if (fp === null) (this.enc ??= new LineEncoder(this.format, snap.created, dn, snap.defaultValues)).family(f);
        t = len === 0 ? u : t + u;
        len += ul;
        if (len >= cap) break;
      }
      const n = list.length; // fixed: the list is never changed in place
      if (fp !== null) {
        // valued family, fast path: one line per series, written here
        const pre0 = fp.pre0;
        const open = fp.open;
        while (si < n) {
          const s = list[si];
          const v = s.value as number;
          // formatNumber's own fast path, inlined (a call per sample is a tenth of a line's cost on XS)
          let vs = String(v);
          if (vs.length > SHORT || !(v < TWO53 && v > -TWO53)) vs = formatNumber(v);
          const key = s.key;
          u = key === "" ? "".concat(pre0, " ", vs, "\n") : "".concat(open, key, "} ", vs, "\n");
          ul = u.length;
          if (len + ul > cap) {
            if (len > 0) {
              this.pending = u;
              si++;
              break walk;
            }
            t = u;
            si++;
            break walk;
          }
          si++;
          t = len === 0 ? u : t + u;
          len += ul;
        }
      } else {
        const f = fams[fi];
        const enc = this.enc as LineEncoder;
        while (si < n) {
          f._emit(list[si++], enc);
          u = enc.unit;
          if (u === "") continue;
          ul = u.length;
          if (len + ul > cap) {
            if (len > 0) this.pending = u;
            else t = u;
            break walk;
          }
          t = len === 0 ? u : t + u;
          len += ul;
        }
      }
      list = null;
      fi++;
    }
    this.list = list;
    this.si = si;
    this.fi = fi;
    this.fp = fp;
    return t;
  }

  /** Text whose UTF-8 does not fit buf: converted whole, copied over this and the next reads. */
  private spillText(t: string, buf: Uint8Array): number {
    this.spill = encode(t);
    this.spillPos = 0;
    const k = this.drain(buf);
    return k < buf.length && this.spill === null ? k + this.read(buf.subarray(k)) : k;
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
  const r = new Reader(snapshot, format);
  const parts: string[] = [];
  for (let t = r.next(4096); t !== ""; t = r.next(4096)) parts.push(t);
  return parts.length === 1 ? parts[0] : parts.join("");
}
