/**
 * Register-level BME680 simulator (simulators/bme680.ts), driven directly with an injected clock.
 * Register map and bit positions: datasheet BST-BME680-DS001 §5.2/5.3 (meas_status_0 0x1D: new_data<7>,
 * gas_measuring<6>, measuring<5>; gas_r_lsb 0x2B: gas_valid_r<5>, heat_stab_r<4>, gas_range_r<3:0>).
 */
import {
  adcForGas,
  adcForGasHigh,
  Bme680Sim,
  VARIANT_BME688,
  calibrationRegisters,
  DEFAULT_SIM_CALIBRATION,
  driftingEnvironment,
} from "../../simulators/bme680";
import {
  compensateGas,
  compensateGasHigh,
  compensateHumidity,
  compensatePressure,
  compensateTemperature,
  parseCalibration,
} from "../../sensors/bme680-compensation";

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

function readRegs(sim: Bme680Sim, reg: number, count: number): Uint8Array {
  expect(sim.write(Uint8Array.of(reg), false)).toBe(true);
  const got = sim.read(count, true);
  expect(got).not.toBeNull();
  return got!;
}

function write(sim: Bme680Sim, ...bytes: number[]): void {
  expect(sim.write(Uint8Array.from(bytes), true)).toBe(true);
}

function calibrationOf(sim: Bme680Sim) {
  return parseCalibration(readRegs(sim, 0x89, 25), readRegs(sim, 0xe1, 16), readRegs(sim, 0x00, 5));
}

/** Raw fields of a completed measurement. */
function fields(sim: Bme680Sim) {
  const f = readRegs(sim, 0x1d, 15);
  return {
    status: f[0],
    adcP: (f[2] << 12) | (f[3] << 4) | (f[4] >> 4),
    adcT: (f[5] << 12) | (f[6] << 4) | (f[7] >> 4),
    adcH: (f[8] << 8) | f[9],
    adcG: (f[13] << 2) | (f[14] >> 6),
    gasValid: (f[14] & 0x20) !== 0,
    heatStable: (f[14] & 0x10) !== 0,
    range: f[14] & 0x0f,
  };
}

/** BME688 gas result at 0x2C/0x2D (gas_r_msb/lsb of the high variant) and what 0x2A/0x2B read meanwhile. */
function gasHigh(sim: Bme680Sim) {
  const f = readRegs(sim, 0x2a, 4);
  return {
    low: [f[0], f[1]],
    adcG: (f[2] << 2) | (f[3] >> 6),
    gasValid: (f[3] & 0x20) !== 0,
    heatStable: (f[3] & 0x10) !== 0,
    range: f[3] & 0x0f,
  };
}

/** Configure T×2 P×4 H×1, heater 320 °C / `heaterMs`, and trigger forced mode. `runGas`: ctrl_gas_1<5:4> (0b01 starts
 *  a BME680's gas conversion, 0b10 a BME688's), or false for none. */
function trigger(
  sim: Bme680Sim,
  heaterMs = 30,
  opts: { osT?: number; osP?: number; osH?: number; runGas?: boolean | number } = {},
) {
  const { osT = 2, osP = 3, osH = 1, runGas = true } = opts;
  const ctrlGas1 = runGas === false ? 0 : runGas === true ? 0x10 : (runGas & 3) << 4;
  write(sim, 0x5a, 120, 0x64, heaterMs, 0x71, ctrlGas1, 0x72, osH, 0x74, (osT << 5) | (osP << 2) | 1);
}

describe("BME680 simulator: bus protocol", () => {
  test("chip id 0x61 at 0xD0; reads auto-increment from the register pointer", () => {
    const sim = new Bme680Sim({ now: clock().now });
    expect(readRegs(sim, 0xd0, 1)[0]).toBe(0x61);
    const cal = calibrationRegisters(DEFAULT_SIM_CALIBRATION);
    const burst = readRegs(sim, 0x89, 4);
    expect([...burst]).toEqual([0x89, 0x8a, 0x8b, 0x8c].map((r) => cal.get(r)));
  });

  test("writes are register/value pairs (no auto-increment); read-only registers ignore writes", () => {
    const sim = new Bme680Sim({ now: clock().now });
    write(sim, 0x72, 0x05, 0x75, 0x08, 0x70, 0x08);
    expect(sim.register(0x72)).toBe(0x05);
    expect(sim.register(0x75)).toBe(0x08);
    expect(sim.register(0x70)).toBe(0x08);
    expect(sim.register(0x73)).toBe(0x00); // the pair did not spill into 0x73
    write(sim, 0xd0, 0x00, 0x8a, 0x00); // chip id and calibration are read-only
    expect(sim.register(0xd0)).toBe(0x61);
    expect(calibrationOf(sim)).toEqual(DEFAULT_SIM_CALIBRATION);
  });

  test("calibration memory round-trips through the driver's parser (0x89…, 0xE1…, 0x00/0x02/0x04)", () => {
    const sim = new Bme680Sim({ now: clock().now });
    expect(calibrationOf(sim)).toEqual(DEFAULT_SIM_CALIBRATION);
    const other = { ...DEFAULT_SIM_CALIBRATION, h1: 0xfff, h2: 0xabc, rangeSwitchingError: 7, resHeatRange: 3, g2: -1 };
    expect(calibrationOf(new Bme680Sim({ now: clock().now, calibration: other }))).toEqual(other);
  });

  test("soft reset (0xE0 ← 0xB6): control registers cleared, no answer for 2 ms, then back", () => {
    const c = clock();
    const sim = new Bme680Sim({ now: c.now });
    write(sim, 0x72, 0x03, 0x75, 0x0c);
    write(sim, 0xe0, 0x12); // not the reset command: ignored
    expect(sim.register(0x72)).toBe(0x03);
    write(sim, 0xe0, 0xb6);
    expect(sim.stats.resets).toBe(1);
    expect(sim.write(Uint8Array.of(0xd0), false)).toBe(false);
    expect(sim.read(1, true)).toBeNull();
    c.advance(2);
    expect(readRegs(sim, 0xd0, 1)[0]).toBe(0x61);
    expect(sim.register(0x72)).toBe(0);
    expect(sim.register(0x75)).toBe(0);
    expect(calibrationOf(sim)).toEqual(DEFAULT_SIM_CALIBRATION); // NVM survives
  });
});

describe("BME680 simulator: forced-mode measurement", () => {
  test("measuring, then gas_measuring during heating, then new_data after the computed duration; back to sleep", () => {
    const c = clock();
    const sim = new Bme680Sim({ now: c.now });
    trigger(sim, 30); // T×2 P×4 H×1 = 7 cycles
    const tphMs = (7 * 1963 + 477 * 4 + 1000) / 1000; // 16.649
    const totalMs = tphMs + 2.385 + 30;
    expect(sim.lastMeasurement!.durationMs).toBeCloseTo(totalMs, 9);
    expect(readRegs(sim, 0x1d, 1)[0] & 0xe0).toBe(0x20); // measuring only
    c.advance(16);
    expect(readRegs(sim, 0x1d, 1)[0] & 0xe0).toBe(0x20); // still converting T, P, H
    c.advance(1);
    expect(readRegs(sim, 0x1d, 1)[0] & 0xe0).toBe(0x60); // measuring + gas_measuring
    c.advance(totalMs - 17 - 0.5);
    expect(readRegs(sim, 0x1d, 1)[0] & 0x80).toBe(0);
    c.advance(0.5);
    const s = readRegs(sim, 0x1d, 1)[0];
    expect(s & 0x80).toBe(0x80);
    expect(s & 0x60).toBe(0);
    expect(sim.register(0x74) & 3).toBe(0); // sleep
    expect(sim.stats.completed).toBe(1);
    trigger(sim, 30); // a new conversion clears new_data
    expect(readRegs(sim, 0x1d, 1)[0] & 0x80).toBe(0);
  });

  test("heater time comes from gas_wait_0 with its multiplier (0x59 = 25 × 4 ms)", () => {
    const sim = new Bme680Sim({ now: clock().now });
    trigger(sim, 0x59);
    expect(sim.lastMeasurement!.heaterMs).toBe(100);
    trigger(sim, 30, { runGas: false });
    expect(sim.lastMeasurement!.heaterMs).toBe(0);
  });

  test("ADC values invert the datasheet compensation for the target environment", () => {
    const c = clock();
    const env = { temperature: 23.37, pressure: 98765.4, humidity: 61.2, gasResistance: 123456 };
    const sim = new Bme680Sim({ now: c.now, environment: env });
    const cal = calibrationOf(sim);
    trigger(sim, 30);
    c.advance(50);
    const f = fields(sim);
    const t = compensateTemperature(cal, f.adcT);
    expect(Math.abs(t.temperature - env.temperature)).toBeLessThan(0.005);
    expect(Math.abs(compensatePressure(cal, t.tFine, f.adcP) - env.pressure)).toBeLessThan(1);
    expect(Math.abs(compensateHumidity(cal, t.tFine, f.adcH) - env.humidity)).toBeLessThan(0.01);
    expect(f.gasValid && f.heatStable).toBe(true);
    expect(Math.abs(compensateGas(cal, f.adcG, f.range) / env.gasResistance - 1)).toBeLessThan(0.002);
  });

  test("gas ADC: every range is used somewhere between 200 Ω and 12 MΩ, always inside 0…1023", () => {
    const seen = new Set<number>();
    for (let ohms = 200; ohms < 12e6; ohms *= 1.05) {
      const g = adcForGas(DEFAULT_SIM_CALIBRATION, ohms);
      expect(g.adc).toBeGreaterThanOrEqual(0);
      expect(g.adc).toBeLessThanOrEqual(1023);
      expect(Math.abs(compensateGas(parseCal(), g.adc, g.range) / ohms - 1)).toBeLessThan(0.001); // ≤ half an LSB near mid-scale
      seen.add(g.range);
    }
    expect(seen.size).toBe(16);
  });

  test("skipped measurements read 0x80000 (T, P) and 0x8000 (H)", () => {
    const c = clock();
    const sim = new Bme680Sim({ now: c.now, environment: {} });
    trigger(sim, 30, { osP: 0, osH: 0 });
    c.advance(60);
    const f = fields(sim);
    expect(f.adcP).toBe(0x80000);
    expect(f.adcH).toBe(0x8000);
    expect(f.adcT).not.toBe(0x80000);
  });

  test("IIR filter (config<4:2>): a step in pressure is smoothed, x = (x·c + adc)/(c+1); writing config resets it", () => {
    const c = clock();
    const sim = new Bme680Sim({ now: c.now, environment: { pressure: 100000 } });
    const cal = calibrationOf(sim);
    write(sim, 0x75, 2 << 2); // coefficient 3
    const measure = () => {
      trigger(sim, 30);
      c.advance(60);
      const f = fields(sim);
      return compensatePressure(cal, compensateTemperature(cal, f.adcT).tFine, f.adcP);
    };
    expect(Math.abs(measure() - 100000)).toBeLessThan(1); // first value passes unfiltered
    sim.setEnvironment({ pressure: 100400 });
    const p1 = measure();
    expect(p1 - 100000).toBeGreaterThan(80); // ≈ 1/4 of the step
    expect(p1 - 100000).toBeLessThan(120);
    const p2 = measure();
    expect(p2).toBeGreaterThan(p1);
    expect(p2).toBeLessThan(100400 - 150);
    write(sim, 0x75, 2 << 2); // filter reset
    expect(Math.abs(measure() - 100400)).toBeLessThan(1);
  });

  test("gas status: valid+stable with a long enough heater; unstable below the heat-up time; invalid with run_gas off", () => {
    const c = clock();
    const sim = new Bme680Sim({ now: c.now });
    trigger(sim, 30);
    c.advance(60);
    expect(fields(sim)).toMatchObject({ gasValid: true, heatStable: true });
    trigger(sim, 10); // shorter than heatUpMs (20)
    c.advance(60);
    expect(fields(sim)).toMatchObject({ gasValid: true, heatStable: false });
    trigger(sim, 30, { runGas: false });
    c.advance(60);
    expect(fields(sim)).toMatchObject({ gasValid: false, heatStable: false });
  });
});

describe("BME680 simulator: faults", () => {
  test("nack: every transfer is refused", () => {
    const sim = new Bme680Sim({ now: clock().now });
    sim.faults.nack = true;
    expect(sim.write(Uint8Array.of(0xd0), false)).toBe(false);
    expect(sim.read(1, true)).toBeNull();
    sim.faults.nack = false;
    expect(readRegs(sim, 0xd0, 1)[0]).toBe(0x61);
  });

  test("neverComplete: the measurement stays 'measuring'; writing sleep mode aborts it", () => {
    const c = clock();
    const sim = new Bme680Sim({ now: c.now });
    sim.faults.neverComplete = true;
    trigger(sim, 30);
    c.advance(10_000);
    expect(readRegs(sim, 0x1d, 1)[0] & 0xa0).toBe(0x20);
    write(sim, 0x74, 0x00);
    expect(readRegs(sim, 0x1d, 1)[0] & 0xa0).toBe(0x00);
    expect(sim.stats.completed).toBe(0);
  });

  test("gasInvalid and heaterUnstable clear the corresponding status bits", () => {
    const c = clock();
    const sim = new Bme680Sim({ now: c.now });
    sim.faults.heaterUnstable = true;
    trigger(sim, 30);
    c.advance(60);
    expect(fields(sim)).toMatchObject({ gasValid: true, heatStable: false });
    sim.faults.gasInvalid = true;
    trigger(sim, 30);
    c.advance(60);
    expect(fields(sim)).toMatchObject({ gasValid: false, heatStable: false });
  });

  test("wrong chip id and power cycle (a re-plugged chip has power-on registers)", () => {
    const c = clock();
    const sim = new Bme680Sim({ now: c.now, chipId: 0x60 });
    expect(readRegs(sim, 0xd0, 1)[0]).toBe(0x60);
    write(sim, 0x72, 0x02, 0x75, 0x04);
    sim.powerCycle();
    expect(sim.register(0x72)).toBe(0);
    expect(sim.register(0x75)).toBe(0);
    expect(fields(sim).adcT).toBe(0x80000);
  });
});

test("the default environment drifts plausibly (indoor ranges, slow change)", () => {
  for (let t = 0; t < 4 * 3_600_000; t += 60_000) {
    const e = driftingEnvironment(t);
    expect(e.temperature).toBeGreaterThan(18);
    expect(e.temperature).toBeLessThan(27);
    expect(e.pressure).toBeGreaterThan(100_000);
    expect(e.pressure).toBeLessThan(102_000);
    expect(e.humidity).toBeGreaterThan(30);
    expect(e.humidity).toBeLessThan(60);
    expect(e.gasResistance).toBeGreaterThan(40_000);
    expect(e.gasResistance).toBeLessThan(120_000);
    const next = driftingEnvironment(t + 5_000);
    expect(Math.abs(next.temperature - e.temperature)).toBeLessThan(0.3);
  }
  expect(driftingEnvironment(0).temperature).not.toBe(driftingEnvironment(300_000).temperature);
});

function parseCal() {
  return calibrationOf(new Bme680Sim({ now: clock().now }));
}

describe("BME688 simulation (variant id 0x01; Bosch BME68x SensorAPI: variant_id, run_gas, gas_r at 0x2C/0x2D)", () => {
  test("the variant id register 0xF0 reads 0x00 on a BME680 and 0x01 on a BME688; both have chip id 0x61", () => {
    const c = clock();
    expect(readRegs(new Bme680Sim({ now: c.now }), 0xf0, 1)[0]).toBe(0x00);
    const sim = new Bme680Sim({ now: c.now, variantId: VARIANT_BME688 });
    expect(readRegs(sim, 0xf0, 1)[0]).toBe(0x01);
    expect(readRegs(sim, 0xd0, 1)[0]).toBe(0x61);
    expect(calibrationOf(sim)).toEqual(DEFAULT_SIM_CALIBRATION); // 0xF0 is not part of the calibration
  });

  test("run_gas 0b10: the gas result is at 0x2C/0x2D, by the BME688 formula; 0x2A/0x2B read 0", () => {
    const c = clock();
    const env = { temperature: 22, pressure: 100_000, humidity: 40, gasResistance: 54_321 };
    const sim = new Bme680Sim({ now: c.now, environment: env, variantId: VARIANT_BME688 });
    trigger(sim, 30, { runGas: 0b10 });
    expect(sim.lastMeasurement!.runGas).toBe(true);
    c.advance(50);
    const g = gasHigh(sim);
    expect(g.low).toEqual([0, 0]);
    expect(g).toMatchObject({ gasValid: true, heatStable: true });
    expect(Math.abs(compensateGasHigh(g.adcG, g.range) / env.gasResistance - 1)).toBeLessThan(0.002);
    // and temperature, pressure, humidity exactly as on a BME680
    const f = fields(sim);
    const cal = calibrationOf(sim);
    expect(Math.abs(compensateTemperature(cal, f.adcT).temperature - env.temperature)).toBeLessThan(0.005);
  });

  test("a BME688 given the BME680's run_gas (0b01) measures no gas; a BME680 ignores bit 5 (0b10)", () => {
    const c = clock();
    const bme688 = new Bme680Sim({ now: c.now, variantId: VARIANT_BME688 });
    trigger(bme688, 30, { runGas: 0b01 });
    expect(bme688.lastMeasurement!.runGas).toBe(false);
    c.advance(50);
    expect(fields(bme688).gasValid).toBe(false);
    expect(gasHigh(bme688).gasValid).toBe(false);
    const bme680 = new Bme680Sim({ now: c.now });
    trigger(bme680, 30, { runGas: 0b10 });
    expect(bme680.lastMeasurement!.runGas).toBe(false);
    trigger(bme680, 30, { runGas: 0b01 });
    c.advance(50);
    expect(fields(bme680).gasValid).toBe(true);
    expect(gasHigh(bme680)).toMatchObject({ adcG: 0, range: 0, gasValid: false }); // 0x2C/0x2D unused on a BME680
  });

  test("gas ADC (BME688 formula inverted): every range is used between 1.5 kΩ and 100 MΩ, always inside 0…1023", () => {
    const used = new Set<number>();
    for (let ohms = 1500; ohms <= 100e6; ohms *= 1.07) {
      const g = adcForGasHigh(ohms);
      expect(g.adc).toBeGreaterThanOrEqual(0);
      expect(g.adc).toBeLessThanOrEqual(1023);
      used.add(g.range);
      expect(Math.abs(compensateGasHigh(g.adc, g.range) / ohms - 1)).toBeLessThan(0.001);
    }
    expect([...used].sort((a, b) => a - b)).toEqual([...Array(16).keys()]);
  });
});
