/**
 * One table of models and addresses (sensors/models.ts), and every place that checks a sensor's address agrees with
 * it: the configuration (modules/app/config.ts), startSensors (sensors/index.ts), the bridge (sensors/bridge.ts) and
 * the drivers' constructors. Datasheet addresses: Si7021-A20 0x40 only; BME680 / BME688 0x76 (SDO low) or 0x77.
 */
import { TestBuses } from "../support/buses";
import { ConfigError, parseConfig } from "../../modules/app/config";
import { Registry } from "../../modules/client/index";
import { SensorBridge } from "../../sensors/bridge";
import Bme680 from "../../sensors/bme680";
import { startSensors } from "../../sensors/index";
import { SENSOR_MODELS, SENSOR_MODEL_NAMES, addressNumber, builtInModel, checkAddress } from "../../sensors/models";
import Si7021 from "../../sensors/si7021";

// each test its own simulated buses (tests/support/buses.ts)
const buses = new TestBuses();
const I2C = buses.I2C;
beforeEach(() => buses.fresh());

const DRIVERS: {
  [model: string]: new (o: { sensor: { io: typeof I2C; data: number; clock: number; address: number } }) => unknown;
} = {
  si7021: Si7021,
  bme680: Bme680,
  bme688: Bme680,
};

/** Does this part accept `address` for `model`? (false = refused with an error that names the address) */
function configAccepts(model: string, address: number): boolean {
  try {
    parseConfig({ sensors: [{ model, address, name: "x" }] });
    return true;
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).problems).toEqual([
      expect.stringMatching(/^sensors\[0\]\.address: got \d+, expected 0x/),
    ]);
    return false;
  }
}

function startAccepts(model: string, address: number): boolean {
  try {
    startSensors({
      registry: new Registry(),
      interval: 60_000,
      i2c: { data: 13, clock: 16 },
      io: I2C,
      sensors: [{ model, address }],
    }).stop();
    return true;
  } catch (e) {
    expect(e).toBeInstanceOf(RangeError);
    return false;
  }
}

function bridgeAccepts(model: string, address: number): boolean {
  const bridge = new SensorBridge({ registry: new Registry() });
  try {
    bridge.add({ model, address, name: "x", mappings: [], create: () => ({ sample: () => undefined }) });
    return true;
  } catch (e) {
    expect(e).toBeInstanceOf(RangeError);
    return false;
  } finally {
    bridge.stop();
  }
}

/** The driver refuses the address itself (RangeError) rather than failing at the bus (no chip attached: nack). */
function driverAccepts(model: string, address: number): boolean {
  try {
    new DRIVERS[model]({ sensor: { io: I2C, data: 13, clock: 16, address } });
    throw new Error("no chip is attached: the constructor should have thrown");
  } catch (e) {
    if (e instanceof RangeError) return false;
    expect((e as { kind?: string }).kind).toBe("nack");
    return true;
  }
}

describe("the model table", () => {
  test("models and their datasheet addresses", () => {
    expect(SENSOR_MODEL_NAMES).toEqual(["si7021", "bme680", "bme688"]);
    expect(Object.keys(SENSOR_MODELS).sort()).toEqual([...SENSOR_MODEL_NAMES].sort());
    expect(SENSOR_MODELS.si7021).toMatchObject({ addresses: [0x40], address: 0x40 });
    expect(SENSOR_MODELS.bme680).toMatchObject({ addresses: [0x76, 0x77], address: 0x77 });
    expect(SENSOR_MODELS.bme688).toMatchObject({ addresses: [0x76, 0x77], address: 0x77 });
    expect(builtInModel(" BME688 ")).toBe("bme688");
    expect(builtInModel("toString")).toBeUndefined();
    expect(builtInModel(7)).toBeUndefined();
  });

  test("address parsing: numbers, decimal and 0x strings; nothing else", () => {
    expect(addressNumber(0x40)).toBe(0x40);
    expect(addressNumber("0x77")).toBe(0x77);
    expect(addressNumber(" 64 ")).toBe(64);
    expect(addressNumber("0X4a")).toBe(0x4a);
    for (const bad of ["", "0x", "1e1", "0b1", "-1", "4O", "0x40 1", null, true, {}])
      expect(addressNumber(bad)).toBeNaN();
    expect(checkAddress("0x50", undefined)).toBe(0x50);
    expect(checkAddress(0x07, undefined)).toBe("an I2C address from 0x08 to 0x77");
    expect(checkAddress(0x78, undefined)).toBe("an I2C address from 0x08 to 0x77");
    expect(checkAddress(undefined, [0x76, 0x77], 0x77)).toBe(0x77);
    expect(checkAddress(0x40, [0x76, 0x77])).toBe("0x76 or 0x77");
  });
});

describe("one rule everywhere: configuration, startSensors, bridge and driver accept the same addresses", () => {
  test.each(SENSOR_MODEL_NAMES.map((m) => [m]))("%s: every 7-bit address", (model) => {
    const accepted: number[] = [];
    for (let address = 0; address <= 0x7f; address++) {
      const verdicts = [
        configAccepts(model, address),
        startAccepts(model, address),
        bridgeAccepts(model, address),
        driverAccepts(model, address),
      ];
      expect({ address, verdicts }).toEqual({ address, verdicts: verdicts.map(() => verdicts[0]) });
      if (verdicts[0]) accepted.push(address);
    }
    expect(accepted).toEqual(SENSOR_MODELS[model].addresses);
  });

  test("a BME680 at 0x40 is refused at configuration time with a clear message, not at every read", () => {
    expect(() => parseConfig({ sensors: [{ model: "bme680", address: 0x40, name: "lab" }] })).toThrow(
      "sensors[0].address: got 64, expected 0x76 or 0x77 (the addresses of the BME680/BME688)",
    );
    expect(() =>
      startSensors({
        registry: new Registry(),
        i2c: { data: 13, clock: 16 },
        io: I2C,
        sensors: [{ model: "bme680", address: "0x40" }],
      }),
    ).toThrow('sensors: bme680 address "0x40": expected 0x76 or 0x77');
    expect(() => new Bme680({ sensor: { io: I2C, data: 13, clock: 16, address: 0x40 } })).toThrow(
      "BME680/BME688: address 0x40 refused: expected 0x76 or 0x77",
    );
    expect(() => new Si7021({ sensor: { io: I2C, data: 13, clock: 16, address: 0x41 } })).toThrow(
      "Si7021: address 0x41 refused: expected 0x40 (the only address of the Si7021)",
    );
  });

  test("no address in the configuration: the model's default, the same in the configuration and in startSensors", () => {
    const c = parseConfig({
      sensors: [
        { model: "si7021", name: "a" },
        { model: "bme688", name: "b" },
      ],
    });
    expect(c.sensors).toEqual([
      { model: "si7021", address: 0x40, name: "a" },
      { model: "bme688", address: 0x77, name: "b" },
    ]);
  });

  test("drivers of other models (startSensors' `models`) may use any non-reserved address, 0x08…0x77", () => {
    class Any {
      sample(): unknown {
        return { temperature: 1 };
      }
    }
    const start = (address: number) =>
      startSensors({
        registry: new Registry(),
        interval: 60_000,
        i2c: { data: 13, clock: 16 },
        io: I2C,
        models: { tmp117: { driver: Any, address: 0x48 } },
        sensors: [{ model: "tmp117", address }],
      }).stop();
    expect(() => start(0x08)).not.toThrow();
    expect(() => start(0x77)).not.toThrow();
    expect(() => start(0x07)).toThrow("expected an I2C address from 0x08 to 0x77");
    expect(() => start(0x78)).toThrow(RangeError);
  });
});
