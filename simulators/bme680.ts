/**
 * Register-level simulator of a Bosch BME680 or BME688 on the simulated I2C bus (`simulators/bus.ts`).
 *
 * Models what the driver talks to (datasheet BST-BME680-DS001, section 5 "memory map" and 3 "functional description"):
 *  - register pointer set by a 1-byte write; reads auto-increment from it; writes are register/value PAIRS
 *    (the BME680 does not auto-increment on I2C writes);
 *  - chip id 0xD0 = 0x61; soft reset (0xE0 ← 0xB6) restores the control registers, clears the data registers and
 *    the IIR filter, and the chip does not answer for `resetMs` (2 ms, datasheet start-up time);
 *  - calibration memory at 0x89…0xA1, 0xE1…0xF0, 0x00/0x02/0x04 (from `Bme680SimCalibration`, default a plausible set);
 *  - ctrl_gas_0/1, ctrl_hum, ctrl_meas, config, res_heat_x, gas_wait_x; forced mode starts a TPHG cycle whose
 *    duration follows Bosch's timing model (1.963 ms per oversampling cycle + 4.293 ms switching/gas conversion +
 *    1 ms wake-up + the heater time decoded from gas_wait_<nb_conv>); during it `measuring` (0x1D<5>) is set, and
 *    `gas_measuring` (0x1D<6>) during the heating/gas phase; then new_data_0 (0x1D<7>) is set, the data registers hold
 *    the ADC values and the mode returns to sleep;
 *  - ADC values are produced by INVERTING the datasheet compensation (section 3.3 floating-point formulas, 3.4.1 gas)
 *    for the target environment at completion time; skipped measurements read 0x80000 (T, P) / 0x8000 (H);
 *    the IIR filter (x = (x·c + adc)/(c + 1)) applies to T and P;
 *  - gas_valid_r / heat_stab_r: valid when run_gas was set; stable when the heating time ≥ `heatUpMs` (20 ms, the
 *    datasheet says 20–30 ms are needed) and res_heat ≠ 0.
 *  - BME688 (`variantId: 0x01`; 0x00, the default, is a BME680): variant id register 0xF0 reads it; a gas conversion
 *    runs when ctrl_gas_1 run_gas<5:4> = 0b10 (0b01 on a BME680: bit 4) and its result goes to gas_r_msb/lsb at
 *    0x2C/0x2D, converted by inverting the BME688 formula of Bosch's BME68x SensorAPI (calc_gas_resistance_high:
 *    R = 10^6·2^(18−range) / (4096 + 3·(adc − 512))); the BME680's gas_r at 0x2A/0x2B then reads 0 (no conversion).
 *    A BME688 given the BME680's run_gas (0b01) measures no gas: gas_valid_r stays 0 in both places.
 * Injectable clock `now()` (ms). Faults: `faults.nack` (every transfer NACKed), `faults.neverComplete` (a measurement
 * stays "measuring" forever), `faults.gasInvalid`, `faults.heaterUnstable`, `chipId` (wrong id), `powerCycle()` (what
 * a re-attached chip looks like: registers back to power-on values). Removal/re-attach itself is `bus.detach/attach`.
 */
import type { SimDevice } from "./bus";
import type { Bme680Calibration } from "../sensors/bme680-compensation";

/** The calibration coefficients a simulated chip carries: the driver's own type (the maths stay apart: the simulator
 *  inverts its own copy of the formulas, so that it checks the driver instead of repeating it). */
export type Bme680SimCalibration = Bme680Calibration;

/** A plausible calibration set (values of the magnitude real BME680 parts carry). */
export const DEFAULT_SIM_CALIBRATION: Bme680SimCalibration = {
  t1: 26125,
  t2: 26370,
  t3: 3,
  p1: 35977,
  p2: -10292,
  p3: 88,
  p4: 7456,
  p5: -144,
  p6: 30,
  p7: 29,
  p8: -3456,
  p9: -2964,
  p10: 30,
  h1: 676,
  h2: 1029,
  h3: 0,
  h4: 45,
  h5: 20,
  h6: 120,
  h7: -100,
  g1: -30,
  g2: -5969,
  g3: 18,
  resHeatRange: 1,
  resHeatVal: 50,
  rangeSwitchingError: -1,
};

export interface Bme680Environment {
  temperature: number; // °C
  pressure: number; // Pa
  humidity: number; // %RH
  gasResistance: number; // Ω
}

export interface Bme680SimOptions {
  address?: number;
  now?: () => number;
  calibration?: Bme680SimCalibration;
  /** fixed values, or a function of elapsed ms since the simulator was created; default: a slow plausible drift */
  environment?: Partial<Bme680Environment> | ((elapsedMs: number) => Bme680Environment);
  chipId?: number;
  /** variant id at 0xF0: 0x00 BME680 (default), 0x01 BME688 */
  variantId?: number;
  resetMs?: number;
  heatUpMs?: number;
}

export const VARIANT_BME680 = 0x00;
export const VARIANT_BME688 = 0x01;

/** A slowly drifting indoor environment (periods of minutes to an hour), for `npm start`. */
export function driftingEnvironment(elapsedMs: number): Bme680Environment {
  const w = (period: number, phase = 0) => Math.sin((2 * Math.PI * elapsedMs) / period + phase);
  return {
    temperature: 22.5 + 1.5 * w(600_000) + 0.3 * w(47_000, 1),
    pressure: 101_325 + 120 * w(3_600_000) + 8 * w(90_000, 2),
    humidity: 45 + 6 * w(900_000, 1) + 1 * w(61_000),
    gasResistance: 80_000 * (1 + 0.25 * w(1_200_000, 2) + 0.03 * w(70_000)),
  };
}

const DEFAULT_ENV: Bme680Environment = { temperature: 22.5, pressure: 101_325, humidity: 45, gasResistance: 80_000 };

function toBytesLE16(v: number): [number, number] {
  const u = v & 0xffff;
  return [u & 0xff, u >> 8];
}

/** Encode a calibration set into the chip's calibration registers. */
export function calibrationRegisters(c: Bme680SimCalibration): Map<number, number> {
  const m = new Map<number, number>();
  const put16 = (reg: number, v: number) => {
    const [l, h] = toBytesLE16(v);
    m.set(reg, l);
    m.set(reg + 1, h);
  };
  for (let r = 0x89; r <= 0xa1; r++) m.set(r, 0);
  for (let r = 0xe1; r <= 0xf0; r++) m.set(r, 0);
  put16(0x8a, c.t2);
  m.set(0x8c, c.t3 & 0xff);
  put16(0x8e, c.p1);
  put16(0x90, c.p2);
  m.set(0x92, c.p3 & 0xff);
  put16(0x94, c.p4);
  put16(0x96, c.p5);
  m.set(0x98, c.p7 & 0xff);
  m.set(0x99, c.p6 & 0xff);
  put16(0x9c, c.p8);
  put16(0x9e, c.p9);
  m.set(0xa0, c.p10 & 0xff);
  m.set(0xe1, (c.h2 >> 4) & 0xff);
  m.set(0xe2, ((c.h2 & 0x0f) << 4) | (c.h1 & 0x0f));
  m.set(0xe3, (c.h1 >> 4) & 0xff);
  m.set(0xe4, c.h3 & 0xff);
  m.set(0xe5, c.h4 & 0xff);
  m.set(0xe6, c.h5 & 0xff);
  m.set(0xe7, c.h6 & 0xff);
  m.set(0xe8, c.h7 & 0xff);
  put16(0xe9, c.t1);
  put16(0xeb, c.g2);
  m.set(0xed, c.g1 & 0xff);
  m.set(0xee, c.g3 & 0xff);
  m.set(0x00, c.resHeatVal & 0xff);
  m.set(0x02, 0x01 | ((c.resHeatRange & 3) << 4)); // other bits: arbitrary factory content
  m.set(0x04, ((c.rangeSwitchingError & 0x0f) << 4) | 0x03);
  return m;
}

// ---- forward model (datasheet 3.3 floating point), used to invert ----
function tFineOf(c: Bme680SimCalibration, adc: number): number {
  const d = adc / 131072 - c.t1 / 8192;
  return (adc / 16384 - c.t1 / 1024) * c.t2 + d * d * (c.t3 * 16);
}
function pressureOf(c: Bme680SimCalibration, tFine: number, adc: number): number {
  let v1 = tFine / 2 - 64000;
  let v2 = (v1 * v1 * c.p6) / 131072 + v1 * c.p5 * 2;
  v2 = v2 / 4 + c.p4 * 65536;
  v1 = ((c.p3 * v1 * v1) / 16384 + c.p2 * v1) / 524288;
  v1 = (1 + v1 / 32768) * c.p1;
  let p = ((1048576 - adc - v2 / 4096) * 6250) / v1;
  const q = p / 256;
  p += ((c.p9 * p * p) / 2147483648 + (p * c.p8) / 32768 + (q * q * q * c.p10) / 131072 + c.p7 * 128) / 16;
  return p;
}
function humidityOf(c: Bme680SimCalibration, tFine: number, adc: number): number {
  const t = tFine / 5120;
  const v1 = adc - (c.h1 * 16 + (c.h3 / 2) * t);
  const v2 = v1 * ((c.h2 / 262144) * (1 + (c.h4 / 16384) * t + (c.h5 / 1048576) * t * t));
  return v2 + (c.h6 / 16384 + (c.h7 / 2097152) * t) * v2 * v2;
}
const K1 = [1, 1, 1, 1, 1, 0.99, 1, 0.992, 1, 1, 0.998, 0.995, 1, 0.99, 1, 1];
const K2 = [
  8000000, 4000000, 2000000, 1000000, 499500.4995, 248262.1648, 125000, 63004.03226, 31281.28128, 15625, 7812.5,
  3906.25, 1953.125, 976.5625, 488.28125, 244.140625,
];

/** BME688 gas resistance (Ω) for an ADC value and range: Bosch BME68x SensorAPI calc_gas_resistance_high (float). */
function highGasOf(adc: number, range: number): number {
  return (1_000_000 * 2 ** (18 - range)) / (4096 + 3 * (adc - 512));
}

/** Smallest integer x in [lo, hi] with f(x) ≥ target for increasing f (or ≤ for decreasing), then the nearer of x-1/x. */
function invert(f: (x: number) => number, target: number, lo: number, hi: number, increasing: boolean): number {
  let a = lo,
    b = hi;
  while (a < b) {
    const mid = (a + b) >> 1;
    const v = f(mid);
    if (increasing ? v >= target : v <= target) b = mid;
    else a = mid + 1;
  }
  if (a > lo && Math.abs(f(a - 1) - target) < Math.abs(f(a) - target)) return a - 1;
  return a;
}

export function adcForTemperature(c: Bme680SimCalibration, celsius: number): number {
  return invert((x) => tFineOf(c, x) / 5120, celsius, 0, 0xfffff, true);
}
export function adcForPressure(c: Bme680SimCalibration, tFine: number, pascal: number): number {
  return invert((x) => pressureOf(c, tFine, x), pascal, 0, 0xfffff, false);
}
export function adcForHumidity(c: Bme680SimCalibration, tFine: number, rh: number): number {
  return invert((x) => humidityOf(c, tFine, x), Math.min(100, Math.max(0, rh)), 0, 0xffff, true);
}
/** The gas range whose ADC value for this resistance is nearest mid-scale (512) and inside 0…1023, and that value. */
export function adcForGas(c: Bme680SimCalibration, ohms: number): { adc: number; range: number } {
  let best = { adc: ohms > K2[0] ? 0 : 1023, range: ohms > K2[0] ? 0 : 15 };
  let bestDistance = Infinity;
  for (let range = 0; range < 16; range++) {
    const var1 = (1340 + 5 * c.rangeSwitchingError) * K1[range];
    const adc = Math.round((var1 * K2[range]) / ohms - var1 + 512);
    if (adc < 0 || adc > 1023) continue;
    if (Math.abs(adc - 512) < bestDistance) {
      bestDistance = Math.abs(adc - 512);
      best = { adc, range };
    }
  }
  return best;
}

/** BME688: the gas range whose ADC value (formula inverted) is nearest mid-scale and inside 0…1023, and that value. */
export function adcForGasHigh(ohms: number): { adc: number; range: number } {
  let best = { adc: ohms > highGasOf(0, 0) ? 0 : 1023, range: ohms > highGasOf(0, 0) ? 0 : 15 };
  let bestDistance = Infinity;
  for (let range = 0; range < 16; range++) {
    const adc = Math.round(((1_000_000 * 2 ** (18 - range)) / ohms - 4096) / 3 + 512);
    if (adc < 0 || adc > 1023) continue;
    if (Math.abs(adc - 512) < bestDistance) {
      bestDistance = Math.abs(adc - 512);
      best = { adc, range };
    }
  }
  return best;
}

const OS = [0, 1, 2, 4, 8, 16];
const FILTER = [0, 1, 3, 7, 15, 31, 63, 127];

export class Bme680Sim implements SimDevice {
  readonly address: number;
  readonly now: () => number;
  readonly calibration: Bme680SimCalibration;
  readonly resetMs: number;
  heatUpMs: number;
  chipId: number;
  /** variant id (0xF0): VARIANT_BME680 or VARIANT_BME688; writable, as chipId is, to model another chip */
  variantId: number;
  readonly faults = { nack: false, neverComplete: false, gasInvalid: false, heaterUnstable: false };
  environment: (elapsedMs: number) => Bme680Environment;
  /** counters for tests */
  readonly stats = { measurements: 0, resets: 0, completed: 0 };
  /** last measurement's decoded timing, for tests */
  lastMeasurement:
    | { start: number; durationMs: number; heaterMs: number; resHeat: number; runGas: boolean }
    | undefined;

  readonly #regs = new Uint8Array(256);
  readonly #calib: Map<number, number>;
  readonly #created: number;
  #pointer = 0;
  #busyUntil = -Infinity;
  #measuring: {
    start: number;
    end: number;
    gasStart: number;
    runGas: boolean;
    heaterMs: number;
    resHeat: number;
  } | null = null;
  #iirT: number | undefined;
  #iirP: number | undefined;
  #measIndex = 0;

  constructor(options: Bme680SimOptions = {}) {
    this.address = options.address ?? 0x77;
    this.now = options.now ?? Date.now;
    this.calibration = options.calibration ?? DEFAULT_SIM_CALIBRATION;
    this.chipId = options.chipId ?? 0x61;
    this.variantId = options.variantId ?? VARIANT_BME680;
    this.resetMs = options.resetMs ?? 2;
    this.heatUpMs = options.heatUpMs ?? 20;
    const env = options.environment;
    if (typeof env === "function") this.environment = env;
    else if (env !== undefined) {
      const fixed = { ...DEFAULT_ENV, ...env };
      this.environment = () => fixed;
    } else this.environment = driftingEnvironment;
    this.#calib = calibrationRegisters(this.calibration);
    this.#created = this.now();
    this.#powerOnRegisters();
  }

  /** Set a fixed environment (tests). */
  setEnvironment(env: Partial<Bme680Environment>): void {
    const fixed = { ...DEFAULT_ENV, ...env };
    this.environment = () => fixed;
  }

  /** Power-on reset, as a chip that was unplugged and plugged back in. */
  powerCycle(): void {
    this.#powerOnRegisters();
  }

  /** Raw register value (after advancing the simulation), for tests. */
  register(reg: number): number {
    this.#advance();
    return this.#value(reg & 0xff);
  }

  #powerOnRegisters(): void {
    this.#regs.fill(0);
    for (const [r, v] of this.#calib) this.#regs[r] = v;
    // data registers: "skipped" values until the first measurement
    this.#regs[0x1f] = 0x80;
    this.#regs[0x22] = 0x80;
    this.#regs[0x25] = 0x80;
    this.#measuring = null;
    this.#iirT = this.#iirP = undefined;
    this.#pointer = 0;
  }

  #value(reg: number): number {
    if (reg === 0xd0) return this.chipId & 0xff;
    if (reg === 0xf0) return this.variantId & 0xff;
    if (reg === 0x1d) {
      let v = this.#regs[0x1d];
      if (this.#measuring) {
        v |= 0x20;
        if (this.now() >= this.#measuring.gasStart && this.#measuring.runGas) v |= 0x40;
      }
      return v;
    }
    if (reg === 0xe0) return 0;
    return this.#regs[reg];
  }

  #advance(): void {
    const m = this.#measuring;
    if (!m || this.faults.neverComplete) return;
    if (this.now() < m.end) return;
    this.#measuring = null;
    this.#complete(m);
  }

  #complete(m: { end: number; runGas: boolean; heaterMs: number; resHeat: number }): void {
    const c = this.calibration;
    const env = this.environment(m.end - this.#created);
    const ctrlMeas = this.#regs[0x74];
    const osT = OS[Math.min(5, ctrlMeas >> 5)];
    const osP = OS[Math.min(5, (ctrlMeas >> 2) & 7)];
    const osH = OS[Math.min(5, this.#regs[0x72] & 7)];
    const coef = FILTER[(this.#regs[0x75] >> 2) & 7];
    const filt = (mem: number | undefined, adc: number) =>
      mem === undefined || coef === 0 ? adc : (mem * coef + adc) / (coef + 1);
    let adcT = 0x80000,
      adcP = 0x80000,
      adcH = 0x8000;
    const rawT = adcForTemperature(c, env.temperature);
    const tFine = tFineOf(c, rawT);
    if (osT) {
      this.#iirT = filt(this.#iirT, rawT);
      adcT = Math.round(this.#iirT);
    }
    if (osP) {
      const rawP = adcForPressure(c, tFine, env.pressure);
      this.#iirP = filt(this.#iirP, rawP);
      adcP = Math.round(this.#iirP);
    }
    if (osH) adcH = adcForHumidity(c, tFine, env.humidity);
    const r = this.#regs;
    r[0x1f] = adcP >> 12;
    r[0x20] = (adcP >> 4) & 0xff;
    r[0x21] = (adcP & 0x0f) << 4;
    r[0x22] = adcT >> 12;
    r[0x23] = (adcT >> 4) & 0xff;
    r[0x24] = (adcT & 0x0f) << 4;
    r[0x25] = adcH >> 8;
    r[0x26] = adcH & 0xff;
    let gasMsb = 0,
      gasLsb = 0;
    const high = this.variantId === VARIANT_BME688;
    if (m.runGas && !this.faults.gasInvalid) {
      const g = high ? adcForGasHigh(env.gasResistance) : adcForGas(c, env.gasResistance);
      const stable = !this.faults.heaterUnstable && m.resHeat !== 0 && m.heaterMs >= this.heatUpMs;
      gasMsb = g.adc >> 2;
      gasLsb = ((g.adc & 3) << 6) | 0x20 | (stable ? 0x10 : 0) | g.range;
    }
    // the BME680 reports gas at 0x2A/0x2B, the BME688 at 0x2C/0x2D; the other pair reads 0 (no conversion there)
    r[0x2a] = high ? 0 : gasMsb;
    r[0x2b] = high ? 0 : gasLsb;
    r[0x2c] = high ? gasMsb : 0;
    r[0x2d] = high ? gasLsb : 0;
    this.#measIndex = (this.#measIndex + 1) & 0xff;
    r[0x1e] = this.#measIndex;
    r[0x1d] = 0x80 | (r[0x71] & 0x0f); // new_data_0, gas_meas_index_0 = nb_conv
    r[0x74] &= 0xfc; // back to sleep
    this.stats.completed++;
  }

  #startForced(): void {
    const r = this.#regs;
    const ctrlMeas = r[0x74];
    const cycles = OS[Math.min(5, ctrlMeas >> 5)] + OS[Math.min(5, (ctrlMeas >> 2) & 7)] + OS[Math.min(5, r[0x72] & 7)];
    const runGasBits = this.variantId === VARIANT_BME688 ? (r[0x71] & 0x30) === 0x20 : (r[0x71] & 0x10) !== 0;
    const runGas = runGasBits && (r[0x70] & 0x08) === 0;
    const nb = r[0x71] & 0x0f;
    const profile = nb > 9 ? 0 : nb;
    const gw = r[0x64 + profile];
    const heaterMs = runGas ? (gw & 0x3f) * (1 << (2 * (gw >> 6))) : 0;
    const tphMs = (cycles * 1963 + 477 * 4 + 1000) / 1000; // wake-up + conversions + switching
    const gasConvMs = (477 * 5) / 1000;
    const start = this.now();
    const durationMs = tphMs + gasConvMs + heaterMs;
    this.#measuring = {
      start,
      end: start + durationMs,
      gasStart: start + tphMs,
      runGas,
      heaterMs,
      resHeat: r[0x5a + profile],
    };
    this.lastMeasurement = { start, durationMs, heaterMs, resHeat: r[0x5a + profile], runGas };
    r[0x1d] = 0; // new_data cleared when a new conversion starts
    this.stats.measurements++;
  }

  #softReset(): void {
    this.#powerOnRegisters();
    this.#busyUntil = this.now() + this.resetMs;
    this.stats.resets++;
  }

  #writeRegister(reg: number, value: number): void {
    if (reg === 0xe0) {
      if (value === 0xb6) this.#softReset();
      return;
    }
    if (reg >= 0x50 && reg <= 0x75 && reg !== 0x73) {
      if (reg === 0x75) {
        this.#iirT = this.#iirP = undefined; // writing config resets the IIR filter (datasheet 3.3.4)
      }
      if (reg === 0x74) {
        this.#regs[0x74] = value;
        const mode = value & 3;
        if (mode === 1) this.#startForced();
        else if (mode === 0) this.#measuring = null; // sleep aborts a conversion
        return;
      }
      this.#regs[reg] = value;
    }
    // other registers are read-only: the write is acknowledged and ignored
  }

  write(data: Uint8Array, _stop: boolean): boolean {
    if (this.faults.nack || this.now() < this.#busyUntil) return false;
    this.#advance();
    if (data.length === 0) return true;
    if (data.length === 1) {
      this.#pointer = data[0];
      return true;
    }
    for (let i = 0; i + 1 < data.length; i += 2) this.#writeRegister(data[i], data[i + 1]);
    if (data.length % 2 === 1) this.#pointer = data[data.length - 1];
    return true;
  }

  read(count: number, _stop: boolean): Uint8Array | null {
    if (this.faults.nack || this.now() < this.#busyUntil) return null;
    this.#advance();
    const out = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      out[i] = this.#value(this.#pointer);
      this.#pointer = (this.#pointer + 1) & 0xff;
    }
    return out;
  }
}

export default Bme680Sim;
