/*
 * UTF-8, defined once for the device code.
 *
 * Encoding goes through the platform's native encoder (the "text/encoder" module: Moddable's on the device and the
 * simulator, the engine's own TextEncoder on the CI's xsnap, Node's on the host), chosen once by the module map of
 * each platform, so every platform runs this same code. No per-character JavaScript loop: on XS a string is UTF-8
 * already and the conversion is a copy in C.
 *
 * The one rule for lone surrogates (a UTF-16 code unit 0xD800-0xDFFF not part of a high+low pair): it stands for
 * U+FFFD, the replacement character, wherever this code turns a string into code points or bytes (codePointAt,
 * encode, encodeInto), as the WHATWG TextEncoder does. Decoding turns each malformed sequence into U+FFFD too.
 */
import TextEncoder from "text/encoder";

// created on first use: a module-level instance would be frozen into flash when this module is preloaded
let encoder: InstanceType<typeof TextEncoder> | undefined;

/** the replacement character, what a lone surrogate or a malformed byte sequence stands for */
export const REPLACEMENT = 0xfffd;

/**
 * The code point at code unit `i` of `s`: a high+low surrogate pair is one code point (and takes two code units,
 * see codePointUnits); a lone surrogate is U+FFFD. `i` must be within `s`.
 */
export function codePointAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c < 0xd800 || c > 0xdfff) return c;
  if (c <= 0xdbff && i + 1 < s.length) {
    const d = s.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
  }
  return REPLACEMENT;
}

/** True when `s` is well-formed UTF-16 (no lone surrogate), i.e. encodable as UTF-8 as it is. */
export function isWellFormed(s: string): boolean {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (codePointAt(s, i) === REPLACEMENT) return false; // a lone surrogate
    i++; // the low half of the pair
  }
  return true;
}

/** `s` with each lone surrogate replaced by U+FFFD (what a UTF-8 encoder writes for it). */
export function toWellFormed(s: string): string {
  if (isWellFormed(s)) return s;
  let out = "";
  const n = s.length;
  for (let i = 0; i < n; ) {
    const cp = codePointAt(s, i);
    const w = codePointUnits(cp);
    out += cp === REPLACEMENT ? "\ufffd" : s.slice(i, i + w);
    i += w;
  }
  return out;
}

/** how many code units of a string the code point `cp` (a result of codePointAt) took: 2 beyond U+FFFF, else 1 */
export function codePointUnits(cp: number): number {
  return cp > 0xffff ? 2 : 1;
}

/**
 * Writes the UTF-8 of `s` into `dst` from its start. Returns the number of bytes written when all of `s` fit, or
 * -1 when it did not (then `dst` holds a prefix; use `encode` for the whole).
 */
export function encodeInto(s: string, dst: Uint8Array): number {
  encoder ??= new TextEncoder();
  const r = encoder.encodeInto(s, dst);
  // the encoder stops early only when the next character (at most 4 bytes) does not fit
  if (r.written <= dst.length - 4) return r.written;
  // nearly full: complete only if every code unit was read (Moddable counts an astral character as one, so a
  // complete string with one is reported -1 here: the caller's fallback is correct, only slower)
  return r.read === s.length ? r.written : -1;
}

/** The UTF-8 of `s` as a new array. */
export function encode(s: string): Uint8Array {
  encoder ??= new TextEncoder();
  return encoder.encode(s);
}

/**
 * The text of UTF-8 `bytes[start, end)`. Never throws: malformed input becomes U+FFFD exactly as the WHATWG decoder
 * makes it (one per maximal invalid subpart: a stray continuation byte, a truncated, overlong or surrogate sequence,
 * beyond U+10FFFF). One string concatenation per character: meant for short texts (a peer's error message), not for
 * bulk data.
 */
export function decode(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let s = "";
  let need = 0;
  let seen = 0;
  let cp = 0;
  let lower = 0x80;
  let upper = 0xbf;
  for (let i = start; i < end; i++) {
    const b = bytes[i];
    if (need === 0) {
      if (b < 0x80) s += String.fromCharCode(b);
      else if (b >= 0xc2 && b <= 0xdf) {
        need = 1;
        cp = b & 0x1f;
      } else if (b >= 0xe0 && b <= 0xef) {
        if (b === 0xe0) lower = 0xa0;
        else if (b === 0xed) upper = 0x9f;
        need = 2;
        cp = b & 0x0f;
      } else if (b >= 0xf0 && b <= 0xf4) {
        if (b === 0xf0) lower = 0x90;
        else if (b === 0xf4) upper = 0x8f;
        need = 3;
        cp = b & 0x07;
      } else s += "\ufffd";
      continue;
    }
    if (b < lower || b > upper) {
      // the sequence breaks off: one U+FFFD for it, and this byte starts afresh
      need = seen = cp = 0;
      lower = 0x80;
      upper = 0xbf;
      s += "\ufffd";
      i--;
      continue;
    }
    lower = 0x80;
    upper = 0xbf;
    cp = (cp << 6) | (b & 0x3f);
    if (++seen === need) {
      s += String.fromCodePoint(cp);
      need = seen = cp = 0;
    }
  }
  if (need !== 0) s += "\ufffd";
  return s;
}
