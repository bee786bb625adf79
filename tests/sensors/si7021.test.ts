/**
 * Si7021 driver against the register-level simulator and datasheet vectors.
 * Source of formulas and facts: Silicon Labs "Si7021-A20 I2C Humidity and Temperature Sensor" datasheet, Rev. 1.1:
 *  §5.1 (no-hold measurement, checksum: CRC-8 x^8+x^5+x^4+1, init 0x00), §5.1.1 (%RH = 125*RH_Code/65536 - 6),
 *  §5.1.2 (T = 175.72*Temp_Code/65536 - 46.85; 0xE0 has no checksum), Table 2 (conversion and reset times),
 *  Table 11 (commands), §5.3 (electronic serial number), §5.5 + §6 (heater and user registers).
 * Virtual time (tests/sensors/helpers.ts): the driver's timers and the simulated chip run on one clock that the test
 * drives, so conversion and reset windows are met exactly, however busy the machine is.
 */
import { TestBuses } from "../support/buses";
import type { BusTransfer } from "../../simulators/bus";
import { Si7021Sim } from "../../simulators/si7021";
import Si7021, {
  humidityFromCode,
  temperatureFromCode,
  heaterCurrentMilliamps,
  firmwareVersion,
  modelFromDeviceId,
  RESOLUTIONS,
  TEMPERATURE_MAX,
  TEMPERATURE_MIN,
  temperatureInRange,
  type Si7021Sample,
} from "../../sensors/si7021";
import { crc8 } from "../../sensors/crc8";
import { SensorError, errorKind } from "../../sensors/errors";
import { EventQueue, drive, useVirtualTime, virtualNow } from "./helpers";

// each test its own simulated buses (tests/support/buses.ts)
const buses = new TestBuses();
const I2C = buses.I2C;
beforeEach(() => buses.fresh());

const sensorOptions = { io: I2C, data: 13, clock: 16, hz: 100_000, address: 0x40 };

let sim: Si7021Sim;
let drivers: Si7021[] = [];

function make(): { si: Si7021; q: EventQueue<Si7021Sample> } {
  const q = new EventQueue<Si7021Sample>({ virtualTime: true });
  const si = new Si7021({ sensor: sensorOptions, onSample: q.onSample, onError: q.onError });
  drivers.push(si);
  return { si, q };
}

function commands(log: BusTransfer[]): string[] {
  return log
    .filter((t) => t.op === "write" && t.acked && t.data)
    .map((t) => [...t.data!].map((b) => b.toString(16)).join(" "));
}

beforeEach(() => {
  useVirtualTime();
  sim = new Si7021Sim({ seed: 3, now: virtualNow });
  sim.setEnvironment({ temperature: 25, humidity: 50 });
  buses.bus.attach(sim);
});

afterEach(() => {
  for (const d of drivers) d.close();
  drivers = [];
  jest.useRealTimers();
});

describe("datasheet vectors", () => {
  test("§5.1.1 %RH = 125*code/65536 - 6 and §5.1.2 T = 175.72*code/65536 - 46.85", () => {
    // code 0x8000 = 32768 = 65536/2: RH = 62.5 - 6, T = 87.86 - 46.85
    expect(humidityFromCode(0x8000)).toBeCloseTo(56.5, 12);
    expect(temperatureFromCode(0x8000)).toBeCloseTo(41.01, 12);
    expect(humidityFromCode(0)).toBe(-6);
    expect(temperatureFromCode(0)).toBeCloseTo(-46.85, 12);
    // 0x6666 = 26214: 125*26214/65536 = 49.99923706..., 175.72*26214/65536 = 70.28692749...
    expect(humidityFromCode(0x6666)).toBeCloseTo(43.99923706, 7);
    expect(temperatureFromCode(0x6666)).toBeCloseTo(23.43692749, 7);
    // full scale 0xFFFF: 125*65535/65536 - 6 = 118.99809..., 175.72*65535/65536 - 46.85 = 128.86731...
    expect(humidityFromCode(0xffff)).toBeCloseTo(118.99809265, 7);
    expect(temperatureFromCode(0xffff)).toBeCloseTo(128.86731873, 7);
  });

  test("CRC-8 x^8+x^5+x^4+1, init 0 (§5.1); same CRC as Sensirion SHT2x, whose CRC application note gives these", () => {
    expect(crc8(Uint8Array.of(0xdc))).toBe(0x79);
    expect(crc8(Uint8Array.of(0x68, 0x3a))).toBe(0x7c);
    expect(crc8(Uint8Array.of(0x4e, 0x85))).toBe(0x6b);
    // appending the CRC gives a zero remainder
    expect(crc8(Uint8Array.of(0x68, 0x3a, 0x7c))).toBe(0);
    // CRC catalogue style check over "123456789" for poly 0x31 / init 0 / no reflection
    expect(crc8(Uint8Array.from("123456789", (c) => c.charCodeAt(0)))).toBe(0xa2);
  });

  test("heater currents of the §5.5 table; firmware and device id decoding (§5.3, §5.4)", () => {
    expect(heaterCurrentMilliamps(0)).toBe(3.09);
    expect(heaterCurrentMilliamps(1)).toBe(9.18);
    expect(heaterCurrentMilliamps(2)).toBe(15.24);
    expect(heaterCurrentMilliamps(4)).toBe(27.39);
    expect(heaterCurrentMilliamps(8)).toBe(51.69);
    expect(heaterCurrentMilliamps(15)).toBe(94.2);
    expect(heaterCurrentMilliamps(3)).toBeGreaterThan(15.24);
    expect(heaterCurrentMilliamps(3)).toBeLessThan(27.39);
    expect(() => heaterCurrentMilliamps(16)).toThrow(RangeError);
    expect(firmwareVersion(0xff)).toBe("1.0");
    expect(firmwareVersion(0x20)).toBe("2.0");
    expect(modelFromDeviceId(0x15)).toBe("Si7021");
    expect(modelFromDeviceId(0x14)).toBe("Si7020");
    expect(modelFromDeviceId(0x0d)).toBe("Si7013");
  });

  test("resolution table (Table 14 RES1:RES0 with Table 2 maximum conversion times)", () => {
    expect(RESOLUTIONS[12]).toMatchObject({ bits: 0x00, temperatureBits: 14, humidityMs: 12, temperatureMs: 10.8 });
    expect(RESOLUTIONS[8]).toMatchObject({ bits: 0x01, temperatureBits: 12, humidityMs: 3.1, temperatureMs: 3.8 });
    expect(RESOLUTIONS[10]).toMatchObject({ bits: 0x80, temperatureBits: 13, humidityMs: 4.5, temperatureMs: 6.2 });
    expect(RESOLUTIONS[11]).toMatchObject({ bits: 0x81, temperatureBits: 11, humidityMs: 7, temperatureMs: 2.4 });
  });
});

describe("Si7021 driver", () => {
  test("constructor checks presence: an absent chip is a nack SensorError", () => {
    buses.bus.detach(0x40);
    let err: unknown;
    try {
      new Si7021({ sensor: sensorOptions });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SensorError);
    expect((err as SensorError).kind).toBe("nack");
    expect(() => new Si7021({ sensor: { ...sensorOptions, io: undefined as never } })).toThrow(TypeError);
  });

  test("a measurement: 0xF5 then 0xF3, no-hold, values from the chip's codes, sample() returns it", async () => {
    const log: BusTransfer[] = [];
    buses.bus.trace = (t) => log.push(t);
    const { si, q } = make();
    expect(si.sample()).toBeUndefined();
    const before = Date.now();
    expect(si.measure()).toBe(true);
    const s = await q.nextSample();
    // the values are the datasheet formulas applied to what the simulated chip encoded
    expect(s.thermometer.temperature).toBeCloseTo(temperatureFromCode(Si7021Sim.temperatureCode(25, 14)), 10);
    expect(s.hygrometer.humidity).toBeCloseTo(humidityFromCode(Si7021Sim.humidityCode(50, 12)), 10);
    expect(Math.abs(s.thermometer.temperature - 25)).toBeLessThan(0.02);
    expect(Math.abs(s.hygrometer.humidity - 50)).toBeLessThan(0.04);
    expect(s.time).toBeGreaterThanOrEqual(before);
    expect(si.sample()).toBe(s);
    expect(commands(log)).toEqual(["e7", "f5", "f3"]);
    // the humidity result was not asked for before the RH+T conversion time (12 + 10.8 ms) had passed
    const f5 = log.findIndex((t) => t.op === "write" && t.data?.[0] === 0xf5);
    expect(log[f5 + 1].op).toBe("read");
  });

  test("measure() while a measurement is in progress returns false and changes nothing", async () => {
    const { si, q } = make();
    expect(si.measure()).toBe(true);
    expect(si.busy).toBe(true);
    expect(si.measure()).toBe(false);
    await q.nextSample();
    expect(si.busy).toBe(false);
    expect(q.pending).toBe(0);
  });

  test("a NACKed read while converting is 'not ready yet': retried until the result arrives", async () => {
    // the chip is slower than the driver expects: conversions take twice the maximum
    buses.bus.reset();
    let offset = 0;
    sim = new Si7021Sim({ now: () => virtualNow() - offset });
    sim.setEnvironment({ temperature: 20, humidity: 40 });
    buses.bus.attach(sim);
    const { si, q } = make();
    // after the command, the simulated clock runs 15 ms behind: reads are NACKed a few times
    const origWrite = sim.write.bind(sim);
    sim.write = (d, s) => {
      const ok = origWrite(d, s);
      offset = d[0] === 0xf5 || d[0] === 0xf3 ? 15 : offset;
      return ok;
    };
    si.measure();
    const s = await q.nextSample();
    // first read at 23 ms (ceil of 12 + 10.8) sees the chip at 8 ms: NACKed at 8, 10, ... 22 ms, read at 24 ms
    expect(sim.counters.nackedReads).toBe(8);
    expect(s.thermometer.temperature).toBeCloseTo(20, 1);
  });

  test("resolution settings write user register 1 (RES1 D7, RES0 D0) and quantise the codes", async () => {
    const { si, q } = make();
    const expected: [12 | 11 | 10 | 8, number][] = [
      [8, 0x3b],
      [10, 0xba],
      [11, 0xbb],
      [12, 0x3a],
    ];
    for (const [bits, reg] of expected) {
      si.configure({ resolution: bits });
      expect(sim.userRegister).toBe(reg);
      expect(si.readRegisters().user).toBe(reg);
    }
    si.configure({ resolution: 8 });
    sim.setEnvironment({ temperature: 21.3, humidity: 33.3 });
    si.measure();
    const s = await q.nextSample();
    // 8-bit RH: the code is a multiple of 256; 12-bit temperature: multiple of 16
    const rhCode = ((s.hygrometer.humidity + 6) * 65536) / 125;
    const tCode = ((s.thermometer.temperature + 46.85) * 65536) / 175.72;
    expect(Math.abs(rhCode - Math.round(rhCode / 256) * 256)).toBeLessThan(1e-6);
    expect(Math.abs(tCode - Math.round(tCode / 16) * 16)).toBeLessThan(1e-6);
    expect(Math.abs(s.hygrometer.humidity - 33.3)).toBeLessThan(0.5);
    expect(si.configuration.resolution).toBe(8);
  });

  test("heater on/off and heater current: HTRE bit and heater register; the die warms", async () => {
    const { si, q } = make();
    si.measure();
    const cold = await q.nextSample();
    si.configure({ heater: true, heaterCurrent: 15 });
    expect(sim.userRegister & 0x04).toBe(0x04);
    expect(sim.heaterRegister).toBe(0x0f);
    expect(si.readRegisters()).toEqual({ user: 0x3e, heater: 0x0f });
    si.measure();
    const hot = await q.nextSample();
    expect(hot.thermometer.temperature).toBeGreaterThan(cold.thermometer.temperature + 5);
    expect(hot.hygrometer.humidity).toBeLessThan(cold.hygrometer.humidity);
    si.configure({ heater: false, heaterCurrent: 3 });
    expect(sim.userRegister).toBe(0x3a);
    expect(sim.heaterRegister).toBe(0x03);
  });

  test("configuration requested during a measurement is written when it ends", async () => {
    const { si, q } = make();
    si.measure();
    si.configure({ resolution: 11 });
    expect(sim.userRegister).toBe(0x3a); // not yet: the chip is converting
    await q.nextSample();
    si.measure(); // writes pending registers first
    expect(sim.userRegister).toBe(0xbb);
    await q.nextSample();
  });

  test("invalid options throw and change nothing", () => {
    const { si } = make();
    expect(() => si.configure({ resolution: 9 as never })).toThrow(RangeError);
    expect(() => si.configure({ heaterCurrent: 16 })).toThrow(RangeError);
    expect(() => si.configure({ heaterCurrent: 1.5 })).toThrow(RangeError);
    expect(() => si.configure({ heater: "yes" as never })).toThrow(TypeError);
    expect(() => si.configure({ interval: -1 })).toThrow(RangeError);
    expect(() => si.configure({ timeout: 0 })).toThrow(RangeError);
    expect(() => si.configure({ resolution: 8, interval: Number.NaN })).toThrow(RangeError);
    expect(si.configuration.resolution).toBe(12);
    expect(sim.userRegister).toBe(0x3a);
  });

  test("electronic serial number (two accesses, cumulative CRCs) and firmware revision", () => {
    buses.bus.reset();
    sim = new Si7021Sim({ serial: [0x12, 0x34, 0x56, 0x78, 0x15, 0xff, 0xab, 0xcd], firmware: 0x20, now: virtualNow });
    buses.bus.attach(sim);
    const { si } = make();
    expect(si.identify()).toEqual({
      serialNumber: "12345678" + "15ffabcd",
      deviceId: 0x15,
      model: "Si7021",
      firmwareRevision: 0x20,
      firmwareVersion: "2.0",
    });
  });

  test("a bad CRC in the serial number is an error, not a value", () => {
    const { si } = make();
    sim.faults.badCrc = 1;
    expect(() => si.identify()).toThrow(expect.objectContaining({ kind: "crc" }));
    expect(() => si.identify()).not.toThrow();
  });

  test("soft reset: 0xFE, waited for by timer (chip NACKs meanwhile), configuration written again", async () => {
    const { si, q } = make();
    si.configure({ resolution: 10, heater: true, heaterCurrent: 2 });
    const done = new Promise<void>((resolve) => si.reset(resolve));
    expect(sim.counters.resets).toBe(1);
    expect(sim.userRegister).toBe(0x3a); // chip back at reset values
    expect(si.busy).toBe(true);
    expect(si.measure()).toBe(true); // queued until the reset completes
    await drive(done);
    expect(sim.userRegister).toBe(0xbe);
    expect(sim.heaterRegister).toBe(0x02);
    const s = await q.nextSample();
    expect(s.thermometer.temperature).toBeGreaterThan(25);
    expect(q.all.filter((e) => e.type === "error")).toEqual([]);
  });

  test("soft reset: a chip still resetting when the 15 ms timer fires is polled, not failed", async () => {
    // The chip's time runs 3 % slower than the driver's: when the 15 ms timer fires, 14.55 ms have passed for the chip,
    // still in reset, NACKing (on Node a 15 ms timer fires up to 1 ms early by Date.now; a real chip may be slow).
    buses.bus.reset();
    const t0 = virtualNow();
    sim = new Si7021Sim({ now: () => t0 + (virtualNow() - t0) * 0.97 });
    sim.setEnvironment({ temperature: 25, humidity: 50 });
    buses.bus.attach(sim);
    const { si, q } = make();
    si.configure({ resolution: 11 });
    const done = new Promise<void>((resolve) => si.reset(resolve));
    await drive(done);
    expect(q.all).toEqual([]); // no error
    expect(sim.userRegister).toBe(0xbb); // configuration written again once the chip answered
    si.measure();
    expect((await q.nextSample()).thermometer.temperature).toBeCloseTo(25, 1);
  });

  test("soft reset: a chip that never comes back is reported (nack) after the timeout", async () => {
    const { si, q } = make();
    si.configure({ timeout: 30, pollInterval: 5 });
    const started = Date.now();
    let doneAt = 0;
    si.reset(() => (doneAt = Date.now()));
    buses.bus.nack(0x40); // from now on every transfer is refused
    expect((await q.nextError()).kind).toBe("nack");
    expect(doneAt - started).toBe(30); // tried at 15, 20, 25 and 30 ms
    expect(si.busy).toBe(false);
    expect(si.sample()).toBeUndefined();
  });

  test("reset during a measurement throws busy", async () => {
    const { si, q } = make();
    si.measure();
    expect(() => si.reset()).toThrow(expect.objectContaining({ kind: "busy" }));
    await q.nextSample();
  });

  test("fastTemperature reads 0xE0 (temperature of the RH measurement) instead of measuring again", async () => {
    const log: BusTransfer[] = [];
    buses.bus.trace = (t) => log.push(t);
    const { si, q } = make();
    si.configure({ fastTemperature: true });
    si.measure();
    const s = await q.nextSample();
    expect(commands(log)).toEqual(["e7", "f5", "e0"]);
    expect(s.thermometer.temperature).toBeCloseTo(25, 1);
  });

  test("periodic mode: configure({interval}) measures repeatedly; interval 0 stops", async () => {
    const { si, q } = make();
    si.configure({ interval: 30 });
    expect(si.busy).toBe(true); // the first measurement starts at once
    const a = await q.nextSample();
    const b = await q.nextSample();
    const c = await q.nextSample();
    expect(b.time).toBeGreaterThan(a.time);
    expect(c.time).toBeGreaterThan(b.time);
    si.configure({ interval: 0 });
    const count = sim.counters.measurements;
    // a measurement may have been in flight: let it finish, then no new one starts
    if (si.busy) await q.next();
    si.measure();
    await q.nextSample();
    expect(sim.counters.measurements).toBeLessThanOrEqual(count + 3);
    expect(si.configuration.interval).toBe(0);
  });

  test("close() stops everything: no callbacks, measure() false, calls throw closed", async () => {
    const { si, q } = make();
    si.configure({ interval: 10 });
    si.measure();
    si.close();
    expect(si.measure()).toBe(false);
    expect(() => si.configure({})).toThrow(expect.objectContaining({ kind: "closed" }));
    // a measurement on another chip (an Si7021 has one address: on a second bus) completes meanwhile; the closed
    // driver never calls back
    buses.port(1).attach(new Si7021Sim({ now: virtualNow }));
    const oq = new EventQueue<Si7021Sample>({ virtualTime: true });
    const other = new Si7021({ sensor: { ...sensorOptions, port: 1 }, onSample: oq.onSample, onError: oq.onError });
    drivers.push(other);
    other.measure();
    await oq.nextSample();
    other.measure();
    await oq.nextSample();
    expect(q.all).toEqual([]);
  });
});

describe("Si7021 faults", () => {
  test("bad CRC on a measurement: onError kind crc, no sample, sample() no longer returns the old reading", async () => {
    const { si, q } = make();
    si.measure();
    const good = await q.nextSample();
    sim.faults.badCrc = 1;
    si.measure();
    const err = await q.nextError();
    expect(err).toBeInstanceOf(SensorError);
    expect(err.kind).toBe("crc");
    expect(q.all.filter((e) => e.type === "sample").length).toBe(1);
    expect(si.sample()).toBeUndefined(); // neither a value from bad data nor the old reading looking current
    si.measure();
    const again = await q.nextSample();
    expect(again.time).toBeGreaterThanOrEqual(good.time);
  });

  test("bad CRC on the temperature half also fails the whole measurement", async () => {
    const { si, q } = make();
    let reads = 0;
    const origRead = sim.read.bind(sim);
    sim.read = (n, s) => {
      const out = origRead(n, s);
      if (out && n === 3 && ++reads === 2) out[2] ^= 1; // corrupt the temperature checksum only
      return out;
    };
    si.measure();
    expect((await q.nextError()).kind).toBe("crc");
    expect(si.sample()).toBeUndefined();
  });

  test("a corrupted data byte (not the CRC) is caught by the CRC", async () => {
    const { si, q } = make();
    const origRead = sim.read.bind(sim);
    sim.read = (n, s) => {
      const out = origRead(n, s);
      if (out && n === 3) out[1] ^= 0x04;
      return out;
    };
    si.measure();
    expect((await q.nextError()).kind).toBe("crc");
  });

  test("a measurement that never completes: timeout error after bounded retries", async () => {
    const { si, q } = make();
    si.configure({ timeout: 40, pollInterval: 2 });
    sim.faults.stuck = true;
    const started = Date.now();
    si.measure();
    const err = await q.nextError();
    expect(err.kind).toBe("timeout");
    expect(errorKind(err)).toBe("timeout");
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
    expect(sim.counters.nackedReads).toBeLessThanOrEqual(Math.ceil((40 - 22) / 2) + 2);
    expect(si.busy).toBe(false);
    expect(si.sample()).toBeUndefined();
    sim.faults.stuck = false;
  });

  test("NACK of the measurement command (bus fault): error kind nack", async () => {
    const { si, q } = make();
    buses.bus.nack(0x40, 1);
    expect(si.measure()).toBe(true);
    expect((await q.nextError()).kind).toBe("nack");
    si.measure();
    await q.nextSample();
  });

  test("command NACKed by the chip itself (faults.nackCommands)", async () => {
    const { si, q } = make();
    si.measure();
    await q.nextSample();
    sim.faults.nackCommands = 1;
    si.measure();
    expect((await q.nextError()).kind).toBe("nack");
  });

  test("removal and re-attachment: nack while absent, readings again once back", async () => {
    const { si, q } = make();
    si.measure();
    await q.nextSample();
    buses.bus.detach(0x40);
    si.measure();
    expect((await q.nextError()).kind).toBe("nack");
    buses.bus.attach(sim);
    si.measure();
    const s = await q.nextSample();
    expect(s.hygrometer.humidity).toBeCloseTo(50, 1);
  });

  test("re-plugged (power-cycled) after a failure: the next measurement writes the settings again first", async () => {
    const { si, q } = make();
    si.configure({ resolution: 8, heater: true });
    si.measure();
    await q.nextSample();
    expect(sim.userRegister & 0x85).toBe(0x05); // RES0 and HTRE set
    buses.bus.detach(0x40);
    si.measure();
    expect((await q.nextError()).kind).toBe("nack");
    sim.powerCycle(); // registers back to their reset values: 12 bits, heater off
    buses.bus.attach(sim);
    si.measure();
    await q.nextSample();
    expect(sim.userRegister & 0x85).toBe(0x05);
  });

  test("removed during a conversion: the read NACKs until the timeout", async () => {
    const { si, q } = make();
    si.configure({ timeout: 30 });
    si.measure();
    buses.bus.detach(0x40);
    expect((await q.nextError()).kind).toBe("timeout");
  });

  test("a temperature outside -40..125 °C is invalid, not a value", async () => {
    const { si, q } = make();
    sim.setEnvironment({ temperature: 127, humidity: 10 });
    si.measure();
    expect((await q.nextError()).kind).toBe("invalid");
    expect(si.sample()).toBeUndefined();
  });

  test("a reading at the rated -40 °C (code 2552 = -40.0074 °C) is reported, humidity included", async () => {
    const { si, q } = make();
    sim.setEnvironment({ temperature: -40, humidity: 30 });
    expect(Si7021Sim.temperatureCode(-40, 14)).toBe(2552); // what a chip at -40 °C sends: the nearest 14-bit code
    si.measure();
    const s = await q.nextSample();
    expect(s.thermometer.temperature).toBeCloseTo(-40.0074, 4);
    expect(s.hygrometer.humidity).toBeCloseTo(30, 1);
    expect(si.sample()).toBe(s);
  });

  test("the ends of the rated range include one conversion step, at every resolution; beyond that is invalid", () => {
    // 14 bits: step 175.72/16384 = 0.0107 °C. Codes are multiples of 4: 2552 → -40.0074 (in), 2548 → -40.0181 (out);
    // 64096 → 125.0090 (in), 64100 → 125.0197 (out)
    expect(temperatureInRange(temperatureFromCode(2552), 14)).toBe(true);
    expect(temperatureInRange(temperatureFromCode(2548), 14)).toBe(false);
    expect(temperatureInRange(temperatureFromCode(64096), 14)).toBe(true);
    expect(temperatureInRange(temperatureFromCode(64100), 14)).toBe(false);
    // 11 bits: step 0.0858 °C, codes multiples of 32: 2528 → -40.0717 (in), 2496 → -40.1575 (out)
    expect(temperatureInRange(temperatureFromCode(2528), 11)).toBe(true);
    expect(temperatureInRange(temperatureFromCode(2496), 11)).toBe(false);
    expect(temperatureInRange(temperatureFromCode(2528), 14)).toBe(false);
    // for every resolution, the code a chip at -40 °C and at 125 °C sends is in range
    for (const { temperatureBits } of Object.values(RESOLUTIONS)) {
      for (const t of [TEMPERATURE_MIN, TEMPERATURE_MAX])
        expect(
          temperatureInRange(temperatureFromCode(Si7021Sim.temperatureCode(t, temperatureBits)), temperatureBits),
        ).toBe(true);
      expect(temperatureInRange(temperatureFromCode(0), temperatureBits)).toBe(false);
      expect(temperatureInRange(temperatureFromCode(0xfffc), temperatureBits)).toBe(false);
    }
  });

  test("the rated +125 °C at 11-bit temperature resolution is reported", async () => {
    const { si, q } = make();
    si.configure({ resolution: 11 });
    sim.setEnvironment({ temperature: 125.05, humidity: 5 });
    si.measure();
    const s = await q.nextSample();
    expect(s.thermometer.temperature).toBeGreaterThan(125);
    expect(s.hygrometer.humidity).toBeCloseTo(5, 0);
  });

  test("code 0 (three zero bytes from a bus held low pass the CRC: -46.85 °C) is invalid, humidity included", async () => {
    const { si, q } = make();
    si.measure();
    await q.nextSample();
    sim.setEnvironment({ temperature: -46.85, humidity: 30 });
    expect(Si7021Sim.temperatureCode(-46.85, 14)).toBe(0);
    expect(crc8(Uint8Array.of(0, 0))).toBe(0);
    si.measure();
    const e = await q.nextError();
    expect(e.kind).toBe("invalid");
    expect(e.message).toContain("outside -40..125 (code 0x0)");
    expect(si.sample()).toBeUndefined();
  });

  test("humidity is limited to 0..100 %RH (§5.1.1 allows the host to truncate)", async () => {
    const { si, q } = make();
    sim.setEnvironment({ temperature: 20, humidity: 110 });
    si.measure();
    expect((await q.nextSample()).hygrometer.humidity).toBe(100);
    sim.setEnvironment({ temperature: 20, humidity: -4 });
    si.measure();
    expect((await q.nextSample()).hygrometer.humidity).toBe(0);
    // at the ends of the range: 0 %RH is code 3136 at 12 bits (-0.02 %RH before clamping); the extreme codes too
    sim.setEnvironment({ temperature: 20, humidity: 0 });
    expect(humidityFromCode(Si7021Sim.humidityCode(0, 12))).toBeLessThan(0);
    si.measure();
    expect((await q.nextSample()).hygrometer.humidity).toBe(0);
    for (const [rh, clamped] of [
      [-6, 0],
      [119, 100],
    ]) {
      sim.setEnvironment({ temperature: 20, humidity: rh });
      si.measure();
      expect((await q.nextSample()).hygrometer.humidity).toBe(clamped);
    }
  });
});
