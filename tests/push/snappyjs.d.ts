// snappyjs ships no type declarations: the two functions the push tests use (its decompressor is an oracle).
declare module "snappyjs" {
  export function uncompress(compressed: Uint8Array, maxLength?: number): Uint8Array;
  export function compress(input: Uint8Array): Uint8Array;
}
