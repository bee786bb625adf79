/**
 * BME680 / BME688 datasheet maths (sensors/bme680-compensation.ts) against independent vectors.
 *
 * The expected values are in tests/sensors/bme680_vectors.json, written by tests/sensors/bme680_vectors.py, an
 * independent Python implementation written from the published formulas (re-run it to regenerate):
 *  - float path: Bosch BME680 datasheet BST-BME680-DS001 §3.3.1 (temperature), §3.3.2 (pressure), §3.3.3 (humidity),
 *    §3.3.5 (res_heat_x), §3.4.1 table 16 (gas resistance, const_array1/const_array2; BME680 only);
 *  - BME688 gas resistance: Bosch BME68x SensorAPI v4.4.8, bme68x.c calc_gas_resistance_high (float and integer
 *    forms), the formula of the "high" gas variant (variant_id 0x01);
 *  - integer path: Bosch BME680_driver, bme680.c v3.5.5: calc_temperature, calc_pressure, calc_humidity,
 *    calc_gas_resistance (lookupTable1/lookupTable2), calc_heater_res, calc_heater_dur, bme680_get_profile_dur;
 *    calibration layout: bme680_defs.h (BME680_T2_LSB_REG …) and get_calib_data().
 * The functions implement the float path; agreement with the integer path within its resolution is a second,
 * independent check (°C/100, Pa, %RH/1000, Ω).
 * Portable (no Node imports): the XS lane (npm run test:xs) runs it on the board's engine too.
 */
import {
  compensateGas,
  compensateGasHigh,
  compensateHumidity,
  compensatePressure,
  compensateTemperature,
  decodeGasWait,
  encodeGasWait,
  GAS_CONST_ARRAY2,
  heaterResistance,
  measurementDuration,
  parseCalibration,
  type Bme680Calibration,
} from "../../sensors/bme680-compensation";
import vectors from "./bme680_vectors.json";

interface Vectors {
  /** calibration memory as read from a chip: 25 bytes at 0x89, 16 bytes at 0xE1, 5 bytes at 0x00 */
  registers: { coeff1: number[]; coeff2: number[]; other: number[] };
  calibration: Bme680Calibration;
  tph: {
    adcT: number;
    adcP: number;
    adcH: number;
    tFine: number;
    temperature: number;
    pressure: number;
    humidity: number;
    intTemperature: number;
    intPressure: number;
    intHumidity: number;
  }[];
  gas: { adc: number; range: number; resistance: number; intResistance: number }[];
  gasHigh: { adc: number; range: number; resistance: number; intResistance: number }[];
  heater: { target: number; ambient: number; float: number; int: number }[];
  gasWait: { ms: number; vendor: number }[];
}

const VECTORS = vectors as Vectors;
const COEFF1 = Uint8Array.from(VECTORS.registers.coeff1);
const COEFF2 = Uint8Array.from(VECTORS.registers.coeff2);
const OTHER = Uint8Array.from(VECTORS.registers.other);

const cal = parseCalibration(COEFF1, COEFF2, OTHER);

test("the vector file holds every set (a missing set would make the tests below pass vacuously)", () => {
  expect([COEFF1.length, COEFF2.length, OTHER.length]).toEqual([25, 16, 5]);
  expect([
    VECTORS.tph.length,
    VECTORS.gas.length,
    VECTORS.gasHigh.length,
    VECTORS.heater.length,
    VECTORS.gasWait.length,
  ]).toEqual([5, 48, 80, 4, 7]);
});

describe("calibration parsing (datasheet tables 11-14, bme680_defs.h register indices)", () => {
  test("every coefficient, signedness and the packed H1/H2 nibbles (as bme680_vectors.py parses them)", () => {
    expect(cal).toEqual(VECTORS.calibration);
  });
  test("by hand: the coefficients of the vector chip", () => {
    expect(cal).toEqual({
      t1: 25942,
      t2: 26699,
      t3: 3,
      p1: 36289,
      p2: -10451,
      p3: 88,
      p4: 6803,
      p5: -51,
      p6: 30,
      p7: 37,
      p8: -2010,
      p9: -3060,
      p10: 30,
      h1: 794,
      h2: 1017,
      h3: 0,
      h4: 45,
      h5: 20,
      h6: 120,
      h7: -100,
      g1: -17,
      g2: -12616,
      g3: 18,
      resHeatVal: 42,
      resHeatRange: 1,
      rangeSwitchingError: -2,
    });
  });
  test("range_switching_error is the signed upper nibble of 0x04; res_heat_range is 0x02<5:4>", () => {
    const o = Uint8Array.from(OTHER);
    o[4] = 0x7f; // +7
    o[2] = 0xff; // range 3
    const c = parseCalibration(COEFF1, COEFF2, o);
    expect(c.rangeSwitchingError).toBe(7);
    expect(c.resHeatRange).toBe(3);
    o[4] = 0x8f; // -8
    expect(parseCalibration(COEFF1, COEFF2, o).rangeSwitchingError).toBe(-8);
  });
  test("short calibration is rejected", () => {
    expect(() => parseCalibration(COEFF1.subarray(0, 24), COEFF2, OTHER)).toThrow(RangeError);
  });
});

// [adcT, adcP, adcH] → float (datasheet) and integer (bme680.c) results
const TPH = VECTORS.tph;

function relClose(actual: number, expected: number, rel = 1e-12): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(Math.abs(expected) * rel + 1e-9);
}

describe.each(TPH)("temperature/pressure/humidity, adcT=$adcT adcP=$adcP adcH=$adcH", (v) => {
  const t = compensateTemperature(cal, v.adcT);
  test("temperature: datasheet §3.3.1 float, and bme680.c calc_temperature within 0.01 °C", () => {
    relClose(t.tFine, v.tFine);
    relClose(t.temperature, v.temperature);
    expect(Math.abs(t.temperature - v.intTemperature / 100)).toBeLessThanOrEqual(0.01);
  });
  test("pressure: datasheet §3.3.2 float, and bme680.c calc_pressure within 5 Pa", () => {
    const p = compensatePressure(cal, t.tFine, v.adcP);
    relClose(p, v.pressure);
    expect(Math.abs(p - v.intPressure)).toBeLessThanOrEqual(5);
  });
  test("humidity: datasheet §3.3.3 float (clamped), and bme680.c calc_humidity within 0.03 %RH", () => {
    const h = compensateHumidity(cal, t.tFine, v.adcH);
    relClose(h, v.humidity);
    expect(Math.abs(h - v.intHumidity / 1000)).toBeLessThanOrEqual(0.03);
  });
});

test("humidity is clamped to 0…100 %RH (datasheet §3.3.3, bme680.c calc_humidity caps)", () => {
  const { tFine } = compensateTemperature(cal, 480000);
  expect(compensateHumidity(cal, tFine, 0)).toBe(0);
  expect(compensateHumidity(cal, tFine, 65535)).toBe(100);
  expect(compensateHumidity(cal, tFine, 30000)).toBeLessThanOrEqual(100);
});

test("pressure with p1 = 0 (blank calibration) is NaN, not a division by zero artefact", () => {
  expect(compensatePressure({ ...cal, p1: 0 }, 100000, 300000)).toBeNaN();
});

// 16 gas ranges × 3 ADC values: [range, adc, float Ω (datasheet), integer Ω (bme680.c)]
const GAS: [number, number, number, number][] = VECTORS.gas.map((g) => [g.range, g.adc, g.resistance, g.intResistance]);

describe("gas resistance over all 16 ranges (datasheet §3.4.1 table 16; bme680.c calc_gas_resistance)", () => {
  test.each(GAS)("range %i, adc %i", (range, adc, float, int) => {
    const r = compensateGas(cal, adc, range);
    relClose(r, float, 1e-12);
    expect(Math.abs(r - int)).toBeLessThanOrEqual(1);
  });
  test("at mid-scale (adc 512) the resistance is const_array2[range] whatever the switching error", () => {
    for (let range = 0; range < 16; range++)
      for (const rse of [-8, 0, 7])
        relClose(compensateGas({ ...cal, rangeSwitchingError: rse }, 512, range), GAS_CONST_ARRAY2[range]);
  });
  test("range_switching_error enters as 1340 + 5·rse (datasheet §3.4.1)", () => {
    // adc 100, range 0, rse 0: 1340·8e6/(100-512+1340)
    relClose(compensateGas({ ...cal, rangeSwitchingError: 0 }, 100, 0), (1340 * 8000000) / 928);
  });
});

// BME688: 16 gas ranges × 5 ADC values: [range, adc, float Ω, integer Ω (bme68x.c)]
const GAS_HIGH: [number, number, number, number][] = VECTORS.gasHigh.map((g) => [
  g.range,
  g.adc,
  g.resistance,
  g.intResistance,
]);

describe("BME688 gas resistance over all 16 ranges (BME68x SensorAPI calc_gas_resistance_high)", () => {
  test.each(GAS_HIGH)("range %i, adc %i", (range, adc, float, int) => {
    const r = compensateGasHigh(adc, range);
    relClose(r, float, 1e-12);
    // the integer form truncates to whole 100 Ω (10000·var1/var2, then ×100)
    expect(r - int).toBeGreaterThanOrEqual(0);
    expect(r - int).toBeLessThan(100);
  });
  test("by hand from the formula R = 1e6·(262144 >> range) / (4096 + 3·(adc − 512))", () => {
    expect(compensateGasHigh(512, 0)).toBe(64_000_000); // 1e6 · 262144 / 4096
    expect(compensateGasHigh(512, 15)).toBe(1953.125); // 1e6 · 8 / 4096
    expect(compensateGasHigh(0, 0)).toBe(102_400_000); // 1e6 · 262144 / 2560
    relClose(compensateGasHigh(1023, 15), 8e6 / 5629); // 4096 + 3·511 = 5629: the smallest value, 1421.2 Ω
    relClose(compensateGasHigh(700, 9), (1e6 * 512) / 4660); // 4096 + 3·188 = 4660
  });
  test("no calibration value takes part: the BME688 formula differs from the BME680's for the same registers", () => {
    expect(compensateGasHigh(512, 6)).toBe(1_000_000);
    expect(compensateGas(cal, 512, 6)).toBe(125_000);
  });
});

describe("heater set-point res_heat_x (datasheet §3.3.5; bme680.c calc_heater_res)", () => {
  // [target °C, ambient °C, float (datasheet), integer (bme680.c, rounds instead of truncating)]
  test.each(VECTORS.heater.map((h) => [h.target, h.ambient, h.float, h.int]))(
    "target %i °C at ambient %i °C",
    (target, ambient, float, int) => {
      const r = heaterResistance(cal, target, ambient);
      expect(r).toBe(float);
      expect(Math.abs(r - int)).toBeLessThanOrEqual(1);
    },
  );
  test("targets above 400 °C are capped at 400 °C (as bme680.c does)", () => {
    expect(heaterResistance(cal, 450, 25)).toBe(heaterResistance(cal, 400, 25));
  });
  test("res_heat rises with target temperature and with ambient temperature (par_g3 > 0)", () => {
    expect(heaterResistance(cal, 350, 25)).toBeGreaterThan(heaterResistance(cal, 250, 25));
    expect(heaterResistance(cal, 320, 60)).toBeGreaterThan(heaterResistance(cal, 320, -20));
  });
});

describe("gas_wait_x encoding (datasheet §5.3.3.3: 6-bit value, multiplier ×1/×4/×16/×64)", () => {
  // durations the encoding holds exactly: the same code as bme680.c calc_heater_dur
  const exact = VECTORS.gasWait.filter((g) => decodeGasWait(g.vendor) === g.ms).map((g) => [g.ms, g.vendor]);
  test("the vectors hold exactly representable durations", () => expect(exact.length).toBe(5));
  test.each(exact)("%i ms → code %i (as bme680.c calc_heater_dur)", (ms, vendor) => {
    expect(encodeGasWait(ms)).toBe(vendor);
    expect(decodeGasWait(vendor)).toBe(ms);
  });
  test("durations that are not representable round UP (bme680.c truncates: 150 → 148 ms, 1000 → 992 ms)", () => {
    const vendor = (ms: number) => VECTORS.gasWait.find((g) => g.ms === ms)!.vendor;
    expect([vendor(150), vendor(1000)]).toEqual([101, 190]);
    expect(decodeGasWait(101)).toBe(148); // vendor's code for 150
    expect(encodeGasWait(150)).toBe(0x66);
    expect(decodeGasWait(encodeGasWait(150))).toBe(152);
    expect(decodeGasWait(190)).toBe(992); // vendor's code for 1000
    expect(decodeGasWait(encodeGasWait(1000))).toBe(1008);
  });
  test("exhaustively: the encoded duration is the smallest representable duration ≥ the request", () => {
    const representable = new Set<number>();
    for (let code = 0; code < 256; code++) representable.add((code & 63) * [1, 4, 16, 64][code >> 6]);
    const sorted = [...representable].sort((a, b) => a - b);
    for (let ms = 1; ms <= 4032; ms++) {
      const expected = sorted.find((d) => d >= ms)!;
      expect(decodeGasWait(encodeGasWait(ms))).toBe(expected);
    }
  });
  test("out of range durations are rejected", () => {
    for (const bad of [0, -1, 4033, NaN, Infinity]) expect(() => encodeGasWait(bad)).toThrow(RangeError);
  });
});

describe("measurement duration (bme680.c bme680_get_profile_dur timing model)", () => {
  const cycles = [0, 1, 2, 4, 8, 16];
  const vendor = (t: number, p: number, h: number, heater: number) =>
    Math.floor(((cycles[t] + cycles[p] + cycles[h]) * 1963 + 477 * 4 + 477 * 5 + 500) / 1000) + 1 + heater;
  test("never shorter than the model, at most 1 ms longer than Bosch's rounded figure, for every setting", () => {
    for (let t = 0; t < 6; t++)
      for (let p = 0; p < 6; p++)
        for (let h = 0; h < 6; h++) {
          const exactUs = (cycles[t] + cycles[p] + cycles[h]) * 1963 + 477 * 9 + 1000;
          const d = measurementDuration(t, p, h, 150);
          expect(d * 1000).toBeGreaterThanOrEqual(exactUs + 150000);
          expect(d - vendor(t, p, h, 150)).toBeGreaterThanOrEqual(0);
          expect(d - vendor(t, p, h, 150)).toBeLessThanOrEqual(1);
        }
  });
  test("T×8 P×4 H×2 with a 150 ms heater: 33 + 150 ms", () => {
    expect(measurementDuration(4, 3, 2, 150)).toBe(183);
  });
});
