/**
 * Silicon Labs Si7021-A20 humidity and temperature sensor: a non-blocking ECMA-419 sensor driver.
 *
 *   const sensor = new Si7021({ sensor: { io: I2C, data: 13, clock: 16, hz: 100_000, address: 0x40 },
 *                               onSample(sample) { ... }, onError(error) { ... } });
 *   sensor.configure({ resolution: 12, heater: false, interval: 5000 });
 *   sensor.sample();   // latest completed reading, or undefined
 *   sensor.close();
 *
 * Sampling model (nothing ever waits: no Timer.delay, no busy loop, no clock stretching):
 *  - `measure()` starts one measurement with the no-hold-master command 0xF5 (relative humidity; the chip measures
 *    temperature along with it), then collects the result from a timer callback scheduled after the datasheet's
 *    maximum conversion time for the configured resolution. While the chip is still converting it NACKs the read:
 *    that is "not ready yet", retried every `pollInterval` ms, up to `timeout` ms in total, after which the
 *    measurement fails with a `timeout` error. Temperature is then measured with 0xF3 the same way, so that both values
 *    are protected by the CRC (0xE0, "temperature from the previous RH measurement", saves a conversion but the chip
 *    sends no checksum with it: opt in with `configure({fastTemperature: true})`).
 *  - When a measurement completes, `onSample(sample)` is called; `sample()` returns the latest completed reading with
 *    its `time` (Date.now() ms), or undefined before the first one AND after a failed measurement (as the BME680
 *    driver does: a failure never leaves an old value looking current). A failed measurement calls `onError(error)`
 *    with a `SensorError` whose `kind` is "nack", "crc", "timeout" or "invalid", and never produces a value. The next
 *    measurement first writes the resolution and heater settings again (read-modify-write of the user register), as
 *    the BME680 driver sets its chip up again: a chip unplugged and plugged back (power-cycled) has lost them.
 *  - `configure({interval})` measures periodically: once at once, then every `interval` ms (0 stops). Without it,
 *    call `measure()`.
 *  - Every checksum the chip sends (measurements, electronic ID) is checked; a mismatch is an error, never a value.
 *
 * Sample: `{ thermometer: { temperature }, hygrometer: { humidity }, time }`, ECMA-419 property names: temperature
 * in °C, humidity in %RH (clamped to 0..100 as §5.1.1 allows).
 *
 * What is reported and what is refused (datasheet: operating range -40..125 °C, RH 0..100 %):
 *  - humidity: every code is converted (125 * code / 65536 - 6, i.e. -6..119 %RH) and clamped to 0..100 %RH, as §5.1.1
 *    says the host may do: the chip's tolerance makes readings slightly outside 0..100 near the ends;
 *  - temperature: reported across -40..125 °C INCLUDING the conversion rounding at both ends: a value within one
 *    conversion step (175.72 °C / 2^bits: 0.011 °C at 14 bits, 0.086 °C at 11 bits) beyond a limit is a valid
 *    reading (code 2552 at 14 bits, what a chip at -40 °C sends, converts to -40.0074 °C). Anything further out is
 *    not a temperature the chip can measure (e.g. code 0, -46.85 °C: three zero bytes from a bus held low pass the
 *    CRC) and fails the whole reading, humidity included, with kind "invalid".
 */
import Timer from "timer";
import { crc8 } from "./crc8";
import { SensorError } from "./errors";
import { openI2C, transferError, type I2C, type SensorBusOptions } from "./i2c";
import { requireModelAddress } from "./models";

export interface Si7021Sample {
  thermometer: { temperature: number };
  hygrometer: { humidity: number };
  /** Date.now() when the measurement completed */
  time: number;
}

export interface Si7021Options {
  sensor: SensorBusOptions;
  onSample?: (sample: Si7021Sample) => void;
  onError?: (error: SensorError) => void;
}

/** Humidity resolution in bits; the temperature resolution follows from it (datasheet Table 14, RES1:RES0). */
export type Si7021Resolution = 12 | 11 | 10 | 8;

export interface Si7021Configuration {
  /** RH bits: 12 (T 14 bits, default), 11 (T 11), 10 (T 13), 8 (T 12) */
  resolution?: Si7021Resolution;
  /** on-chip heater (user register 1, HTRE) */
  heater?: boolean;
  /** heater current setting 0..15 (heater control register, 3.09 mA .. 94.20 mA) */
  heaterCurrent?: number;
  /** periodic measurement interval in ms (first measurement at once); 0 stops periodic measurement */
  interval?: number;
  /** give up on a measurement after this many ms (default 100) */
  timeout?: number;
  /** NACK retry period in ms while the chip converts (default 2) */
  pollInterval?: number;
  /** read temperature with 0xE0 (from the RH measurement, no checksum) instead of measuring it with 0xF3 */
  fastTemperature?: boolean;
}

export interface Si7021Identity {
  /** 64-bit electronic serial number, 16 hex digits, SNA_3 first */
  serialNumber: string;
  /** SNB_3: 0x15 Si7021, 0x14 Si7020, 0x0D Si7013, 0x00/0xFF engineering samples */
  deviceId: number;
  model: string;
  /** raw firmware revision byte: 0xFF = 1.0, 0x20 = 2.0 */
  firmwareRevision: number;
  firmwareVersion: string;
}

// Command codes (datasheet Table 11).
const MEASURE_RH_NO_HOLD = 0xf5;
const MEASURE_T_NO_HOLD = 0xf3;
const READ_T_FROM_RH = 0xe0;
const RESET = 0xfe;
const WRITE_USER_1 = 0xe6;
const READ_USER_1 = 0xe7;
const WRITE_HEATER = 0x51;
const READ_HEATER = 0x11;

const USER_RES_MASK = 0x81; // RES1 = D7, RES0 = D0
const USER_HTRE = 0x04; // D2
/** Soft reset: at most 15 ms until ready (Table 2, "After issuing a software reset command"). */
export const RESET_TIME_MS = 15;

interface ResolutionSetting {
  bits: number; // RES1:RES0 register bits
  humidityBits: number;
  temperatureBits: number;
  humidityMs: number; // maximum conversion times, Table 2
  temperatureMs: number;
}

/** Datasheet Table 14 (user register 1 RES bits) with the maximum conversion times of Table 2. */
export const RESOLUTIONS: { readonly [bits: number]: ResolutionSetting } = {
  12: { bits: 0x00, humidityBits: 12, temperatureBits: 14, humidityMs: 12, temperatureMs: 10.8 },
  8: { bits: 0x01, humidityBits: 8, temperatureBits: 12, humidityMs: 3.1, temperatureMs: 3.8 },
  10: { bits: 0x80, humidityBits: 10, temperatureBits: 13, humidityMs: 4.5, temperatureMs: 6.2 },
  11: { bits: 0x81, humidityBits: 11, temperatureBits: 11, humidityMs: 7, temperatureMs: 2.4 },
};

/** Heater current in mA for a heater register setting 0..15. The datasheet (§5.5, heater table) lists 3.09 mA at 0,
 *  9.18 at 1, 15.24 at 2, 27.39 at 4, 51.69 at 8 and 94.20 at 15; settings in between are interpolated linearly. */
const HEATER_POINTS: readonly (readonly [number, number])[] = [
  [0, 3.09],
  [1, 9.18],
  [2, 15.24],
  [4, 27.39],
  [8, 51.69],
  [15, 94.2],
];
export function heaterCurrentMilliamps(setting: number): number {
  if (!Number.isInteger(setting) || setting < 0 || setting > 15) throw new RangeError("heater current setting: 0..15");
  for (let i = 1; i < HEATER_POINTS.length; i++) {
    const [s1, m1] = HEATER_POINTS[i];
    if (setting <= s1) {
      const [s0, m0] = HEATER_POINTS[i - 1];
      return Math.round((m0 + ((setting - s0) * (m1 - m0)) / (s1 - s0)) * 100) / 100;
    }
  }
  return 94.2;
}

/** %RH from a 16-bit RH code (datasheet §5.1.1): 125 * code / 65536 - 6. Not clamped. */
export function humidityFromCode(code: number): number {
  return (125 * code) / 65536 - 6;
}

/** °C from a 16-bit temperature code (datasheet §5.1.2): 175.72 * code / 65536 - 46.85. */
export function temperatureFromCode(code: number): number {
  return (175.72 * code) / 65536 - 46.85;
}

/** The chip's rated temperature range (datasheet: operating range -40 to +125 °C). */
export const TEMPERATURE_MIN = -40;
export const TEMPERATURE_MAX = 125;

/** Whether a converted temperature is a reading the chip can produce at `temperatureBits` of resolution: within
 *  -40..125 °C widened by one conversion step (175.72 / 2^bits °C), so the codes nearest the limits, which convert to
 *  values just beyond them (-40.0074 °C at 14 bits), are valid. */
export function temperatureInRange(celsius: number, temperatureBits: number): boolean {
  const step = 175.72 / 2 ** temperatureBits;
  return celsius >= TEMPERATURE_MIN - step && celsius <= TEMPERATURE_MAX + step;
}

export function modelFromDeviceId(id: number): string {
  switch (id) {
    case 0x15:
      return "Si7021";
    case 0x14:
      return "Si7020";
    case 0x0d:
      return "Si7013";
    case 0x00:
    case 0xff:
      return "engineering sample";
    default:
      return "unknown";
  }
}

export function firmwareVersion(revision: number): string {
  if (revision === 0xff) return "1.0";
  if (revision === 0x20) return "2.0";
  return "0x" + revision.toString(16);
}

function hex2(n: number): string {
  return (n < 16 ? "0" : "") + n.toString(16);
}

/** What the driver is doing: a string union, as in the BME680 driver. */
type Phase = "idle" | "humidity" | "temperature" | "reset" | "closed";

export default class Si7021 {
  #io: I2C | undefined;
  readonly #address: number;
  /** "Si7021 at 0x40": how messages name this sensor */
  readonly #who: string;
  #onSample: ((sample: Si7021Sample) => void) | undefined;
  #onError: ((error: SensorError) => void) | undefined;

  #phase: Phase = "idle";
  #timer: Timer | undefined;
  #periodic: Timer | undefined;
  #polls = 0;
  #humidity = 0;
  #latest: Si7021Sample | undefined;
  #pendingMeasure = false;
  #registersDirty = false;

  #resolution: Si7021Resolution = 12;
  #heater = false;
  #heaterCurrent: number | undefined; // undefined = leave the heater register alone
  #interval = 0;
  #timeout = 100;
  #pollInterval = 2;
  #fastTemperature = false;

  constructor(options: Si7021Options) {
    const sensor = options?.sensor;
    if (!sensor || typeof sensor.io !== "function")
      throw new TypeError("Si7021: options.sensor.io (I2C class) required");
    this.#address = sensor.address ?? 0x40;
    requireModelAddress("si7021", this.#address); // 0x40 is the chip's only address (sensors/models.ts)
    this.#who = `Si7021 at 0x${this.#address.toString(16)}`;
    this.#onSample = options.onSample;
    this.#onError = options.onError;
    const io = openI2C(sensor, this.#address);
    this.#io = io;
    try {
      this.#readRegister(READ_USER_1); // presence check: a missing chip NACKs
    } catch (e) {
      this.#io = undefined;
      io.close?.();
      throw e;
    }
  }

  /** Apply settings; see Si7021Configuration. Invalid options throw (RangeError/TypeError) and change nothing. Register
   *  changes are written now if idle, else as soon as the measurement or reset in progress ends. */
  configure(options: Si7021Configuration = {}): void {
    this.#open();
    const { resolution, heater, heaterCurrent, interval, timeout, pollInterval, fastTemperature } = options;
    if (resolution !== undefined && RESOLUTIONS[resolution] === undefined)
      throw new RangeError("Si7021: resolution must be 12, 11, 10 or 8 (RH bits)");
    if (heater !== undefined && typeof heater !== "boolean") throw new TypeError("Si7021: heater must be a boolean");
    if (heaterCurrent !== undefined && (!Number.isInteger(heaterCurrent) || heaterCurrent < 0 || heaterCurrent > 15))
      throw new RangeError("Si7021: heaterCurrent must be an integer 0..15");
    if (interval !== undefined && (typeof interval !== "number" || !(interval >= 0) || !Number.isFinite(interval)))
      throw new RangeError("Si7021: interval must be a number of ms >= 0");
    if (timeout !== undefined && (typeof timeout !== "number" || !(timeout > 0) || !Number.isFinite(timeout)))
      throw new RangeError("Si7021: timeout must be a number of ms > 0");
    if (
      pollInterval !== undefined &&
      (typeof pollInterval !== "number" || !(pollInterval >= 1) || !(pollInterval <= 1000))
    )
      throw new RangeError("Si7021: pollInterval must be 1..1000 ms");
    if (fastTemperature !== undefined && typeof fastTemperature !== "boolean")
      throw new TypeError("Si7021: fastTemperature must be a boolean");

    if (timeout !== undefined) this.#timeout = timeout;
    if (pollInterval !== undefined) this.#pollInterval = pollInterval;
    if (fastTemperature !== undefined) this.#fastTemperature = fastTemperature;
    if (resolution !== undefined || heater !== undefined || heaterCurrent !== undefined) {
      if (resolution !== undefined) this.#resolution = resolution;
      if (heater !== undefined) this.#heater = heater;
      if (heaterCurrent !== undefined) this.#heaterCurrent = heaterCurrent;
      this.#registersDirty = true;
      if (this.#phase === "idle") this.#writeRegisters(); // throws SensorError on I/O failure
    }
    if (interval !== undefined) {
      Timer.clear(this.#periodic);
      this.#periodic = undefined;
      this.#interval = interval;
      if (interval > 0) {
        this.#periodic = Timer.repeat(() => this.measure(), interval);
        this.measure(); // the first one now, as the BME680 driver does
      }
    }
  }

  /** The current configuration (what the driver writes to the chip). */
  get configuration(): Required<Omit<Si7021Configuration, "heaterCurrent">> & { heaterCurrent: number | undefined } {
    return {
      resolution: this.#resolution,
      heater: this.#heater,
      heaterCurrent: this.#heaterCurrent,
      interval: this.#interval,
      timeout: this.#timeout,
      pollInterval: this.#pollInterval,
      fastTemperature: this.#fastTemperature,
    };
  }

  /** The latest completed reading, or undefined before the first one and after a failure. Never starts I/O. */
  sample(): Si7021Sample | undefined {
    return this.#latest;
  }

  /** Start a measurement. Returns false if one is already in progress (nothing changes); during a reset the
   *  measurement is queued. The result arrives through onSample or onError. */
  measure(): boolean {
    if (this.#phase === "closed") return false;
    if (this.#phase === "reset") {
      this.#pendingMeasure = true;
      return true;
    }
    if (this.#phase !== "idle") return false;
    if (this.#registersDirty) {
      try {
        this.#writeRegisters();
      } catch (e) {
        this.#fail(e);
        return true;
      }
    }
    if (!this.#command(MEASURE_RH_NO_HOLD, "humidity")) return true;
    const res = RESOLUTIONS[this.#resolution];
    this.#schedule(res.humidityMs + res.temperatureMs); // an RH measurement includes a temperature conversion
    return true;
  }

  /** Whether a measurement or reset is in progress. */
  get busy(): boolean {
    return this.#phase === "humidity" || this.#phase === "temperature" || this.#phase === "reset";
  }

  /** Soft reset (command 0xFE). The chip is ready after 15 ms, waited for with a timer; the configured resolution and
   *  heater settings are then written again. A chip that still NACKs then (still resetting: a timer may fire a little
   *  early, a chip may be slow) is polled every `pollInterval` ms up to `timeout` ms, as a conversion is; after that
   *  the "nack" is reported through onError. Measurements requested meanwhile start after it. Throws "busy" during a
   *  measurement, "nack" if the chip does not acknowledge the command. `callback` runs when the reset is over. */
  reset(callback?: () => void): void {
    this.#open();
    if (this.#phase !== "idle") throw new SensorError("busy", "Si7021: cannot reset during a measurement");
    this.#write([RESET]);
    this.#phase = "reset";
    this.#registersDirty = true;
    this.#polls = 0;
    this.#timer = Timer.set(() => this.#afterReset(callback), RESET_TIME_MS);
  }

  /** Read the electronic serial number (two accesses, every CRC checked) and the firmware revision. Synchronous
   *  register reads (no conversion involved); throws SensorError ("busy", "nack", "crc"). */
  identify(): Si7021Identity {
    this.#open();
    if (this.#phase !== "idle") throw new SensorError("busy", "Si7021: busy");
    const a = this.#transfer([0xfa, 0x0f], 8); // SNA_3 CRC SNA_2 CRC SNA_1 CRC SNA_0 CRC
    const b = this.#transfer([0xfc, 0xc9], 6); // SNB_3 SNB_2 CRC SNB_1 SNB_0 CRC
    // Each CRC covers every serial byte of its access up to that point (cumulative, initialised to 0).
    const sna = new Uint8Array(4);
    for (let i = 0; i < 4; i++) {
      sna[i] = a[i * 2];
      if (crc8(sna, 0, i + 1) !== a[i * 2 + 1])
        throw new SensorError("crc", "Si7021: serial number (1st access) CRC mismatch");
    }
    const snb = Uint8Array.of(b[0], b[1], b[3], b[4]);
    if (crc8(snb, 0, 2) !== b[2] || crc8(snb, 0, 4) !== b[5])
      throw new SensorError("crc", "Si7021: serial number (2nd access) CRC mismatch");
    const fw = this.#transfer([0x84, 0xb8], 1)[0];
    let serial = "";
    for (let i = 0; i < 4; i++) serial += hex2(sna[i]);
    for (let i = 0; i < 4; i++) serial += hex2(snb[i]);
    return {
      serialNumber: serial,
      deviceId: snb[0],
      model: modelFromDeviceId(snb[0]),
      firmwareRevision: fw,
      firmwareVersion: firmwareVersion(fw),
    };
  }

  /** Read user register 1 and the heater control register (for diagnostics). */
  readRegisters(): { user: number; heater: number } {
    this.#open();
    if (this.#phase !== "idle") throw new SensorError("busy", "Si7021: busy");
    return { user: this.#readRegister(READ_USER_1), heater: this.#readRegister(READ_HEATER) };
  }

  close(): void {
    if (this.#phase === "closed") return;
    Timer.clear(this.#timer);
    Timer.clear(this.#periodic);
    this.#timer = this.#periodic = undefined;
    this.#phase = "closed";
    const io = this.#io;
    this.#io = undefined;
    this.#onSample = this.#onError = undefined;
    io?.close?.();
  }

  // ---- internals ----

  #open(): I2C {
    if (this.#phase === "closed" || !this.#io) throw new SensorError("closed", "Si7021: closed");
    return this.#io;
  }

  /** Send a command (and its data). An I2C exception becomes SensorError "nack". */
  #write(bytes: number[]): void {
    const io = this.#open();
    try {
      io.write(Uint8Array.from(bytes));
    } catch (e) {
      throw transferError(this.#who, e);
    }
  }

  /** Send a command and read `count` bytes. An I2C exception becomes SensorError "nack". */
  #transfer(command: number[], count: number): Uint8Array {
    this.#write(command);
    try {
      return new Uint8Array(this.#open().read(count));
    } catch (e) {
      throw transferError(this.#who + " (read)", e);
    }
  }

  #readRegister(command: number): number {
    return this.#transfer([command], 1)[0];
  }

  #writeRegisters(): void {
    const user = this.#readRegister(READ_USER_1);
    // Reserved bits are preserved (read-modify-write), as the datasheet requires.
    const wanted =
      (user & ~(USER_RES_MASK | USER_HTRE) & 0xff) |
      RESOLUTIONS[this.#resolution].bits |
      (this.#heater ? USER_HTRE : 0);
    if (wanted !== user) this.#write([WRITE_USER_1, wanted]);
    if (this.#heaterCurrent !== undefined) {
      const heater = this.#readRegister(READ_HEATER);
      const want = (heater & 0xf0) | this.#heaterCurrent;
      if (want !== heater) this.#write([WRITE_HEATER, want]);
    }
    this.#registersDirty = false;
  }

  /** Send a measurement command; on NACK report the error and return false. */
  #command(command: number, phase: Phase): boolean {
    try {
      this.#write([command]);
    } catch (e) {
      this.#fail(e);
      return false;
    }
    this.#phase = phase;
    this.#polls = 0;
    return true;
  }

  #afterReset(callback: (() => void) | undefined): void {
    this.#timer = undefined;
    if (this.#phase !== "reset") return;
    try {
      this.#writeRegisters();
    } catch (e) {
      const waited = RESET_TIME_MS + this.#polls * this.#pollInterval;
      this.#polls++;
      if (waited < this.#timeout) {
        this.#timer = Timer.set(() => this.#afterReset(callback), this.#pollInterval); // still resetting: NACKs
        return;
      }
      this.#fail(e);
    }
    this.#phase = "idle";
    callback?.();
    if (this.#pendingMeasure) {
      this.#pendingMeasure = false;
      this.measure();
    }
  }

  #schedule(conversionMs: number): void {
    this.#timer = Timer.set(() => this.#poll(conversionMs), Math.ceil(conversionMs));
  }

  #poll(conversionMs: number): void {
    this.#timer = undefined;
    const phase = this.#phase;
    if (phase !== "humidity" && phase !== "temperature") return;
    const io = this.#io;
    if (!io) return;
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(io.read(3)); // MSB, LSB, checksum
    } catch {
      // NACK: still converting (no-hold master mode). Bounded retries until the timeout: `waited` is the time since
      // the command when this read was made (the first read at the conversion time, then one every pollInterval).
      const waited = Math.ceil(conversionMs) + this.#polls * this.#pollInterval;
      this.#polls++;
      if (waited >= this.#timeout) {
        this.#fail(
          new SensorError(
            "timeout",
            `${this.#who}: ${phase} measurement not complete after ${String(this.#timeout)} ms`,
          ),
        );
        return;
      }
      this.#timer = Timer.set(() => this.#poll(conversionMs), this.#pollInterval);
      return;
    }
    if (crc8(bytes, 0, 2) !== bytes[2]) {
      this.#fail(new SensorError("crc", `${this.#who}: measurement CRC mismatch`));
      return;
    }
    const code = (bytes[0] << 8) | bytes[1];
    if (phase === "humidity") {
      const rh = humidityFromCode(code);
      this.#humidity = rh < 0 ? 0 : rh > 100 ? 100 : rh; // §5.1.1: the host may limit RH to 0..100
      if (this.#fastTemperature) {
        let t: Uint8Array;
        try {
          t = this.#transfer([READ_T_FROM_RH], 2); // no checksum exists for 0xE0
        } catch (e) {
          this.#fail(e);
          return;
        }
        this.#complete((t[0] << 8) | t[1]);
        return;
      }
      if (!this.#command(MEASURE_T_NO_HOLD, "temperature")) return;
      this.#schedule(RESOLUTIONS[this.#resolution].temperatureMs);
      return;
    }
    this.#complete(code);
  }

  #complete(temperatureCode: number): void {
    const temperature = temperatureFromCode(temperatureCode);
    // the rated range plus the conversion's rounding at its ends; see "What is reported and what is refused" above
    if (!temperatureInRange(temperature, RESOLUTIONS[this.#resolution].temperatureBits)) {
      this.#fail(
        new SensorError(
          "invalid",
          `${this.#who}: temperature ${String(temperature)} °C outside -40..125 (code 0x${temperatureCode.toString(16)})`,
        ),
      );
      return;
    }
    this.#phase = "idle";
    const sample: Si7021Sample = {
      thermometer: { temperature },
      hygrometer: { humidity: this.#humidity },
      time: Date.now(),
    };
    this.#latest = sample;
    this.#onSample?.(sample);
  }

  /** A failed measurement, register write or reset: the driver is idle again, no reading is current any more (a
   *  failure never leaves an old reading looking current), and the next measurement sets the chip up again first
   *  (writes resolution and heater settings: a chip unplugged and plugged back has lost them), as the BME680 driver
   *  does. Reported through onError. */
  #fail(error: unknown): void {
    if (this.#phase === "closed") return;
    this.#phase = "idle";
    this.#latest = undefined;
    this.#registersDirty = true;
    this.#onError?.(transferError(this.#who, error));
  }
}

export { Si7021 };
