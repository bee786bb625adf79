/**
 * Bosch BME680 and BME688 (temperature, pressure, humidity, gas) — non-blocking ECMA-419 sensor driver (I2C).
 *
 * BME680 OR BME688: both have chip id 0x61 and the same registers for temperature, pressure, humidity and the heater;
 * they differ in the gas measurement. The driver reads the variant id (register 0xF0: 0x00 BME680, 0x01 BME688,
 * as in Bosch's BME68x SensorAPI: BME68X_VARIANT_GAS_LOW / _HIGH) when it sets the chip up, and for a BME688 sets
 * run_gas to 0b10 (ctrl_gas_1<5:4>; 0b01 on a BME680), reads the gas result from gas_r_msb/lsb at 0x2C/0x2D (0x2A/0x2B
 * on a BME680) and converts it with the BME688 formula (see compensateGasHigh). `model` says which chip answered
 * ("bme680" or "bme688"); `identify()` returns it too. Any other variant id is refused ("invalid").
 *
 * SAMPLE SHAPE (what `sample()` returns and what the sensor→metrics bridge maps):
 * ```
 * {
 *   thermometer: { temperature: number },          // °C
 *   hygrometer?: { humidity: number },             // %RH, clamped to 0…100   (absent when humidity oversampling is 0)
 *   barometer?:  { pressure: number },             // Pa                      (absent when pressure oversampling is 0)
 *   gas?: {                                        // absent when the heater is off (configure({heater: false}))
 *     resistance?: number,                         // Ω — PRESENT ONLY when valid && heaterStable
 *     valid: boolean,                              // gas_valid_r: a real (not dummy) gas conversion took place
 *     heaterStable: boolean,                       // heat_stab_r: the hot plate reached its target temperature
 *   },
 *   time: number,                                  // Date.now() when the reading was collected (ms)
 *   duration: number,                              // ms from triggering the measurement to collecting it
 * }
 * ```
 * The gas resistance name is `gas.resistance` (ohms; the bridge exports it as an `_ohms` gauge). When the chip reports
 * the gas conversion invalid or the heater unstable, `resistance` is omitted (never a bogus or stale value) and the two
 * flags say why; temperature, pressure and humidity of that reading are still good and are reported.
 *
 * SAMPLING MODEL (nothing blocks; no Timer.delay, no busy wait):
 *  - The constructor checks the chip id synchronously (throws if the chip does not answer or is not a BME680), then
 *    soft-resets the chip; calibration is read from a timer callback 10 ms later.
 *  - Each measurement: one burst write (heater set-point 0, run_gas, oversampling, forced mode), then a timer for the
 *    computed measurement duration, then the status/data registers are read from the timer callback (polled every
 *    2 ms if not yet ready, up to twice the expected duration + 20 ms, counted by polls as the Si7021 driver does).
 *  - `configure({interval})` measures every `interval` ms (0 = off, the default), the first one right away;
 *    `measure()` starts one measurement now (returns false if one is in flight). `onSample(sample)` is called when a
 *    reading completes; `sample()` returns the latest completed reading (with its `time`), or undefined before the
 *    first one AND after a failed measurement (a failed read never leaves an old value looking current).
 *  - Any failure calls `onError(error)` with a `SensorError` (sensors/errors.ts) whose `kind` is "nack" (I2C transfer
 *    not acknowledged: chip absent, unplugged, bus fault), "timeout" (new_data never came) or "invalid" (wrong chip
 *    id, blank calibration, non-finite compensation). The next measurement first re-initialises the chip (chip id,
 *    soft reset, calibration), so a sensor that is unplugged and plugged back (or replaced) recovers by itself.
 *  - The constructor throws (SensorError "nack"/"invalid") if no BME680 answers at the address: retry construction.
 *
 * Compensation uses the floating-point formulas of the BME680 datasheet (BST-BME680-DS001, section 3.3 and, for gas
 * resistance, section 3.4.1 with its const_array1/const_array2 tables for the BME680; for the BME688 the "high" gas
 * formula of Bosch's BME68x SensorAPI, calc_gas_resistance_high): sensors/bme680-compensation.ts. The heater
 * set-point res_heat_0 is computed from the calibration and the ambient temperature (the last reading, or the
 * configured `ambientTemperature`, or 25 °C before the first reading) and gas_wait_0 encodes the heater duration.
 */
import Timer from "timer";
import {
  OVERSAMPLING,
  compensateGas,
  compensateGasHigh,
  compensateHumidity,
  compensatePressure,
  compensateTemperature,
  decodeGasWait,
  encodeGasWait,
  heaterResistance,
  measurementDuration,
  parseCalibration,
  type Bme680Calibration,
} from "./bme680-compensation";
import { SensorError } from "./errors";
import { openI2C, transferError, type I2C, type SensorBusOptions } from "./i2c";
import { requireModelAddress } from "./models";

export interface Bme680HeaterOptions {
  /** target hot-plate temperature, °C (200…400) */
  temperature: number;
  /** heating time, ms (1…4032; encoded in 6 bits × 1/4/16/64, rounded up to the next representable duration) */
  duration: number;
}

export interface Bme680Configuration {
  /** measurement period in ms; 0 stops periodic sampling */
  interval?: number;
  /** oversampling: 1, 2, 4, 8, 16 (temperature cannot be skipped); 0 skips pressure or humidity */
  oversampling?: { temperature?: number; pressure?: number; humidity?: number };
  /** IIR filter coefficient: 0 (off), 1, 3, 7, 15, 31, 63, 127 (temperature and pressure) */
  filter?: number;
  /** gas heater profile, or false/null to switch the heater and gas measurement off */
  heater?: Bme680HeaterOptions | false | null;
  /** fixed ambient temperature (°C) for the heater set-point; undefined = use the last reading */
  ambientTemperature?: number | undefined;
}

export interface Bme680Options {
  sensor: SensorBusOptions;
  onSample?: (sample: Bme680Sample) => void;
  onError?: (error: SensorError) => void;
}

export interface Bme680Sample {
  thermometer: { temperature: number };
  hygrometer?: { humidity: number };
  barometer?: { pressure: number };
  gas?: { resistance?: number; valid: boolean; heaterStable: boolean };
  time: number;
  duration: number;
}

// ---- registers (datasheet section 5, memory map) ----
export const REG = {
  RES_HEAT_VAL: 0x00,
  RES_HEAT_RANGE: 0x02,
  RANGE_SW_ERR: 0x04,
  MEAS_STATUS_0: 0x1d,
  RES_HEAT_0: 0x5a,
  GAS_WAIT_0: 0x64,
  CTRL_GAS_0: 0x70,
  CTRL_GAS_1: 0x71,
  CTRL_HUM: 0x72,
  CTRL_MEAS: 0x74,
  CONFIG: 0x75,
  COEFF1: 0x89, // 25 bytes 0x89…0xA1
  CHIP_ID: 0xd0,
  RESET: 0xe0,
  COEFF2: 0xe1, // 16 bytes 0xE1…0xF0
  VARIANT_ID: 0xf0, // 0x00 BME680, 0x01 BME688 (the last byte of the COEFF2 block; not a calibration value)
} as const;
export const CHIP_ID = 0x61;
/** variant_id values (Bosch BME68x SensorAPI: BME68X_VARIANT_GAS_LOW, BME68X_VARIANT_GAS_HIGH) */
export const VARIANT_BME680 = 0x00;
export const VARIANT_BME688 = 0x01;
/** ctrl_gas_1 run_gas<5:4>: 0b01 starts a gas conversion on a BME680, 0b10 on a BME688 (BME68X_ENABLE_GAS_MEAS_L/_H) */
export const RUN_GAS_BME680 = 0x10;
export const RUN_GAS_BME688 = 0x20;
export const SOFT_RESET_CMD = 0xb6;
/** start-up time after soft reset that we wait (the datasheet gives 2 ms; Bosch's API waits 10 ms) */
export const RESET_WAIT_MS = 10;
const FIELD_LENGTH = 17; // 0x1D…0x2D: status … gas_r (BME680 at 0x2A/0x2B, BME688 at 0x2C/0x2D)

const FILTER = [0, 1, 3, 7, 15, 31, 63, 127]; // register code → coefficient

function osCode(value: number | undefined, name: string, allowSkip: boolean, current: number): number {
  if (value === undefined) return current;
  const code = OVERSAMPLING.indexOf(value);
  if (code < 0 || (code === 0 && !allowSkip))
    throw new RangeError(`BME680: ${name} oversampling must be one of ${allowSkip ? "0, " : ""}1, 2, 4, 8, 16`);
  return code;
}

const POLL_MS = 2;

export default class Bme680 {
  #io: I2C | undefined;
  /** "BME680 at 0x77": how messages name this sensor */
  readonly #who: string;
  #onSample: ((sample: Bme680Sample) => void) | undefined;
  #onError: ((error: SensorError) => void) | undefined;
  #calibration: Bme680Calibration | undefined;
  #sample: Bme680Sample | undefined;
  // settings (register codes)
  #osT = 4; // ×8
  #osP = 3; // ×4
  #osH = 2; // ×2
  #filter = 2; // coefficient 3
  #heater: { temperature: number; duration: number; gasWait: number } | null = {
    temperature: 320,
    duration: 150,
    gasWait: encodeGasWait(150),
  };
  #ambient: number | undefined = undefined;
  #interval = 0;
  // state
  #state: "init" | "idle" | "measuring" | "closed" = "init";
  #needsInit = false;
  #pending = false; // a measurement was requested while busy initialising
  #timer: Timer | undefined;
  #periodic: Timer | undefined;
  #started = 0;
  /** the measurement's expected duration (ms), and the status polls made after it */
  #expected = 0;
  #polls = 0;
  /** variant id read from the chip (VARIANT_BME680 or VARIANT_BME688) */
  #variant = VARIANT_BME680;

  constructor(options: Bme680Options) {
    if (options === null || typeof options !== "object" || !options.sensor || typeof options.sensor !== "object")
      throw new TypeError("BME680: options.sensor required");
    const s = options.sensor;
    if (typeof s.io !== "function") throw new TypeError("BME680: options.sensor.io (an I2C class) required");
    const address = s.address ?? 0x77;
    requireModelAddress("bme680", address); // 0x76 or 0x77, for a BME688 too (sensors/models.ts)
    this.#who = `BME680 at 0x${address.toString(16)}`;
    this.#onSample = options.onSample;
    this.#onError = options.onError;
    const io = openI2C(s, address);
    this.#io = io;
    try {
      this.#setUp();
    } catch (e) {
      this.#io = undefined;
      io.close?.();
      throw e;
    }
  }

  /** Change settings; unspecified options keep their value. Throws RangeError on invalid options (and changes
   * nothing). Takes effect from the next measurement. */
  configure(options: Bme680Configuration = {}): void {
    if (this.#state === "closed") throw new SensorError("closed", "BME680: closed");
    if (options === null || typeof options !== "object")
      throw new TypeError("BME680: configure options object required");
    const os = options.oversampling ?? {};
    const osT = osCode(os.temperature, "temperature", false, this.#osT);
    const osP = osCode(os.pressure, "pressure", true, this.#osP);
    const osH = osCode(os.humidity, "humidity", true, this.#osH);
    let filter = this.#filter;
    if (options.filter !== undefined) {
      filter = FILTER.indexOf(options.filter);
      if (filter < 0) throw new RangeError("BME680: filter must be one of 0, 1, 3, 7, 15, 31, 63, 127");
    }
    let heater = this.#heater;
    if (options.heater !== undefined) {
      if (options.heater === false || options.heater === null) heater = null;
      else {
        const { temperature, duration } = options.heater;
        if (typeof temperature !== "number" || !(temperature >= 200 && temperature <= 400))
          throw new RangeError("BME680: heater temperature must be 200…400 °C");
        if (typeof duration !== "number") throw new RangeError("BME680: heater duration (ms) required");
        const gasWait = encodeGasWait(duration);
        heater = { temperature, duration: decodeGasWait(gasWait), gasWait };
      }
    }
    let ambient = this.#ambient;
    if ("ambientTemperature" in options) {
      const a = options.ambientTemperature;
      if (a !== undefined && (typeof a !== "number" || !(a >= -40 && a <= 85)))
        throw new RangeError("BME680: ambientTemperature must be -40…85 °C or undefined");
      ambient = a;
    }
    let interval = this.#interval;
    if (options.interval !== undefined) {
      interval = options.interval;
      if (typeof interval !== "number" || !(interval >= 0) || !Number.isFinite(interval))
        throw new RangeError("BME680: interval must be a number of ms ≥ 0");
      if (interval > 0 && interval < 10) throw new RangeError("BME680: interval must be 0 (off) or ≥ 10 ms");
    }
    this.#osT = osT;
    this.#osP = osP;
    this.#osH = osH;
    this.#filter = filter;
    this.#heater = heater;
    this.#ambient = ambient;
    if (interval !== this.#interval) {
      this.#interval = interval;
      Timer.clear(this.#periodic);
      this.#periodic = undefined;
      if (interval > 0) {
        this.#periodic = Timer.repeat(() => this.measure(), interval);
        this.measure();
      }
    }
  }

  /** The settings in effect (heater duration as encoded, i.e. possibly rounded up). */
  get configuration(): {
    interval: number;
    oversampling: { temperature: number; pressure: number; humidity: number };
    filter: number;
    heater: { temperature: number; duration: number } | null;
    ambientTemperature: number | undefined;
    measurementDuration: number;
  } {
    const h = this.#heater;
    return {
      interval: this.#interval,
      oversampling: {
        temperature: OVERSAMPLING[this.#osT],
        pressure: OVERSAMPLING[this.#osP],
        humidity: OVERSAMPLING[this.#osH],
      },
      filter: FILTER[this.#filter],
      heater: h ? { temperature: h.temperature, duration: h.duration } : null,
      ambientTemperature: this.#ambient,
      measurementDuration: measurementDuration(this.#osT, this.#osP, this.#osH, h ? h.duration : 0),
    };
  }

  /** The chip that answered, from its variant id: "bme680" or "bme688" (as last read; the constructor reads it). */
  get model(): "bme680" | "bme688" {
    return this.#variant === VARIANT_BME688 ? "bme688" : "bme680";
  }

  /** What the chip is (no I/O: the variant id read when the chip was set up). The bridge exports it as
   *  sensor_info{chip}. The BME68x have no serial number or firmware version to read. */
  identify(): { model: "bme680" | "bme688"; variantId: number } {
    return { model: this.model, variantId: this.#variant };
  }

  /** Latest completed reading, or undefined (none yet, or the last attempt failed). */
  sample(): Bme680Sample | undefined {
    return this.#sample;
  }

  /** Start one measurement now. Returns false if one is already in flight (or the driver is closed); during the
   * start-up reset it is queued. Completion → onSample(sample); failure → onError(error). */
  measure(): boolean {
    switch (this.#state) {
      case "closed":
      case "measuring":
        return false;
      case "init":
        this.#pending = true;
        return true;
      case "idle":
        this.#start();
        return true;
    }
  }

  close(): void {
    if (this.#state === "closed") return;
    this.#state = "closed";
    Timer.clear(this.#timer);
    Timer.clear(this.#periodic);
    this.#timer = this.#periodic = undefined;
    const io = this.#io;
    this.#io = undefined;
    this.#sample = undefined;
    if (io) {
      try {
        io.write(Uint8Array.of(REG.CTRL_MEAS, 0)); // sleep mode
      } catch {
        // the chip may be gone; closing must not throw
      }
      io.close?.();
    }
  }

  // ---- internals ----

  /** Write register/value pairs. An I2C exception becomes SensorError "nack". */
  #write(bytes: number[]): void {
    try {
      this.#io!.write(Uint8Array.from(bytes));
    } catch (e) {
      throw transferError(this.#who, e);
    }
  }

  /** Read `count` registers from `register` on. An I2C exception becomes SensorError "nack". */
  #read(register: number, count: number): Uint8Array {
    const io = this.#io!;
    let got: Uint8Array;
    try {
      io.write(Uint8Array.of(register), false);
      got = new Uint8Array(io.read(count));
    } catch (e) {
      throw transferError(this.#who, e);
    }
    if (got.length !== count)
      throw new SensorError("invalid", `${this.#who}: short read at 0x${register.toString(16)}`);
    return got;
  }

  /** Chip id, then variant id (which says where the gas result is and how to convert it). Throws SensorError. */
  #checkChipId(): void {
    const id = this.#read(REG.CHIP_ID, 1)[0];
    if (id !== CHIP_ID)
      throw new SensorError("invalid", `${this.#who}: unexpected chip id 0x${id.toString(16)} (expected 0x61)`);
    const variant = this.#read(REG.VARIANT_ID, 1)[0];
    if (variant !== VARIANT_BME680 && variant !== VARIANT_BME688)
      throw new SensorError(
        "invalid",
        `${this.#who}: unknown variant id 0x${variant.toString(16)} (0x00 BME680, 0x01 BME688)`,
      );
    this.#variant = variant;
  }

  /** Set the chip up, at construction and after any failure: chip id and variant id, soft reset, then (from a timer,
   *  RESET_WAIT_MS later) calibration. Throws SensorError if the chip id check or the reset command fails. */
  #setUp(): void {
    this.#checkChipId();
    this.#write([REG.RESET, SOFT_RESET_CMD]);
    this.#timer = Timer.set(() => {
      this.#timer = undefined;
      this.#afterReset();
    }, RESET_WAIT_MS);
  }

  /** A failed measurement or set-up: no reading is current any more, and the next measurement sets the chip up again
   *  (a chip unplugged and plugged back, or replaced, recovers by itself). Reported through onError. */
  #fail(error: unknown): void {
    this.#sample = undefined;
    this.#needsInit = true;
    this.#state = "idle";
    Timer.clear(this.#timer);
    this.#timer = undefined;
    this.#onError?.(transferError(this.#who, error));
  }

  /** Set the chip up again before the measurement that was asked for (see #fail). */
  #reinit(): void {
    this.#state = "init";
    this.#pending = true;
    this.#needsInit = false;
    try {
      this.#setUp();
    } catch (e) {
      this.#pending = false;
      this.#fail(e);
    }
  }

  #afterReset(): void {
    if (this.#state === "closed") return;
    try {
      const c1 = this.#read(REG.COEFF1, 25);
      const c2 = this.#read(REG.COEFF2, 16);
      const other = this.#read(REG.RES_HEAT_VAL, 5);
      const cal = parseCalibration(c1, c2, other);
      if (cal.t1 === 0 || cal.t2 === 0 || cal.p1 === 0)
        throw new SensorError("invalid", `${this.#who}: calibration memory reads as blank`);
      this.#calibration = cal;
    } catch (e) {
      this.#pending = false;
      this.#fail(e);
      return;
    }
    this.#state = "idle";
    if (this.#pending) {
      this.#pending = false;
      this.#start();
    }
  }

  #start(): void {
    if (this.#needsInit) {
      this.#reinit();
      return;
    }
    const cal = this.#calibration!;
    const heater = this.#heater;
    const bytes: number[] = [];
    // Check the chip is still the one we calibrated for, and that `config` still holds our filter: a chip replaced
    // or power-cycled between two measurements (no transfer failed) is caught here. `config` is only rewritten when
    // it differs, because writing it resets the IIR filter (datasheet 3.3.4).
    let id: number, config: number, variant: number;
    try {
      id = this.#read(REG.CHIP_ID, 1)[0];
      config = this.#read(REG.CONFIG, 1)[0];
      variant = this.#read(REG.VARIANT_ID, 1)[0];
    } catch (e) {
      this.#fail(e);
      return;
    }
    if (id !== CHIP_ID) {
      this.#fail(new SensorError("invalid", `${this.#who}: unexpected chip id 0x${id.toString(16)} (expected 0x61)`));
      return;
    }
    if (variant !== this.#variant) {
      // another chip (a BME688 where a BME680 was, or the reverse): its calibration and gas registers differ
      this.#fail(
        new SensorError(
          "invalid",
          `${this.#who}: variant id changed to 0x${variant.toString(16)} (chip replaced): set up again`,
        ),
      );
      return;
    }
    if ((config & 0x1c) !== this.#filter << 2) bytes.push(REG.CONFIG, (config & ~0x1c) | (this.#filter << 2));
    if (heater) {
      const ambient = this.#ambient ?? this.#lastTemperature ?? 25;
      bytes.push(REG.RES_HEAT_0, heaterResistance(cal, heater.temperature, Math.round(ambient)));
      bytes.push(REG.GAS_WAIT_0, heater.gasWait);
      bytes.push(REG.CTRL_GAS_0, 0x00); // heater on
      // run_gas (0b01 on a BME680, 0b10 on a BME688), nb_conv = 0 (set-point 0)
      bytes.push(REG.CTRL_GAS_1, this.#variant === VARIANT_BME688 ? RUN_GAS_BME688 : RUN_GAS_BME680);
    } else {
      bytes.push(REG.CTRL_GAS_0, 0x08); // heat_off
      bytes.push(REG.CTRL_GAS_1, 0x00); // run_gas = 0
    }
    bytes.push(REG.CTRL_HUM, this.#osH); // takes effect with the ctrl_meas write below
    bytes.push(REG.CTRL_MEAS, (this.#osT << 5) | (this.#osP << 2) | 0x01); // forced mode
    try {
      this.#write(bytes);
    } catch (e) {
      this.#fail(e);
      return;
    }
    const expected = measurementDuration(this.#osT, this.#osP, this.#osH, heater ? heater.duration : 0);
    this.#state = "measuring";
    this.#started = Date.now();
    this.#expected = expected;
    this.#polls = 0;
    this.#gasOn = heater !== null;
    this.#timer = Timer.set(() => this.#poll(), expected);
  }

  #gasOn = false;
  #lastTemperature: number | undefined = undefined;

  #poll(): void {
    this.#timer = undefined;
    if (this.#state !== "measuring") return;
    let f: Uint8Array;
    try {
      f = this.#read(REG.MEAS_STATUS_0, FIELD_LENGTH);
    } catch (e) {
      this.#fail(e);
      return;
    }
    const now = Date.now();
    if ((f[0] & 0x80) === 0) {
      // Not ready: polled every POLL_MS up to twice the expected duration + 20 ms. As in the Si7021 driver, the bound
      // counts the polls (`waited`: when this read was due, by the schedule), so a timer that fires late on a busy
      // device does not eat into the chip's time.
      const waited = this.#expected + this.#polls * POLL_MS;
      this.#polls++;
      if (waited >= this.#expected * 2 + 20) {
        try {
          this.#write([REG.CTRL_MEAS, (this.#osT << 5) | (this.#osP << 2)]); // back to sleep
        } catch {
          // reported below anyway
        }
        this.#fail(
          new SensorError("timeout", `${this.#who}: measurement not complete after ${String(now - this.#started)} ms`),
        );
        return;
      }
      this.#timer = Timer.set(() => this.#poll(), POLL_MS);
      return;
    }
    const cal = this.#calibration!;
    const adcP = (f[2] << 12) | (f[3] << 4) | (f[4] >> 4);
    const adcT = (f[5] << 12) | (f[6] << 4) | (f[7] >> 4);
    const adcH = (f[8] << 8) | f[9];
    // gas_r_msb/lsb: 0x2A/0x2B on a BME680, 0x2C/0x2D on a BME688 (adc<9:2>; adc<1:0>, valid, stable, range<3:0>)
    const high = this.#variant === VARIANT_BME688;
    const gasMsb = high ? f[15] : f[13];
    const gasLsb = high ? f[16] : f[14];
    const adcG = (gasMsb << 2) | (gasLsb >> 6);
    const range = gasLsb & 0x0f;
    const t = compensateTemperature(cal, adcT);
    const sample: Bme680Sample = {
      thermometer: { temperature: t.temperature },
      time: now,
      duration: now - this.#started,
    };
    if (this.#osH !== 0) sample.hygrometer = { humidity: compensateHumidity(cal, t.tFine, adcH) };
    if (this.#osP !== 0) sample.barometer = { pressure: compensatePressure(cal, t.tFine, adcP) };
    if (this.#gasOn) {
      const valid = (gasLsb & 0x20) !== 0;
      const heaterStable = (gasLsb & 0x10) !== 0;
      const resistance = high ? compensateGasHigh(adcG, range) : compensateGas(cal, adcG, range);
      sample.gas = valid && heaterStable ? { resistance, valid, heaterStable } : { valid, heaterStable };
    }
    if (!Number.isFinite(t.temperature) || (sample.barometer && !Number.isFinite(sample.barometer.pressure))) {
      this.#fail(new SensorError("invalid", `${this.#who}: compensation produced a non-finite value`));
      return;
    }
    this.#lastTemperature = t.temperature;
    this.#sample = sample;
    this.#state = "idle";
    this.#onSample?.(sample);
  }
}

export { Bme680 };
