/**
 * BME680 driver (sensors/bme680.ts) against the register-level simulator on a simulated I2C bus of each test's own
 * (tests/support/buses.ts), with the host `timer`. No sleeps: every test waits for onSample / onError events, in virtual time
 * (tests/sensors/helpers.ts: the driver's timers and the simulated chip run on one clock that the test drives, so the
 * results do not depend on the machine's speed or load).
 */
import { TestBuses } from "../support/buses";
import { Bme680Sim, DEFAULT_SIM_CALIBRATION, VARIANT_BME688 } from "../../simulators/bme680";
import Bme680, { type Bme680Sample } from "../../sensors/bme680";
import { decodeGasWait, heaterResistance, measurementDuration } from "../../sensors/bme680-compensation";
import { SensorError } from "../../sensors/errors";
import { EventQueue, advance, useVirtualTime, virtualNow } from "./helpers";

// each test its own simulated buses (tests/support/buses.ts)
const buses = new TestBuses();
const I2C = buses.I2C;
beforeEach(() => buses.fresh());

const ADDRESS = 0x77;
const ENV = { temperature: 21.3, pressure: 100_850, humidity: 52.5, gasResistance: 95_000 };
let sensors: Bme680[] = [];

function setup(simOptions: ConstructorParameters<typeof Bme680Sim>[0] = {}) {
  const sim = new Bme680Sim({ environment: ENV, now: virtualNow, ...simOptions });
  buses.bus.attach(sim);
  const events = new EventQueue<Bme680Sample>({ virtualTime: true });
  const sensor = new Bme680({
    sensor: { io: I2C, data: 13, clock: 16, hz: 400_000, address: simOptions.address ?? ADDRESS },
    onSample: events.onSample,
    onError: events.onError,
  });
  sensors.push(sensor);
  // fast settings for tests: T×2 P×4 H×1, IIR off, 30 ms heater
  sensor.configure({
    oversampling: { temperature: 2, pressure: 4, humidity: 1 },
    filter: 0,
    heater: { temperature: 320, duration: 30 },
  });
  return { sim, sensor, events };
}

function expectEnvironment(s: Bme680Sample, env = ENV): void {
  expect(Math.abs(s.thermometer.temperature - env.temperature)).toBeLessThan(0.01);
  expect(Math.abs(s.barometer!.pressure - env.pressure)).toBeLessThan(1);
  expect(Math.abs(s.hygrometer!.humidity - env.humidity)).toBeLessThan(0.01);
  expect(Math.abs(s.gas!.resistance! / env.gasResistance - 1)).toBeLessThan(0.002);
}

/** Let `ms` of virtual time pass. */
const passTime = advance;

beforeEach(() => useVirtualTime());
afterEach(() => {
  for (const s of sensors) s.close();
  sensors = [];
  jest.useRealTimers();
});

describe("BME680 driver: start-up and measurement", () => {
  test("chip id, soft reset, calibration, one forced measurement: sample in base units with all four quantities", async () => {
    const { sim, sensor, events } = setup();
    expect(sim.stats.resets).toBe(1); // soft reset written by the constructor
    expect(sensor.sample()).toBeUndefined();
    const before = Date.now();
    expect(sensor.measure()).toBe(true); // queued until the reset wait is over
    const s = await events.nextSample();
    expect(Object.keys(s).sort()).toEqual(["barometer", "duration", "gas", "hygrometer", "thermometer", "time"]);
    expectEnvironment(s);
    expect(s.gas).toMatchObject({ valid: true, heaterStable: true });
    expect(s.time).toBeGreaterThanOrEqual(before);
    expect(s.duration).toBeGreaterThanOrEqual(measurementDuration(2, 3, 1, 30) - 1);
    expect(sensor.sample()).toBe(s);
    expect(sim.stats.measurements).toBe(1);
  });

  test("nothing blocks: measure() returns at once and the event loop keeps turning while the chip converts", async () => {
    const { sensor, events } = setup();
    sensor.configure({ heater: { temperature: 300, duration: 120 } });
    await (sensor.measure(), events.nextSample()); // first, through the reset
    let turns = 0;
    const spin = setInterval(() => turns++, 1);
    const t0 = Date.now();
    expect(sensor.measure()).toBe(true);
    expect(Date.now() - t0).toBe(0); // returned without waiting ~130 ms
    expect(sensor.measure()).toBe(false); // one in flight
    await events.nextSample();
    clearInterval(spin);
    expect(turns).toBeGreaterThan(20);
  });

  test("the driver programs the registers the datasheet asks for (oversampling, filter, heater set-point 0)", async () => {
    const { sim, sensor, events } = setup();
    sensor.configure({
      oversampling: { temperature: 8, pressure: 16, humidity: 2 },
      filter: 7,
      heater: { temperature: 350, duration: 25 },
    });
    sensor.measure();
    const s = await events.nextSample();
    expect(sim.register(0x74)).toBe((4 << 5) | (5 << 2)); // osrs_t ×8, osrs_p ×16, mode back to sleep
    expect(sim.register(0x72) & 7).toBe(2); // osrs_h ×2
    expect((sim.register(0x75) >> 2) & 7).toBe(3); // filter coefficient 7
    expect(sim.register(0x71)).toBe(0x10); // run_gas, nb_conv 0
    expect(sim.register(0x70) & 0x08).toBe(0); // heater on
    expect(decodeGasWait(sim.register(0x64))).toBe(25);
    expect(sim.lastMeasurement!.heaterMs).toBe(25);
    // first measurement: ambient 25 °C assumed; the next uses the measured temperature (21.3 → 21)
    expect(sim.register(0x5a)).toBe(heaterResistance(DEFAULT_SIM_CALIBRATION, 350, 25));
    sensor.measure();
    await events.nextSample();
    expect(sim.register(0x5a)).toBe(
      heaterResistance(DEFAULT_SIM_CALIBRATION, 350, Math.round(s.thermometer.temperature)),
    );
    sensor.configure({ ambientTemperature: 60 });
    sensor.measure();
    await events.nextSample();
    expect(sim.register(0x5a)).toBe(heaterResistance(DEFAULT_SIM_CALIBRATION, 350, 60));
    expect(sensor.configuration).toMatchObject({
      oversampling: { temperature: 8, pressure: 16, humidity: 2 },
      filter: 7,
      heater: { temperature: 350, duration: 25 },
      ambientTemperature: 60,
      measurementDuration: measurementDuration(4, 5, 2, 25),
    });
  });

  test("heater durations are encoded and reported as programmed (150 ms → 152 ms, rounded up)", () => {
    const { sensor } = setup();
    sensor.configure({ heater: { temperature: 320, duration: 150 } });
    expect(sensor.configuration.heater).toEqual({ temperature: 320, duration: 152 });
  });

  test("skipping pressure and humidity removes those keys; heater off removes gas and clears run_gas", async () => {
    const { sim, sensor, events } = setup();
    sensor.configure({ oversampling: { pressure: 0, humidity: 0 }, heater: false });
    sensor.measure();
    const s = await events.nextSample();
    expect(Object.keys(s).sort()).toEqual(["duration", "thermometer", "time"]);
    expect(Math.abs(s.thermometer.temperature - ENV.temperature)).toBeLessThan(0.01);
    expect(sim.register(0x71) & 0x10).toBe(0);
    expect(sim.register(0x70) & 0x08).toBe(0x08);
    expect(sim.lastMeasurement!.runGas).toBe(false);
  });

  test("the IIR filter is written once (writing config resets it), so a pressure step is smoothed", async () => {
    const { sim, sensor, events } = setup();
    sensor.configure({ filter: 3 });
    sensor.measure();
    const p0 = (await events.nextSample()).barometer!.pressure;
    sim.setEnvironment({ ...ENV, pressure: ENV.pressure + 400 });
    sensor.measure();
    const p1 = (await events.nextSample()).barometer!.pressure;
    expect(Math.abs(p0 - ENV.pressure)).toBeLessThan(1);
    expect(p1 - p0).toBeGreaterThan(80);
    expect(p1 - p0).toBeLessThan(120); // 1/4 of the step with coefficient 3
  });

  test("periodic sampling with configure({interval}); interval 0 stops it", async () => {
    const { sim, sensor, events } = setup();
    sensor.configure({ interval: 60 });
    const a = await events.nextSample();
    const b = await events.nextSample();
    const c = await events.nextSample();
    expect(b.time).toBeGreaterThan(a.time);
    expect(c.time).toBeGreaterThan(b.time);
    expect(c.time - a.time).toBeGreaterThanOrEqual(100);
    sensor.configure({ interval: 0 });
    if (!sensor.measure())
      await events.nextSample(); // one was in flight: let it finish
    else await events.nextSample();
    const count = sim.stats.measurements;
    await passTime(150);
    expect(sim.stats.measurements).toBe(count);
  });

  test("invalid configuration throws and changes nothing", () => {
    const { sensor } = setup();
    const before = sensor.configuration;
    const bad: unknown[] = [
      { oversampling: { temperature: 0 } },
      { oversampling: { pressure: 3 } },
      { oversampling: { humidity: 32 } },
      { filter: 2 },
      { heater: { temperature: 150, duration: 100 } },
      { heater: { temperature: 450, duration: 100 } },
      { heater: { temperature: 320, duration: 0 } },
      { heater: { temperature: 320, duration: 5000 } },
      { interval: -1 },
      { interval: 5 },
      { interval: NaN },
      { ambientTemperature: 200 },
      { filter: 3, heater: { temperature: 320, duration: 9999 } }, // valid part must not be applied either
    ];
    for (const options of bad) expect(() => sensor.configure(options as never)).toThrow(RangeError);
    expect(sensor.configuration).toEqual(before);
  });

  test("the 0x76 address works; other addresses are refused", async () => {
    const { events, sensor } = setup({ address: 0x76 });
    sensor.measure();
    expectEnvironment(await events.nextSample());
    expect(() => new Bme680({ sensor: { io: I2C, data: 13, clock: 16, address: 0x40 } })).toThrow(RangeError);
  });

  test("close(): sleep mode, no more callbacks, further calls refused", async () => {
    const { sim, sensor, events } = setup();
    sensor.configure({ interval: 50 });
    await events.nextSample();
    sensor.measure(); // close with a measurement in flight
    sensor.close();
    expect(sim.register(0x74) & 3).toBe(0);
    expect(sensor.sample()).toBeUndefined();
    expect(sensor.measure()).toBe(false);
    expect(() => sensor.configure({})).toThrow(SensorError);
    sensor.close(); // idempotent
    const n = events.all.length;
    const m = sim.stats.measurements;
    await passTime(150);
    expect(events.all.length).toBe(n);
    expect(sim.stats.measurements).toBe(m);
  });
});

describe("BME680 driver: faults", () => {
  test("wrong chip id: the constructor throws SensorError 'invalid'", () => {
    buses.bus.attach(new Bme680Sim({ chipId: 0x60, now: virtualNow }));
    let error: unknown;
    try {
      new Bme680({ sensor: { io: I2C, data: 13, clock: 16, address: ADDRESS } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SensorError);
    expect((error as SensorError).kind).toBe("invalid");
    expect((error as SensorError).message).toMatch(/chip id 0x60/);
  });

  test("absent chip: the constructor throws SensorError 'nack'", () => {
    expect(() => new Bme680({ sensor: { io: I2C, data: 13, clock: 16, address: ADDRESS } })).toThrow(
      expect.objectContaining({ kind: "nack" }),
    );
  });

  test("NACK during a measurement: onError 'nack', no value; once the bus answers, re-initialisation and good data", async () => {
    const { sim, sensor, events } = setup();
    sensor.measure();
    await events.nextSample();
    buses.bus.nack(ADDRESS);
    expect(sensor.measure()).toBe(true);
    const e = await events.nextError();
    expect(e.kind).toBe("nack");
    expect(sensor.sample()).toBeUndefined(); // the old reading is not left looking current
    buses.bus.clearFaults();
    const resets = sim.stats.resets;
    sensor.measure();
    expectEnvironment(await events.nextSample());
    expect(sim.stats.resets).toBe(resets + 1);
  });

  test("NACK from the chip itself while reading the result", async () => {
    const { sim, sensor, events } = setup();
    sensor.measure();
    await events.nextSample();
    sensor.measure(); // trigger written; the chip stops answering before the result is read
    sim.faults.nack = true;
    expect((await events.nextError()).kind).toBe("nack");
    sim.faults.nack = false;
    sensor.measure();
    expectEnvironment(await events.nextSample());
  });

  test("a measurement that never completes: onError 'timeout' after the deadline, then recovery", async () => {
    const { sim, sensor, events } = setup();
    sensor.measure();
    await events.nextSample();
    sim.faults.neverComplete = true;
    const t0 = Date.now();
    sensor.measure();
    const e = await events.nextError();
    const waited = Date.now() - t0;
    expect(e.kind).toBe("timeout");
    const expected = measurementDuration(2, 3, 1, 30);
    expect(waited).toBeGreaterThanOrEqual(2 * expected + 20);
    expect(waited).toBeLessThanOrEqual(2 * expected + 20 + 2); // the first 2 ms poll at or after the deadline
    expect(sensor.sample()).toBeUndefined();
    expect(sim.register(0x74) & 3).toBe(0); // put back to sleep
    sim.faults.neverComplete = false;
    sensor.measure();
    expectEnvironment(await events.nextSample());
  });

  test("gas conversion invalid: T, P, H reported, gas resistance omitted, flags say why", async () => {
    const { sim, sensor, events } = setup();
    sim.faults.gasInvalid = true;
    sensor.measure();
    const s = await events.nextSample();
    expect(s.gas).toEqual({ valid: false, heaterStable: false });
    expect(Math.abs(s.thermometer.temperature - ENV.temperature)).toBeLessThan(0.01);
    expect(s.barometer).toBeDefined();
    expect(s.hygrometer).toBeDefined();
  });

  test("heater not stable (fault, or a heating time shorter than the plate needs): resistance omitted", async () => {
    const { sim, sensor, events } = setup();
    sim.faults.heaterUnstable = true;
    sensor.measure();
    expect((await events.nextSample()).gas).toEqual({ valid: true, heaterStable: false });
    sim.faults.heaterUnstable = false;
    sensor.configure({ heater: { temperature: 320, duration: 10 } }); // sim needs 20 ms to heat up
    sensor.measure();
    expect((await events.nextSample()).gas).toEqual({ valid: true, heaterStable: false });
    sensor.configure({ heater: { temperature: 320, duration: 30 } });
    sensor.measure();
    const s = await events.nextSample();
    expect(s.gas).toMatchObject({ valid: true, heaterStable: true });
    expect(s.gas!.resistance).toBeGreaterThan(0);
  });

  test("removal and re-attach: errors while unplugged, then the re-plugged (power-cycled) chip is set up again", async () => {
    const { sim, sensor, events } = setup();
    sensor.configure({ interval: 40 });
    await events.nextSample();
    buses.bus.detach(ADDRESS);
    expect((await events.nextError()).kind).toBe("nack");
    expect(sensor.sample()).toBeUndefined();
    expect((await events.nextError()).kind).toBe("nack"); // keeps trying on its interval
    sim.powerCycle();
    buses.bus.attach(sim);
    let s: Bme680Sample | undefined;
    while (!s) {
      const e = await events.next();
      if (e.type === "sample") s = e.sample;
    }
    expectEnvironment(s);
    expect(sim.register(0x71)).toBe(0x10); // gas settings written again after the power cycle
  });

  test("a different chip plugged in: its own calibration is read (values stay right)", async () => {
    const { sensor, events } = setup();
    sensor.measure();
    await events.nextSample();
    buses.bus.detach(ADDRESS);
    sensor.measure();
    expect((await events.nextError()).kind).toBe("nack");
    const env2 = { temperature: 27.9, pressure: 99_100, humidity: 33.3, gasResistance: 12_000 };
    const calibration = {
      ...DEFAULT_SIM_CALIBRATION,
      t1: 25942,
      t2: 26699,
      p1: 36289,
      p2: -10451,
      h1: 794,
      h2: 1017,
      g1: -17,
    };
    buses.bus.attach(new Bme680Sim({ calibration, environment: env2, now: virtualNow }));
    sensor.measure();
    expectEnvironment(await events.nextSample(), env2);
  });

  test("a chip with the wrong id appears at the address between two measurements: onError 'invalid', no value", async () => {
    const { sensor, events } = setup();
    sensor.measure();
    await events.nextSample();
    buses.bus.detach(ADDRESS);
    buses.bus.attach(new Bme680Sim({ chipId: 0x58, now: virtualNow })); // e.g. a BMP280 at 0x77
    sensor.measure();
    const e = await events.nextError();
    expect(e.kind).toBe("invalid");
    expect(e.message).toMatch(/chip id 0x58/);
    expect(sensor.sample()).toBeUndefined();
  });

  test("a power cycle between two measurements (no failed transfer) is noticed: the filter setting is restored", async () => {
    const { sim, sensor, events } = setup();
    sensor.configure({ filter: 15 });
    sensor.measure();
    await events.nextSample();
    expect((sim.register(0x75) >> 2) & 7).toBe(4);
    sim.powerCycle();
    expect(sim.register(0x75)).toBe(0);
    sensor.measure();
    expectEnvironment(await events.nextSample());
    expect((sim.register(0x75) >> 2) & 7).toBe(4);
  });
});

describe("BME688 (same chip id, variant id 0x01 at 0xF0; Bosch BME68x SensorAPI)", () => {
  test("variant read at set-up: run_gas 0b10 written, gas read at 0x2C/0x2D and converted by the BME688 formula", async () => {
    const { sim, sensor, events } = setup({ variantId: VARIANT_BME688 });
    expect(sensor.model).toBe("bme688");
    expect(sensor.identify()).toEqual({ model: "bme688", variantId: 0x01 });
    sensor.measure();
    const s = await events.nextSample();
    expect(sim.register(0x71)).toBe(0x20); // run_gas<5:4> = 0b10, nb_conv 0
    expect(sim.lastMeasurement!.runGas).toBe(true);
    expect(s.gas).toMatchObject({ valid: true, heaterStable: true });
    expectEnvironment(s); // temperature, pressure, humidity and gas resistance within their resolution
  });

  test("a BME680 keeps run_gas 0b01 and its own registers and formula", async () => {
    const { sim, sensor, events } = setup();
    expect(sensor.model).toBe("bme680");
    expect(sensor.identify()).toEqual({ model: "bme680", variantId: 0x00 });
    sensor.measure();
    expectEnvironment(await events.nextSample());
    expect(sim.register(0x71)).toBe(0x10);
  });

  test("BME688 gas flags come from 0x2D: heater not stable or gas invalid omit the resistance", async () => {
    const { sim, sensor, events } = setup({ variantId: VARIANT_BME688 });
    sim.faults.heaterUnstable = true;
    sensor.measure();
    expect((await events.nextSample()).gas).toEqual({ valid: true, heaterStable: false });
    sim.faults.heaterUnstable = false;
    sim.faults.gasInvalid = true;
    sensor.measure();
    expect((await events.nextSample()).gas).toEqual({ valid: false, heaterStable: false });
  });

  test("an unknown variant id is refused with a clear error", () => {
    buses.bus.attach(new Bme680Sim({ variantId: 0x02, now: virtualNow }));
    expect(() => new Bme680({ sensor: { io: I2C, data: 13, clock: 16, address: ADDRESS } })).toThrow(
      expect.objectContaining({ kind: "invalid", message: expect.stringContaining("unknown variant id 0x2") }),
    );
  });

  test("a BME688 put where a BME680 was, between two measurements: 'invalid' once, then set up again as a BME688", async () => {
    const { sensor, events } = setup();
    sensor.measure();
    await events.nextSample();
    buses.bus.detach(ADDRESS);
    const env2 = { ...ENV, gasResistance: 7_654_321 };
    buses.bus.attach(new Bme680Sim({ variantId: VARIANT_BME688, environment: env2, now: virtualNow }));
    sensor.measure();
    const e = await events.nextError();
    expect(e.kind).toBe("invalid");
    expect(e.message).toMatch(/variant id changed to 0x1/);
    expect(sensor.sample()).toBeUndefined();
    sensor.measure();
    expectEnvironment(await events.nextSample(), env2);
    expect(sensor.model).toBe("bme688");
  });
});
