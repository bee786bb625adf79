import { describe } from "./validation";

/** `count` buckets starting at `start`, `width` apart. */
export function linearBuckets(start: number, width: number, count: number): number[] {
  if (typeof start !== "number" || !Number.isFinite(start))
    throw new TypeError(`linearBuckets: start must be a finite number, got ${describe(start)}`);
  if (typeof width !== "number" || !(width > 0) || width === Infinity)
    throw new TypeError(`linearBuckets: width must be a finite number > 0, got ${describe(width)}`);
  if (typeof count !== "number" || !(count >= 1) || Math.floor(count) !== count || count > 1000)
    throw new TypeError(`linearBuckets: count must be an integer in 1..1000, got ${describe(count)}`);
  const out: number[] = new Array(count);
  for (let i = 0; i < count; i++) out[i] = start + i * width;
  return out;
}

/** `count` buckets starting at `start`, each `factor` times the previous. */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  if (typeof start !== "number" || !(start > 0) || start === Infinity)
    throw new TypeError(`exponentialBuckets: start must be a finite number > 0, got ${describe(start)}`);
  if (typeof factor !== "number" || !(factor > 1) || factor === Infinity)
    throw new TypeError(`exponentialBuckets: factor must be a finite number > 1, got ${describe(factor)}`);
  if (typeof count !== "number" || !(count >= 1) || Math.floor(count) !== count || count > 1000)
    throw new TypeError(`exponentialBuckets: count must be an integer in 1..1000, got ${describe(count)}`);
  const out: number[] = new Array(count);
  let v = start;
  for (let i = 0; i < count; i++) {
    out[i] = v;
    v *= factor;
  }
  return out;
}
