/**
 * CRC-8 with polynomial x^8 + x^5 + x^4 + 1 (0x31), MSB first, no reflection, no final XOR, as used by the
 * Si70xx family (Si7021-A20 datasheet §5.1: "CRC generator polynomial of x8 + x5 + x4 + 1, with an initialization
 * of 0x00") and by Sensirion's SHT2x. Bitwise: no 256-byte table in RAM.
 */
export function crc8(bytes: Uint8Array, start = 0, end = bytes.length, init = 0): number {
  let crc = init & 0xff;
  for (let i = start; i < end; i++) {
    crc ^= bytes[i];
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x80 ? ((crc << 1) ^ 0x31) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}
