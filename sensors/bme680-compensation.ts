/**
 * BME680 / BME688 datasheet maths: pure functions over the calibration data and the raw readings, no I/O and no
 * state (the driver, sensors/bme680.ts, does the I/O). Floating-point formulas of the BME680 datasheet
 * (BST-BME680-DS001): calibration layout (tables 11–14), temperature §3.3.1, pressure §3.3.2, humidity §3.3.3,
 * heater set-point res_heat_x §3.3.5, gas resistance §3.4.1 (BME680, const_array1/const_array2); for the BME688 the
 * "high" gas formula of Bosch's BME68x SensorAPI (calc_gas_resistance_high); gas_wait_x encoding §5.3.3.3; and the
 * measurement duration of Bosch's timing model (bme680_get_profile_dur).
 * Tested against independent vectors: tests/sensors/bme680-compensation.test.ts (tests/sensors/bme680_vectors.py).
 */

/** Calibration coefficients as the formulas name them (par_t1 → t1, …), parsed by `parseCalibration`. */
export interface Bme680Calibration {
  t1: number;
  t2: number;
  t3: number;
  p1: number;
  p2: number;
  p3: number;
  p4: number;
  p5: number;
  p6: number;
  p7: number;
  p8: number;
  p9: number;
  p10: number;
  h1: number;
  h2: number;
  h3: number;
  h4: number;
  h5: number;
  h6: number;
  h7: number;
  g1: number;
  g2: number;
  g3: number;
  resHeatRange: number;
  resHeatVal: number;
  rangeSwitchingError: number;
}

/** ctrl_meas / ctrl_hum oversampling register code (0…5) → number of samples (0 = skipped). */
export const OVERSAMPLING = [0, 1, 2, 4, 8, 16];

function s8(b: number): number {
  return b > 127 ? b - 256 : b;
}
function u16(lsb: number, msb: number): number {
  return (msb << 8) | lsb;
}
function s16(lsb: number, msb: number): number {
  const v = (msb << 8) | lsb;
  return v > 32767 ? v - 65536 : v;
}

/**
 * Parse the calibration memory: `coeff1` = 25 bytes read at 0x89, `coeff2` = 16 bytes read at 0xE1,
 * `other` = 5 bytes read at 0x00 (res_heat_val at 0x00, res_heat_range at 0x02<5:4>, range_switching_error at
 * 0x04<7:4>, signed). Layout: datasheet tables 11–14 / Bosch BME680_driver get_calib_data().
 */
export function parseCalibration(coeff1: Uint8Array, coeff2: Uint8Array, other: Uint8Array): Bme680Calibration {
  if (coeff1.length < 25 || coeff2.length < 16 || other.length < 5) throw new RangeError("BME680: short calibration");
  const a = coeff1,
    b = coeff2;
  return {
    t1: u16(b[8], b[9]), // 0xE9/0xEA
    t2: s16(a[1], a[2]), // 0x8A/0x8B
    t3: s8(a[3]), // 0x8C
    p1: u16(a[5], a[6]), // 0x8E/0x8F
    p2: s16(a[7], a[8]), // 0x90/0x91
    p3: s8(a[9]), // 0x92
    p4: s16(a[11], a[12]), // 0x94/0x95
    p5: s16(a[13], a[14]), // 0x96/0x97
    p7: s8(a[15]), // 0x98
    p6: s8(a[16]), // 0x99
    p8: s16(a[19], a[20]), // 0x9C/0x9D
    p9: s16(a[21], a[22]), // 0x9E/0x9F
    p10: a[23], // 0xA0
    h2: (b[0] << 4) | (b[1] >> 4), // 0xE1 msb, 0xE2<7:4> lsb
    h1: (b[2] << 4) | (b[1] & 0x0f), // 0xE3 msb, 0xE2<3:0> lsb
    h3: s8(b[3]), // 0xE4
    h4: s8(b[4]), // 0xE5
    h5: s8(b[5]), // 0xE6
    h6: b[6], // 0xE7
    h7: s8(b[7]), // 0xE8
    g2: s16(b[10], b[11]), // 0xEB/0xEC
    g1: s8(b[12]), // 0xED
    g3: s8(b[13]), // 0xEE
    resHeatVal: s8(other[0]),
    resHeatRange: (other[2] & 0x30) >> 4,
    rangeSwitchingError: s8(other[4] & 0xf0) / 16,
  };
}

/** t_fine and temperature (°C), datasheet 3.3.1 (floating point). */
export function compensateTemperature(c: Bme680Calibration, adc: number): { tFine: number; temperature: number } {
  const var1 = (adc / 16384 - c.t1 / 1024) * c.t2;
  const d = adc / 131072 - c.t1 / 8192;
  const var2 = d * d * (c.t3 * 16);
  const tFine = var1 + var2;
  return { tFine, temperature: tFine / 5120 };
}

/** Pressure (Pa), datasheet 3.3.2 (floating point). */
export function compensatePressure(c: Bme680Calibration, tFine: number, adc: number): number {
  let var1 = tFine / 2 - 64000;
  let var2 = var1 * var1 * (c.p6 / 131072);
  var2 = var2 + var1 * c.p5 * 2;
  var2 = var2 / 4 + c.p4 * 65536;
  var1 = ((c.p3 * var1 * var1) / 16384 + c.p2 * var1) / 524288;
  var1 = (1 + var1 / 32768) * c.p1;
  if (var1 === 0) return NaN; // invalid calibration (p1 = 0): no division by zero
  let p = 1048576 - adc;
  p = ((p - var2 / 4096) * 6250) / var1;
  var1 = (c.p9 * p * p) / 2147483648;
  var2 = p * (c.p8 / 32768);
  const q = p / 256;
  const var3 = q * q * q * (c.p10 / 131072);
  return p + (var1 + var2 + var3 + c.p7 * 128) / 16;
}

/** Relative humidity (%RH, clamped to 0…100), datasheet 3.3.3 (floating point). */
export function compensateHumidity(c: Bme680Calibration, tFine: number, adc: number): number {
  const t = tFine / 5120;
  const var1 = adc - (c.h1 * 16 + (c.h3 / 2) * t);
  const var2 = var1 * ((c.h2 / 262144) * (1 + (c.h4 / 16384) * t + (c.h5 / 1048576) * t * t));
  const var3 = c.h6 / 16384;
  const var4 = c.h7 / 2097152;
  const h = var2 + (var3 + var4 * t) * var2 * var2;
  return h > 100 ? 100 : h < 0 ? 0 : h;
}

/** BME680 gas range constants, datasheet 3.4.1 table 16 (BME680 only; the BME688 uses another formula). */
export const GAS_CONST_ARRAY1 = [1, 1, 1, 1, 1, 0.99, 1, 0.992, 1, 1, 0.998, 0.995, 1, 0.99, 1, 1];
export const GAS_CONST_ARRAY2 = [
  8000000, 4000000, 2000000, 1000000, 499500.4995, 248262.1648, 125000, 63004.03226, 31281.28128, 15625, 7812.5,
  3906.25, 1953.125, 976.5625, 488.28125, 244.140625,
];

/** BME680 gas resistance (Ω) from the 10-bit gas ADC value and the 4-bit gas range, datasheet 3.4.1. */
export function compensateGas(c: Bme680Calibration, adc: number, range: number): number {
  const var1 = (1340 + 5 * c.rangeSwitchingError) * GAS_CONST_ARRAY1[range & 15];
  return (var1 * GAS_CONST_ARRAY2[range & 15]) / (adc - 512 + var1);
}

/** BME688 gas resistance (Ω) from the 10-bit gas ADC value and the 4-bit gas range: Bosch's formula for the "high"
 *  gas variant (BME68x SensorAPI, calc_gas_resistance_high, floating-point form):
 *  R = 10^6 · 2^(18 − range) / (4096 + 3 · (adc − 512)). No calibration value takes part. */
export function compensateGasHigh(adc: number, range: number): number {
  return (1_000_000 * 2 ** (18 - (range & 15))) / (4096 + 3 * (adc - 512));
}

/** res_heat_x register value for a target hot-plate temperature (°C) at an ambient temperature (°C),
 * datasheet 3.3.5 (floating point). Target clamped to 400 °C as in Bosch's API. */
export function heaterResistance(c: Bme680Calibration, target: number, ambient: number): number {
  if (target > 400) target = 400;
  const var1 = c.g1 / 16 + 49;
  const var2 = (c.g2 / 32768) * 0.0005 + 0.00235;
  const var3 = c.g3 / 1024;
  const var4 = var1 * (1 + var2 * target);
  const var5 = var4 + var3 * ambient;
  const r = Math.trunc(3.4 * (var5 * (4 / (4 + c.resHeatRange)) * (1 / (1 + c.resHeatVal * 0.002)) - 25));
  return r < 0 ? 0 : r > 255 ? 255 : r;
}

/** Maximum heater duration gas_wait can hold: 63 × 64 ms. */
export const GAS_WAIT_MAX_MS = 4032;

/** gas_wait_x encoding (datasheet 5.3.3.3): bits <5:0> value in ms, bits <7:6> multiplier ×1, ×4, ×16, ×64.
 * Uses the smallest multiplier that holds the duration and rounds up, so the heater is on at least `ms`. */
export function encodeGasWait(ms: number): number {
  if (!(ms >= 1 && ms <= GAS_WAIT_MAX_MS))
    throw new RangeError(`BME680: heater duration must be 1…${GAS_WAIT_MAX_MS} ms`);
  for (let m = 0; m < 4; m++) {
    const unit = 1 << (2 * m);
    const v = Math.ceil(ms / unit);
    if (v <= 63) return (m << 6) | v;
  }
  return 0xff;
}
export function decodeGasWait(code: number): number {
  return (code & 0x3f) * (1 << (2 * ((code >> 6) & 3)));
}

/** Measurement duration in ms for oversampling codes (0…5) and heater duration (ms, 0 = gas off), rounded up.
 * Timing model of Bosch's API (bme680_get_profile_dur): 1.963 ms per oversampling cycle, 4 × 0.477 ms TPH switching,
 * 5 × 0.477 ms gas conversion, 1 ms wake-up, plus the heating time. */
export function measurementDuration(osT: number, osP: number, osH: number, heaterMs: number): number {
  const cycles = OVERSAMPLING[osT] + OVERSAMPLING[osP] + OVERSAMPLING[osH];
  const us = cycles * 1963 + 477 * 4 + 477 * 5 + 1000;
  return Math.ceil(us / 1000) + heaterMs;
}
