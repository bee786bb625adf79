/**
 * Seeded test inputs, identical on every engine (integer arithmetic only): used by jest tests and by the XS lane's
 * byte-identity corpus alike.
 */
import { encode } from "../../modules/text/utf8";

/** mulberry32: a small seeded generator of numbers in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n random bytes. */
export function randomBytes(n: number, seed: number): Uint8Array {
  const r = rng(seed);
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
  return b;
}

/** n bytes of text-like input: words from a small vocabulary, so that matches of every length and distance occur. */
export function wordy(n: number, seed: number): Uint8Array {
  const r = rng(seed);
  const words = [
    "__name__",
    "sensor",
    "temperature",
    "celsius",
    "bme680",
    "si7021",
    "instance",
    "job",
    "esp32-poe",
    "\u00e9t\u00e9",
    "0x40",
    "\n",
  ];
  const parts: string[] = [];
  let len = 0;
  while (len < n) {
    const w = words[Math.floor(r() * words.length)] + (r() < 0.3 ? String(Math.floor(r() * 1000)) : "");
    parts.push(w);
    len += w.length;
  }
  return encode(parts.join("")).subarray(0, n);
}
