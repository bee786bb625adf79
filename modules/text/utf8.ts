/*
 * Text to UTF-8 bytes through the platform's native encoder (the "text/encoder" module: Moddable's on the device
 * and the simulator, the engine's own TextEncoder on the CI's xsnap, Node's on the host), chosen once by the
 * module map of each platform, so every platform runs this same code. No per-character JavaScript loop: on XS a
 * string is UTF-8 already and the conversion is a copy in C.
 */
import TextEncoder from "text/encoder";

// created on first use: a module-level instance would be frozen into flash when this module is preloaded
let encoder: InstanceType<typeof TextEncoder> | undefined;

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
