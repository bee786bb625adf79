// UTF-8 helpers for tests that also run on XS (no TextEncoder/TextDecoder/Buffer there).

export function utf8Encode(s: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      } else c = 0xfffd;
    } else if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return new Uint8Array(out);
}

/** Strict decoder: throws on malformed sequences. */
export function utf8Decode(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; ) {
    const c = b[i];
    let cp: number;
    let k: number;
    if (c < 0x80) {
      cp = c;
      k = 1;
    } else if (c >= 0xc2 && c < 0xe0) {
      cp = c & 0x1f;
      k = 2;
    } else if (c >= 0xe0 && c < 0xf0) {
      cp = c & 0x0f;
      k = 3;
    } else if (c >= 0xf0 && c < 0xf5) {
      cp = c & 0x07;
      k = 4;
    } else throw new Error("invalid UTF-8 lead byte at " + i);
    if (i + k > b.length) throw new Error("truncated UTF-8 at " + i);
    for (let j = 1; j < k; j++) {
      const d = b[i + j];
      if ((d & 0xc0) !== 0x80) throw new Error("invalid UTF-8 continuation at " + (i + j));
      cp = (cp << 6) | (d & 63);
    }
    if ((k === 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (k === 4 && (cp < 0x10000 || cp > 0x10ffff)))
      throw new Error("invalid UTF-8 code point at " + i);
    s += String.fromCodePoint(cp);
    i += k;
  }
  return s;
}

/** Reads a whole exposition from a pull reader with a fixed chunk size. */
export function readAll(reader: { read(buf: Uint8Array): number }, chunk: number): Uint8Array {
  const buf = new Uint8Array(chunk);
  const parts: number[] = [];
  for (let guard = 0; guard < 10000000; guard++) {
    const n = reader.read(buf);
    if (n === 0) break;
    if (n > chunk) throw new Error("reader wrote more than the buffer");
    for (let i = 0; i < n; i++) parts.push(buf[i]);
  }
  return new Uint8Array(parts);
}
