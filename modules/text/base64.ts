/*
 * Base64 (RFC 4648 section 4, with "=" padding), defined once for the device code (basic auth credentials; the
 * push client's "@base64" label values use the URL-safe alphabet of section 5).
 */

const STANDARD = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL_SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** The Base64 text of `bytes` (standard alphabet; `urlSafe`: "-" and "_" for "+" and "/"), padded with "=". */
export function base64(bytes: Uint8Array, urlSafe = false): string {
  const alphabet = urlSafe ? URL_SAFE : STANDARD;
  const n = bytes.length;
  let s = "";
  for (let i = 0; i < n; i += 3) {
    const a = bytes[i];
    const b = i + 1 < n ? bytes[i + 1] : 0;
    const c = i + 2 < n ? bytes[i + 2] : 0;
    s += alphabet[a >> 2] + alphabet[((a & 3) << 4) | (b >> 4)];
    s += i + 1 < n ? alphabet[((b & 15) << 2) | (c >> 6)] : "=";
    s += i + 2 < n ? alphabet[c & 63] : "=";
  }
  return s;
}

/** The Base64 of `bytes` as ASCII bytes (for comparing with bytes received, e.g. an Authorization header). */
export function base64Bytes(bytes: Uint8Array, urlSafe = false): Uint8Array {
  const s = base64(bytes, urlSafe);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
