/**
 * Register-level simulator of a Silicon Labs Si7021-A20 (humidity and temperature sensor) on the simulated I2C bus.
 *
 * Modelled from the datasheet:
 *  - commands of Table 11: 0xE5/0xF5 measure RH (hold / no hold), 0xE3/0xF3 measure T, 0xE0 read T of the previous RH
 *    measurement (no checksum), 0xFE reset, 0xE6/0xE7 user register 1, 0x51/0x11 heater control register,
 *    0xFA 0x0F / 0xFC 0xC9 electronic serial number (cumulative CRCs), 0x84 0xB8 firmware revision; anything else NACKs;
 *  - no-hold measurements: reads are NACKed until the conversion time for the configured resolution has passed
 *    (RH measurement = RH + T conversion); hold-master commands complete at once (clock stretching is invisible here);
 *  - results quantised to the configured resolution, MSB, LSB, CRC-8 (0x31, init 0) — a 2-byte read omits the CRC;
 *  - user register 1 (reset 0x3A; RES1 D7, VDDS D6 read-only, HTRE D2, RES0 D0; reserved bits kept) and heater
 *    register (reset 0x00, HEATER[3:0]); the heater warms the die and lowers the RH it sees;
 *  - soft reset: registers to their reset values, any transfer NACKed for `resetMs` (default 15 ms, the maximum).
 *
 * Injected faults: `faults.badCrc` (corrupt the next N checksums), `faults.stuck` (conversions never complete),
 * `faults.nackCommands` (NACK the next N command writes). NACK on the whole address and removal/re-attachment are
 * done on the bus (`SimBus.nack`, `detach`, `attach`); `powerCycle()` models a re-plugged chip.
 *
 * The environment is a smooth, seeded function of time (slow daily-like drift plus small faster waves), or fixed
 * values set by `setEnvironment`, or any function given as `environment`.
 */
import type { SimDevice } from "./bus";

export interface Environment {
  temperature: number; // °C
  humidity: number; // %RH
}

export interface Si7021SimOptions {
  address?: number;
  /** clock in ms (default Date.now) */
  now?: () => number;
  /** seed of the drifting environment */
  seed?: number;
  /** environment as a function of time (ms); default: seeded drift around 22 °C / 45 %RH */
  environment?: (timeMs: number) => Environment;
  /** 8 serial number bytes SNA_3..SNA_0, SNB_3..SNB_0 (SNB_3 = device id, 0x15 for the Si7021) */
  serial?: number[];
  /** firmware revision byte (0xFF = 1.0, 0x20 = 2.0) */
  firmware?: number;
  /** time the chip is unavailable after a soft reset, ms */
  resetMs?: number;
  /** use typical instead of maximum conversion times */
  typicalTiming?: boolean;
}

export interface Si7021Faults {
  /** corrupt the CRC byte of the next N checksummed outputs */
  badCrc: number;
  /** conversions never complete: reads NACK forever */
  stuck: boolean;
  /** NACK the next N command writes */
  nackCommands: number;
}

/** [humidity bits, temperature bits, RH max ms, T max ms, RH typ ms, T typ ms] by RES1:RES0 (Tables 2 and 14). */
const RES_TABLE: { [res: number]: [number, number, number, number, number, number] } = {
  0: [12, 14, 12, 10.8, 10, 7],
  1: [8, 12, 3.1, 3.8, 2.6, 2.4],
  2: [10, 13, 4.5, 6.2, 3.7, 4],
  3: [11, 11, 7, 2.4, 5.8, 1.5],
};

export function crc8(bytes: ArrayLike<number>, init = 0): number {
  let crc = init;
  for (let i = 0; i < bytes.length; i++) {
    crc ^= bytes[i] & 0xff;
    for (let b = 0; b < 8; b++) crc = crc & 0x80 ? ((crc << 1) ^ 0x31) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

/** mulberry32: small seeded PRNG */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A plausible indoor climate: smooth in time, different per seed. */
export function driftingEnvironment(
  seed = 1,
  base: Environment = { temperature: 22, humidity: 45 },
): (t: number) => Environment {
  const r = prng(seed);
  const p = [r(), r(), r(), r()].map((x) => x * 2 * Math.PI);
  const offsetT = (r() - 0.5) * 2;
  const offsetH = (r() - 0.5) * 6;
  return (t: number) => {
    const s = t / 1000;
    const temperature =
      base.temperature +
      offsetT +
      2.5 * Math.sin((2 * Math.PI * s) / 3600 + p[0]) +
      0.4 * Math.sin((2 * Math.PI * s) / 97 + p[1]);
    // humidity moves against temperature (same absolute humidity, warmer air: lower RH) plus its own wave
    const humidity =
      base.humidity +
      offsetH -
      1.5 * (temperature - base.temperature) +
      4 * Math.sin((2 * Math.PI * s) / 1800 + p[2]) +
      0.8 * Math.sin((2 * Math.PI * s) / 61 + p[3]);
    return { temperature, humidity: Math.min(100, Math.max(0, humidity)) };
  };
}

interface Pending {
  kind: "rh" | "t";
  readyAt: number;
  msb: number;
  lsb: number;
}

type Output = { bytes: number[]; crcAt: number[] };

export class Si7021Sim implements SimDevice {
  readonly address: number;
  readonly faults: Si7021Faults = { badCrc: 0, stuck: false, nackCommands: 0 };
  /** register values, readable by tests */
  userRegister = 0x3a;
  heaterRegister = 0x00;
  /** counts for tests */
  readonly counters = { measurements: 0, resets: 0, nackedReads: 0 };

  readonly #now: () => number;
  #environment: (t: number) => Environment;
  readonly #serial: number[];
  readonly #firmware: number;
  readonly #resetMs: number;
  readonly #typical: boolean;
  #pending: Pending | undefined;
  #output: Output | undefined;
  #lastTemperatureCode = 0;
  #busyUntil = -Infinity;

  constructor(options: Si7021SimOptions = {}) {
    this.address = options.address ?? 0x40;
    this.#now = options.now ?? Date.now;
    this.#environment = options.environment ?? driftingEnvironment(options.seed ?? 1);
    const seedBytes = prng((options.seed ?? 1) * 7919);
    this.#serial = options.serial ?? [0x8a, 0x1f, 0x3c, 0x55, 0x15, 0xff, 0xb5, Math.floor(seedBytes() * 256)];
    if (this.#serial.length !== 8) throw new RangeError("serial: 8 bytes");
    this.#firmware = options.firmware ?? 0x20;
    this.#resetMs = options.resetMs ?? 15;
    this.#typical = options.typicalTiming ?? false;
  }

  /** Fix the environment (tests), or give a function of time. */
  setEnvironment(env: Environment | ((t: number) => Environment)): void {
    this.#environment = typeof env === "function" ? env : () => env;
  }

  /** What the chip would measure now, heater included. */
  environmentNow(): Environment {
    const env = this.#environment(this.#now());
    if (!(this.userRegister & 0x04)) return env;
    // Heater on: the die warms by roughly 0.2 °C per mA and sees a correspondingly lower RH (~6 %/°C).
    const ma = 3.09 + ((this.heaterRegister & 0x0f) * (94.2 - 3.09)) / 15;
    const dT = 0.2 * ma;
    return { temperature: env.temperature + dT, humidity: env.humidity * Math.exp(-0.06 * dT) };
  }

  /** Conversion time (ms) of a measurement at the current resolution. */
  conversionMs(kind: "rh" | "t"): number {
    const row = RES_TABLE[((this.userRegister >> 6) & 2) | (this.userRegister & 1)];
    const [rhMs, tMs] = this.#typical ? [row[4], row[5]] : [row[2], row[3]];
    return kind === "rh" ? rhMs + tMs : tMs;
  }

  /** Power-cycle: registers to reset values, conversions lost (as when the chip is unplugged and plugged back). */
  powerCycle(): void {
    this.userRegister = 0x3a;
    this.heaterRegister = 0x00;
    this.#pending = undefined;
    this.#output = undefined;
  }

  #resolution(): [number, number] {
    const row = RES_TABLE[((this.userRegister >> 6) & 2) | (this.userRegister & 1)];
    return [row[0], row[1]];
  }

  static humidityCode(rh: number, bits = 12): number {
    return Si7021Sim.#quantise(Math.round(((rh + 6) * 65536) / 125), bits);
  }
  static temperatureCode(t: number, bits = 14): number {
    return Si7021Sim.#quantise(Math.round(((t + 46.85) * 65536) / 175.72), bits);
  }
  static #quantise(code: number, bits: number): number {
    const clamped = Math.min(0xffff, Math.max(0, code));
    return clamped & ((0xffff << (16 - bits)) & 0xffff);
  }

  #measure(kind: "rh" | "t", hold: boolean): void {
    const env = this.environmentNow();
    const [rhBits, tBits] = this.#resolution();
    const tCode = Si7021Sim.temperatureCode(env.temperature, tBits);
    const code = kind === "rh" ? Si7021Sim.humidityCode(env.humidity, rhBits) : tCode;
    const readyAt = hold ? this.#now() : this.#now() + this.conversionMs(kind);
    this.#pending = { kind, readyAt, msb: code >> 8, lsb: code & 0xff };
    if (kind === "rh") this.#lastTemperatureCode = tCode;
    this.#output = undefined;
    this.counters.measurements++;
  }

  write(data: Uint8Array, _stop: boolean): boolean {
    const now = this.#now();
    if (now < this.#busyUntil) return false; // resetting
    if (data.length === 0) return true; // address probe
    // While a no-hold conversion runs the chip does not acknowledge its address.
    if (this.#pending && (this.faults.stuck || now < this.#pending.readyAt)) return false;
    if (this.faults.nackCommands > 0) {
      this.faults.nackCommands--;
      return false;
    }
    const cmd = data[0];
    const two = data.length >= 2 ? (cmd << 8) | data[1] : -1;
    switch (cmd) {
      case 0xe5:
      case 0xf5:
        this.#measure("rh", cmd === 0xe5);
        return data.length === 1;
      case 0xe3:
      case 0xf3:
        this.#measure("t", cmd === 0xe3);
        return data.length === 1;
      case 0xe0:
        this.#pending = undefined;
        this.#output = { bytes: [this.#lastTemperatureCode >> 8, this.#lastTemperatureCode & 0xff], crcAt: [] };
        return true;
      case 0xfe:
        this.powerCycle();
        this.counters.resets++;
        this.#busyUntil = now + this.#resetMs;
        return true;
      case 0xe6:
        if (data.length !== 2) return false;
        // RES1 (D7), HTRE (D2), RES0 (D0) writable; VDDS (D6) read-only; reserved bits unchanged.
        this.userRegister = (this.userRegister & ~0x85 & 0xff) | (data[1] & 0x85);
        return true;
      case 0xe7:
        this.#pending = undefined;
        this.#output = { bytes: [this.userRegister], crcAt: [] };
        return true;
      case 0x51:
        if (data.length !== 2) return false;
        this.heaterRegister = (this.heaterRegister & 0xf0) | (data[1] & 0x0f);
        return true;
      case 0x11:
        this.#pending = undefined;
        this.#output = { bytes: [this.heaterRegister], crcAt: [] };
        return true;
    }
    const s = this.#serial;
    if (two === 0xfa0f) {
      // SNA_3 CRC SNA_2 CRC SNA_1 CRC SNA_0 CRC: each CRC over the SNA bytes sent so far
      const bytes: number[] = [];
      for (let i = 0; i < 4; i++) bytes.push(s[i], crc8(s.slice(0, i + 1)));
      this.#pending = undefined;
      this.#output = { bytes, crcAt: [1, 3, 5, 7] };
      return true;
    }
    if (two === 0xfcc9) {
      // SNB_3 SNB_2 CRC SNB_1 SNB_0 CRC
      const b = s.slice(4);
      this.#pending = undefined;
      this.#output = { bytes: [b[0], b[1], crc8(b.slice(0, 2)), b[2], b[3], crc8(b)], crcAt: [2, 5] };
      return true;
    }
    if (two === 0x84b8) {
      this.#pending = undefined;
      this.#output = { bytes: [this.#firmware], crcAt: [] };
      return true;
    }
    return false; // undefined command
  }

  read(count: number, _stop: boolean): Uint8Array | null {
    const now = this.#now();
    if (now < this.#busyUntil) return null;
    if (this.#pending) {
      if (this.faults.stuck || now < this.#pending.readyAt) {
        this.counters.nackedReads++;
        return null;
      }
      const { msb, lsb } = this.#pending;
      this.#pending = undefined;
      this.#output = { bytes: [msb, lsb, crc8([msb, lsb])], crcAt: [2] };
    }
    const out = this.#output;
    if (!out) return null; // nothing to send
    this.#output = undefined;
    const bytes = new Uint8Array(count).fill(0xff);
    for (let i = 0; i < count && i < out.bytes.length; i++) bytes[i] = out.bytes[i];
    for (const at of out.crcAt) {
      if (at < count && this.faults.badCrc > 0) {
        this.faults.badCrc--;
        bytes[at] ^= 0x5a;
      }
    }
    return bytes;
  }
}

export default Si7021Sim;
