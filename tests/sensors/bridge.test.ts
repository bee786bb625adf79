/**
 * Sensor → metrics bridge: names, units, labels, health, series removal on failure, generic ECMA-419 drivers.
 * In virtual time (tests/sensors/helpers.ts): the bridge's and drivers' timers and the simulated chips share one clock
 * that waiting for a read drives, so the outcome does not depend on the machine's speed or load.
 */
import { Registry } from "../../modules/client/index";
import { TestBuses } from "../support/buses";
import { Si7021Sim } from "../../simulators/si7021";
import {
  startSensors,
  parseAddress,
  type Sensors,
  type SensorConfig,
  type StartSensorsOptions,
} from "../../sensors/index";
import { SensorBridge, STANDARD_MAPPINGS } from "../../sensors/bridge";
import { drive, useVirtualTime, virtualNow } from "./helpers";
import { Signal, until } from "../support/wait";

// each test its own simulated buses (tests/support/buses.ts)
const buses = new TestBuses();
beforeEach(() => buses.fresh());

type Read = { name: string; kind: string | undefined };

/** Collects onRead events; `next(name)` waits for the next completed read of that sensor not yet taken. */
class Reads {
  readonly #arrived = new Signal();
  readonly #taken = new Map<string, number>();
  readonly log: Read[] = [];
  onRead = (s: { sensor: string }, kind: string | undefined): void => {
    this.log.push({ name: s.sensor, kind });
    this.#arrived.notify();
  };
  async next(name: string): Promise<string | undefined> {
    const index = this.#taken.get(name) ?? 0;
    this.#taken.set(name, index + 1);
    const of = () => this.log.filter((r) => r.name === name);
    await drive(until(() => of().length > index, { on: this.#arrived, what: `read ${index + 1} of ${name}` }));
    return of()[index].kind;
  }
  /** skip reads until one with this outcome (bounded) */
  async until(name: string, kind: string | undefined, max = 50): Promise<void> {
    for (let i = 0; i < max; i++) if ((await this.next(name)) === kind) return;
    throw new Error(`no read of ${name} with outcome ${String(kind)} in ${max} reads`);
  }
}

let running: Sensors[] = [];
let registry: Registry;
let reads: Reads;
let sim: Si7021Sim;

function start(sensors: SensorConfig[], extra: Partial<StartSensorsOptions> = {}): Sensors {
  const s = startSensors({
    registry,
    interval: 40,
    i2c: { data: 13, clock: 16, hz: 100_000 },
    io: buses.I2C,
    sensors,
    onRead: reads.onRead,
    ...extra,
  });
  running.push(s);
  return s;
}

/** The series lines of one metric family in the 0.0.4 text. */
async function series(name: string): Promise<string[]> {
  const text = await registry.metrics();
  return text.split("\n").filter((l) => l.startsWith(name + "{") || l.startsWith(name + " "));
}

beforeEach(() => {
  useVirtualTime();
  registry = new Registry();
  reads = new Reads();
  sim = new Si7021Sim({ seed: 5, now: virtualNow });
  sim.setEnvironment({ temperature: 23.5, humidity: 41 });
  buses.bus.attach(sim);
});

afterEach(() => {
  for (const s of running) s.stop();
  running = [];
  jest.useRealTimers();
});

const OFFICE = '{sensor="office",model="si7021",address="0x40"}';

describe("bridge with the Si7021", () => {
  test("metric names, base units, labels, health series", async () => {
    start([{ model: "si7021", address: 0x40, name: "office" }]);
    expect(await reads.next("office")).toBeUndefined();
    const text = await registry.metrics();
    expect(text).toContain("# TYPE sensor_temperature_celsius gauge");
    expect(text).toContain("# TYPE sensor_humidity_ratio gauge");
    expect(text).toContain("# TYPE sensor_up gauge");
    expect(text).toContain("# TYPE sensor_read_errors_total counter");
    const t = await series("sensor_temperature_celsius");
    expect(t).toHaveLength(1);
    expect(t[0].startsWith("sensor_temperature_celsius" + OFFICE + " ")).toBe(true);
    expect(Number(t[0].split(" ")[1])).toBeCloseTo(23.5, 1);
    const h = await series("sensor_humidity_ratio");
    expect(Number(h[0].split(" ")[1])).toBeCloseTo(0.41, 3); // %RH / 100
    expect(await series("sensor_up")).toEqual(["sensor_up" + OFFICE + " 1"]);
    const errors = await series("sensor_read_errors_total");
    expect(errors.sort()).toEqual(
      ["crc", "invalid", "nack", "other", "timeout"].map(
        (k) => `sensor_read_errors_total{sensor="office",model="si7021",address="0x40",kind="${k}"} 0`,
      ),
    );
    const last = Number((await series("sensor_last_success_timestamp_seconds"))[0].split(" ")[1]);
    expect(Math.abs(last - Date.now() / 1000)).toBeLessThan(5);
    const duration = Number((await series("sensor_read_duration_seconds"))[0].split(" ")[1]);
    expect(duration).toBeGreaterThan(0.02); // RH + T conversions: at least ~23 ms
    expect(duration).toBeLessThan(1);
    expect(text).not.toContain("sensor_pressure_pascals"); // the Si7021 has no barometer
  });

  test("namespace prefix and string config values (mcconfig overrides arrive as strings)", async () => {
    start([{ model: "SI7021", address: "0x40", name: "office" }], {
      namespace: "esp32",
      interval: "40" as unknown as number,
      i2c: { data: "13", clock: "16", hz: "400000" },
    });
    await reads.until("office", undefined);
    expect(await series("esp32_sensor_temperature_celsius")).toHaveLength(1);
    expect(await series("esp32_sensor_up")).toEqual(["esp32_sensor_up" + OFFICE + " 1"]);
    expect(await series("sensor_up")).toEqual([]);
  });

  test("reads repeat on the interval and values follow the sensor", async () => {
    start([{ model: "si7021", name: "office" }]);
    await reads.until("office", undefined);
    sim.setEnvironment({ temperature: 30, humidity: 60 });
    await reads.until("office", undefined);
    await reads.until("office", undefined);
    const t = await series("sensor_temperature_celsius");
    expect(Number(t[0].split(" ")[1])).toBeCloseTo(30, 1);
    expect(Number((await series("sensor_reads_total"))[0].split(" ")[1])).toBeGreaterThanOrEqual(3);
  });

  test("removal: up 0, nack counted, value series disappear; re-attach: they come back", async () => {
    start([{ model: "si7021", name: "office" }]);
    await reads.until("office", undefined);
    buses.bus.detach(0x40);
    await reads.until("office", "nack");
    expect(await series("sensor_temperature_celsius")).toEqual([]);
    expect(await series("sensor_humidity_ratio")).toEqual([]);
    expect(await series("sensor_up")).toEqual(["sensor_up" + OFFICE + " 0"]);
    const nacks = (await series("sensor_read_errors_total")).find((l) => l.includes('kind="nack"'))!;
    expect(Number(nacks.split(" ")[1])).toBeGreaterThanOrEqual(1);
    // the time of the last success stays (it says how old the last good value is)
    expect(await series("sensor_last_success_timestamp_seconds")).toHaveLength(1);
    // the chip comes back power-cycled (registers at reset values): the driver is rebuilt and reconfigures it
    sim.powerCycle();
    buses.bus.attach(sim);
    await reads.until("office", undefined);
    expect(await series("sensor_temperature_celsius")).toHaveLength(1);
    expect(await series("sensor_up")).toEqual(["sensor_up" + OFFICE + " 1"]);
  });

  test("sensor_info: serial number and firmware; a replaced chip shows its new serial", async () => {
    buses.bus.reset();
    buses.bus.attach(
      new Si7021Sim({ serial: [0xde, 0xad, 0xbe, 0xef, 0x15, 0xff, 0x00, 0x01], firmware: 0xff, now: virtualNow }),
    );
    start([{ model: "si7021", name: "office" }]);
    await reads.until("office", undefined);
    expect(await series("sensor_info")).toEqual([
      'sensor_info{sensor="office",model="si7021",address="0x40",chip="si7021",serial="deadbeef15ff0001",firmware="1.0"} 1',
    ]);
    buses.bus.detach(0x40);
    await reads.until("office", "nack");
    buses.bus.attach(new Si7021Sim({ serial: [1, 2, 3, 4, 0x15, 0xff, 0x00, 0x02], firmware: 0x20, now: virtualNow }));
    await reads.until("office", undefined);
    expect(await series("sensor_info")).toEqual([
      'sensor_info{sensor="office",model="si7021",address="0x40",chip="si7021",serial="0102030415ff0002",firmware="2.0"} 1',
    ]);
  });

  test("driver options are applied, and applied again after the chip is re-plugged", async () => {
    start([{ model: "si7021", name: "office", options: { resolution: 11 } }]);
    await reads.until("office", undefined);
    expect(sim.userRegister).toBe(0xbb);
    buses.bus.detach(0x40);
    await reads.until("office", "nack");
    sim.powerCycle();
    expect(sim.userRegister).toBe(0x3a);
    buses.bus.attach(sim);
    await reads.until("office", undefined);
    expect(sim.userRegister).toBe(0xbb);
  });

  test("bad CRC: counted as crc, series removed for that read, back at the next good read", async () => {
    start([{ model: "si7021", name: "office" }]);
    await reads.until("office", undefined);
    sim.faults.badCrc = 1;
    await reads.until("office", "crc");
    expect(await series("sensor_temperature_celsius")).toEqual([]);
    expect(await series("sensor_up")).toEqual(["sensor_up" + OFFICE + " 0"]);
    await reads.until("office", undefined);
    expect(await series("sensor_temperature_celsius")).toHaveLength(1);
    const crc = (await series("sensor_read_errors_total")).find((l) => l.includes('kind="crc"'))!;
    expect(crc.endsWith(" 1")).toBe(true);
  });

  test("a measurement that never completes: timeout, then recovery", async () => {
    start([{ model: "si7021", name: "office" }], { interval: 250, readTimeout: 200 });
    await reads.until("office", undefined);
    sim.faults.stuck = true;
    await reads.until("office", "timeout");
    expect(await series("sensor_temperature_celsius")).toEqual([]);
    sim.faults.stuck = false;
    await reads.until("office", undefined);
    expect(await series("sensor_temperature_celsius")).toHaveLength(1);
  });

  test("absent at start: up 0 and nack from the start, values once it appears", async () => {
    buses.bus.detach(0x40);
    const lines: string[] = [];
    start([{ model: "si7021", name: "office" }], { log: (l) => lines.push(l) });
    expect(await reads.next("office")).toBe("nack");
    expect(await series("sensor_up")).toEqual(["sensor_up" + OFFICE + " 0"]);
    expect(await series("sensor_temperature_celsius")).toEqual([]);
    buses.bus.attach(sim);
    await reads.until("office", undefined);
    expect(await series("sensor_up")).toEqual(["sensor_up" + OFFICE + " 1"]);
    expect(lines.some((l) => l.includes("down (nack"))).toBe(true);
    expect(lines.some((l) => l.endsWith(": up"))).toBe(true);
  });

  test("two sensors are independent: one failing does not touch the other", async () => {
    const { Bme680Sim } = await import("../../simulators/bme680");
    buses.bus.attach(new Bme680Sim({ address: 0x77, environment: { temperature: 10, humidity: 80 }, now: virtualNow }));
    start([
      { model: "si7021", address: 0x40, name: "office" },
      { model: "bme680", address: 0x77, name: "cellar" },
    ]);
    await reads.until("office", undefined);
    await reads.until("cellar", undefined);
    buses.bus.nack(0x77);
    await reads.until("cellar", "nack");
    await reads.until("office", undefined);
    const t = await series("sensor_temperature_celsius");
    expect(t).toHaveLength(1);
    expect(t[0]).toContain('sensor="office"');
    expect((await series("sensor_up")).sort()).toEqual([
      'sensor_up{sensor="cellar",model="bme680",address="0x77"} 0',
      'sensor_up{sensor="office",model="si7021",address="0x40"} 1',
    ]);
    buses.bus.clearFaults(0x77);
    await reads.until("cellar", undefined);
    expect(await series("sensor_temperature_celsius")).toHaveLength(2);
  });

  test("injected clock: last success timestamp and duration come from it", async () => {
    let now = 1_700_000_000_000;
    start([{ model: "si7021", name: "office" }], { now: () => (now += 250) });
    await reads.until("office", undefined);
    const last = Number((await series("sensor_last_success_timestamp_seconds"))[0].split(" ")[1]);
    expect(last * 1000).toBeGreaterThan(1_700_000_000_000);
    expect(last * 1000).toBeLessThanOrEqual(now);
    expect((last * 1000 - 1_700_000_000_000) % 250).toBe(0);
    expect((await series("sensor_read_duration_seconds"))[0].endsWith(" 0.25")).toBe(true);
  });

  test("stop(): drivers closed, metrics unregistered, no more reads", async () => {
    const s = start([{ model: "si7021", name: "office" }]);
    await reads.until("office", undefined);
    s.stop();
    const count = sim.counters.measurements;
    expect(await registry.metrics()).not.toContain("sensor_");
    // use another sensor's reads (on a second bus) as a clock: several intervals pass, the stopped bridge never reads
    buses.port(1).attach(new Si7021Sim({ now: virtualNow }));
    const registry2 = new Registry();
    running.push(
      startSensors({
        registry: registry2,
        interval: 40,
        i2c: { data: 13, clock: 16, port: 1 },
        io: buses.I2C,
        sensors: [{ model: "si7021", name: "clock" }],
        onRead: reads.onRead,
      }),
    );
    for (let i = 0; i < 4; i++) await reads.until("clock", undefined);
    expect(sim.counters.measurements).toBe(count);
    expect(reads.log.filter((r) => r.name === "office").length).toBeGreaterThan(0);
  });
});

describe("restart", () => {
  test("stop() then startSensors() again on the same registry (the app retries and restarts sensors)", async () => {
    const first = start([{ model: "si7021", name: "office" }]);
    await reads.until("office", undefined);
    await reads.until("office", undefined);
    first.stop();
    start([{ model: "si7021", name: "office" }], { interval: 5000 }); // one read now, the next in 5 s
    await reads.until("office", undefined);
    expect(await series("sensor_up")).toEqual(["sensor_up" + OFFICE + " 1"]);
    expect(await series("sensor_reads_total")).toEqual(["sensor_reads_total" + OFFICE + " 1"]); // a fresh counter
  });
});

describe("configuration errors", () => {
  test("unknown model, duplicate address, bad address, bad namespace", () => {
    expect(() => start([{ model: "nope" }])).toThrow(/unknown model "nope"/);
    expect(() => start([{ model: "si7021" }, { model: "si7021", address: "0x40" }])).toThrow(/two sensors/);
    expect(() => start([{ model: "si7021", address: "0x80" }])).toThrow(RangeError);
    expect(() => start([{ model: "si7021", address: "forty" }])).toThrow(TypeError);
    expect(() => start([{ model: "si7021" }], { namespace: "bad-name" })).toThrow(/namespace/);
    expect(() => start([{ model: "si7021" }], { interval: 0 })).toThrow(RangeError);
    // a failed start leaves nothing registered
    expect(registry.getMetricsAsArray().filter((m) => m.name.startsWith("sensor_"))).toEqual([]);
  });

  test("parseAddress", () => {
    expect(parseAddress(0x40)).toBe(0x40);
    expect(parseAddress("0x77")).toBe(0x77);
    expect(parseAddress(" 64 ")).toBe(64);
    expect(() => parseAddress("0x7f")).toThrow(RangeError);
    expect(() => parseAddress(3.5)).toThrow(RangeError);
  });
});

/** A synchronous ECMA-419 driver in the style of Moddable's catalogue (no measure(): sample() reads on demand). */
class FakeSync {
  static value: unknown = { temperature: 19.25, accelerometer: { x: 0.5, y: -9.81, z: 0 } };
  static throwing: Error | undefined;
  static instances = 0;
  static closed = 0;
  address: number;
  configured: object | undefined;
  constructor(options: { sensor: { address: number; io: unknown } }) {
    if (typeof options.sensor.io !== "function") throw new Error("io missing");
    this.address = options.sensor.address;
    FakeSync.instances++;
  }
  configure(o: object): void {
    this.configured = o;
  }
  sample(): unknown {
    if (FakeSync.throwing) throw FakeSync.throwing;
    return FakeSync.value;
  }
  close(): void {
    FakeSync.closed++;
  }
}

describe("any ECMA-419 driver, by configuration", () => {
  beforeEach(() => {
    FakeSync.value = { temperature: 19.25, accelerometer: { x: 0.5, y: -9.81, z: 0 } };
    FakeSync.throwing = undefined;
  });

  test("standard mappings for a single-class thermometer ({temperature})", async () => {
    start([{ model: "tmp102", name: "rack" }], { models: { tmp102: { driver: FakeSync, address: 0x48 } } });
    await reads.until("rack", undefined);
    expect(await series("sensor_temperature_celsius")).toEqual([
      'sensor_temperature_celsius{sensor="rack",model="tmp102",address="0x48"} 19.25',
    ]);
    expect(await series("sensor_humidity_ratio")).toEqual([]);
  });

  test("custom mapping: path, name, unit, scale, offset, constant labels", async () => {
    const mappings = ["x", "y", "z"].map((axis) => ({
      path: `accelerometer.${axis}`,
      name: "sensor_acceleration_meters_per_second_squared",
      help: "Acceleration.",
      labels: { axis },
    }));
    start(
      [
        {
          model: "accel",
          name: "door",
          mappings: [
            ...mappings,
            {
              path: "temperature",
              name: "sensor_die_temperature_kelvin",
              help: "Die temperature.",
              unit: "kelvin",
              offset: 273.15,
            },
          ],
          options: { range: 2 },
        },
      ],
      { models: { accel: { driver: FakeSync, address: 0x19 } } },
    );
    await reads.until("door", undefined);
    const acc = await series("sensor_acceleration_meters_per_second_squared");
    expect(acc).toEqual([
      'sensor_acceleration_meters_per_second_squared{sensor="door",model="accel",address="0x19",axis="x"} 0.5',
      'sensor_acceleration_meters_per_second_squared{sensor="door",model="accel",address="0x19",axis="y"} -9.81',
      'sensor_acceleration_meters_per_second_squared{sensor="door",model="accel",address="0x19",axis="z"} 0',
    ]);
    expect(await series("sensor_die_temperature_kelvin")).toEqual([
      'sensor_die_temperature_kelvin{sensor="door",model="accel",address="0x19"} 292.4',
    ]);
  });

  test("percent to ratio is one correctly rounded division: 12.4 %RH exports 0.124", async () => {
    FakeSync.value = { hygrometer: { humidity: 12.4 }, humidity: 1 };
    start([{ model: "hyg", name: "h" }], { models: { hyg: { driver: FakeSync, address: 0x44 } } });
    await reads.until("h", undefined);
    expect(12.4 * 0.01).not.toBe(0.124); // why the bridge divides by 100 instead of multiplying by 0.01
    // the ECMA-419 class path wins over the bare single-class name for the same series
    expect(await series("sensor_humidity_ratio")).toEqual([
      'sensor_humidity_ratio{sensor="h",model="hyg",address="0x44"} 0.124',
    ]);
  });

  test("exceptions, undefined samples and non-finite values", async () => {
    start([{ model: "tmp102", name: "rack" }], { models: { tmp102: { driver: FakeSync, address: 0x48 } } });
    await reads.until("rack", undefined);
    FakeSync.throwing = new Error("I2C read failed");
    await reads.until("rack", "nack");
    expect(await series("sensor_temperature_celsius")).toEqual([]);
    FakeSync.throwing = new Error("something odd");
    await reads.until("rack", "other");
    FakeSync.throwing = undefined;
    FakeSync.value = undefined;
    await reads.until("rack", "invalid");
    FakeSync.value = { temperature: Number.NaN };
    await reads.until("rack", undefined); // the read worked, the value did not
    expect(await series("sensor_temperature_celsius")).toEqual([]);
    const invalid = (await series("sensor_read_errors_total")).find((l) => l.includes('kind="invalid"'))!;
    expect(Number(invalid.split(" ")[1])).toBeGreaterThanOrEqual(2);
    FakeSync.value = { temperature: 20 };
    await reads.until("rack", undefined);
    expect(await series("sensor_temperature_celsius")).toHaveLength(1);
  });

  test("a driver whose constructor throws is retried each interval", async () => {
    const before = FakeSync.instances;
    let fail = 2;
    class Flaky extends FakeSync {
      constructor(o: { sensor: { address: number; io: unknown } }) {
        if (fail-- > 0) throw Object.assign(new Error("absent"), { kind: "nack" });
        super(o);
      }
    }
    start([{ model: "flaky", name: "f" }], { models: { flaky: { driver: Flaky, address: 0x20 } } });
    expect(await reads.next("f")).toBe("nack");
    expect(await reads.next("f")).toBe("nack");
    expect(await reads.next("f")).toBeUndefined();
    expect(FakeSync.instances).toBe(before + 1);
  });

  test("mapping conflicts and bad names are refused when the sensor is added", () => {
    const bridge = new SensorBridge({ registry, interval: 100 });
    const create = () => new FakeSync({ sensor: { address: 0x10, io: () => 0 } });
    bridge.add({
      model: "a",
      address: 0x10,
      name: "a",
      create,
      mappings: [{ path: "t", name: "x_celsius", help: "h" }],
    });
    expect(() =>
      bridge.add({
        model: "b",
        address: 0x11,
        name: "b",
        create,
        mappings: [{ path: "t", name: "x_celsius", help: "h", labels: { k: "v" } }],
      }),
    ).toThrow(/already has labels/);
    expect(() =>
      bridge.add({ model: "c", address: 0x12, name: "c", create, mappings: [{ path: "t", name: "9bad", help: "h" }] }),
    ).toThrow(/invalid metric name/);
    expect(() =>
      bridge.add({
        model: "d",
        address: 0x13,
        name: "d",
        create,
        mappings: [{ path: "t", name: "y", help: "h", labels: { kind: "v" } }],
      }),
    ).toThrow(/reserved/);
    expect(() =>
      bridge.add({
        model: "e",
        address: 0x14,
        name: "e",
        create,
        mappings: [{ path: "t", name: "z_celsius", help: "h", unit: "kelvin" }],
      }),
    ).toThrow();
    expect(() => bridge.add({ model: "a", address: 0x10, name: "a", create, mappings: [] })).toThrow(/duplicate/);
    bridge.stop();
    expect(STANDARD_MAPPINGS.length).toBeGreaterThan(4);
  });
});

describe("non-blocking drivers (measure())", () => {
  test("a driver that never calls back: the bridge's read timeout fires, the driver is closed and rebuilt", async () => {
    let created = 0;
    let closed = 0;
    let respond = false;
    class Silent {
      #cb: { onSample?: (s: unknown) => void };
      constructor(o: { onSample?: (s: unknown) => void }) {
        this.#cb = o;
        created++;
      }
      measure(): boolean {
        if (respond) this.#cb.onSample?.({ thermometer: { temperature: 5 } });
        return true;
      }
      sample(): unknown {
        return undefined;
      }
      close(): void {
        closed++;
      }
    }
    // the timeout (45 ms) falls between two interval ticks (30, 60 ms): the test resumes before the next read starts
    start([{ model: "silent", name: "s" }], {
      interval: 30,
      readTimeout: 45,
      models: { silent: { driver: Silent, address: 0x30 } },
    });
    expect(await reads.next("s")).toBe("timeout");
    expect(closed).toBe(1);
    respond = true;
    await reads.until("s", undefined);
    expect(created).toBe(2);
    expect(await series("sensor_temperature_celsius")).toEqual([
      'sensor_temperature_celsius{sensor="s",model="silent",address="0x30"} 5',
    ]);
  });
});

describe("bridge with the BME680 (driver and simulator by the bme680 helper)", () => {
  test("all four values in base units; gas series only while the gas reading is valid; nack removes everything", async () => {
    const { Bme680Sim } = await import("../../simulators/bme680");
    const bme = new Bme680Sim({
      address: 0x77,
      environment: { temperature: 21, pressure: 98_000, humidity: 55, gasResistance: 120_000 },
      now: virtualNow,
    });
    buses.bus.attach(bme);
    start([{ model: "bme680", address: 0x77, name: "lab" }], { interval: 60, readTimeout: 1000 });
    await reads.until("lab", undefined);
    await reads.until("lab", undefined); // the first reading's heater set-point used 25 °C before any ambient reading
    const LAB = '{sensor="lab",model="bme680",address="0x77"}';
    const value = async (name: string) => {
      const l = await series(name);
      expect(l).toHaveLength(1);
      expect(l[0].startsWith(name + LAB + " ")).toBe(true);
      return Number(l[0].split(" ")[1]);
    };
    expect(await value("sensor_temperature_celsius")).toBeCloseTo(21, 0);
    expect(Math.abs((await value("sensor_pressure_pascals")) - 98_000)).toBeLessThan(100);
    expect(await value("sensor_humidity_ratio")).toBeCloseTo(0.55, 1);
    const ohms = await value("sensor_gas_resistance_ohms");
    expect(ohms / 120_000).toBeGreaterThan(0.8);
    expect(ohms / 120_000).toBeLessThan(1.25);
    // heater not stable: the reading is good but has no gas resistance: that one series disappears, up stays 1
    bme.faults.heaterUnstable = true;
    await reads.until("lab", undefined);
    expect(await series("sensor_gas_resistance_ohms")).toEqual([]);
    expect(await series("sensor_temperature_celsius")).toHaveLength(1);
    expect(await series("sensor_up")).toEqual(["sensor_up" + LAB + " 1"]);
    bme.faults.heaterUnstable = false;
    await reads.until("lab", undefined);
    expect(await series("sensor_gas_resistance_ohms")).toHaveLength(1);
    buses.bus.nack(0x77);
    await reads.until("lab", "nack");
    for (const name of [
      "sensor_temperature_celsius",
      "sensor_pressure_pascals",
      "sensor_humidity_ratio",
      "sensor_gas_resistance_ohms",
    ])
      expect(await series(name)).toEqual([]);
    buses.bus.clearFaults();
    await reads.until("lab", undefined);
    expect(await series("sensor_pressure_pascals")).toHaveLength(1);
  });
});

describe("bridge with a BME688 (most new breakouts): either model name works, sensor_info says which chip answered", () => {
  test.each([["bme680"], ["bme688"]])(
    'configured as %s: gas resistance exported, sensor_info{chip="bme688"}',
    async (model) => {
      const { Bme680Sim, VARIANT_BME688 } = await import("../../simulators/bme680");
      const env = { temperature: 21, pressure: 98_000, humidity: 55, gasResistance: 2_500_000 };
      buses.bus.attach(new Bme680Sim({ address: 0x76, variantId: VARIANT_BME688, environment: env, now: virtualNow }));
      const lines: string[] = [];
      start([{ model, address: 0x76, name: "lab" }], { interval: 60, readTimeout: 1000, log: (l) => lines.push(l) });
      await reads.until("lab", undefined);
      await reads.until("lab", undefined);
      const labels = `{sensor="lab",model="${model}",address="0x76"`;
      const gas = await series("sensor_gas_resistance_ohms");
      expect(gas).toHaveLength(1);
      expect(gas[0].startsWith("sensor_gas_resistance_ohms" + labels + "} ")).toBe(true);
      expect(Number(gas[0].split(" ")[1]) / env.gasResistance).toBeCloseTo(1, 2);
      expect(await series("sensor_info")).toEqual(["sensor_info" + labels + ',chip="bme688",serial="",firmware=""} 1']);
      expect(lines.filter((l) => l.includes("the chip is a bme688"))).toHaveLength(model === "bme680" ? 1 : 0);
    },
  );
});
