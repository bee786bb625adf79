/** The drivers' I2C interface (sensors/i2c.ts): opening the I/O class, and I2C exceptions as SensorErrors. */
import { SensorError, errorKind } from "../../sensors/errors";
import { openI2C, transferError, type I2COptions } from "../../sensors/i2c";

class Recording {
  static opened: I2COptions[] = [];
  constructor(options: I2COptions) {
    Recording.opened.push(options);
  }
  write(): void {}
  read(count: number): ArrayBuffer {
    return new ArrayBuffer(count);
  }
}

beforeEach(() => (Recording.opened = []));

test("openI2C: the pins, the address, 100 kHz unless given, and a port only when one is given", () => {
  openI2C({ io: Recording, data: 13, clock: 16 }, 0x40);
  openI2C({ io: Recording, data: 4, clock: 5, hz: 400_000, port: 1, address: 0x41 }, 0x77);
  expect(Recording.opened).toEqual([
    { data: 13, clock: 16, hz: 100_000, address: 0x40 },
    { data: 4, clock: 5, hz: 400_000, address: 0x77, port: 1 },
  ]);
  expect("port" in Recording.opened[0]).toBe(false);
});

test('transferError: an I2C exception becomes a "nack" SensorError naming the chip, with the cause', () => {
  const nack = new Error("I2C read failed: NACK from 0x40");
  const e = transferError("Si7021 at 0x40", nack);
  expect(e).toBeInstanceOf(SensorError);
  expect(e.kind).toBe("nack");
  expect(e.message).toBe("Si7021 at 0x40: no acknowledge (I2C read failed: NACK from 0x40)");
  expect(e.cause).toBe(nack);
  expect(errorKind(e)).toBe("nack");
  expect(transferError("x", "thrown string").message).toBe("x: no acknowledge (thrown string)");
});

test("transferError: a SensorError passes through unchanged", () => {
  const crc = new SensorError("crc", "Si7021 at 0x40: measurement CRC mismatch");
  expect(transferError("BME680 at 0x77", crc)).toBe(crc);
});
