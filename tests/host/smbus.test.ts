/** Host embedded:io/smbus on the simulated bus, and a catalogue-style SMBus driver exported through the bridge. */
import { smbusOn } from "../../host/io/smbus";
import { TestBuses } from "../support/buses";
import type { SimDevice } from "../../simulators/bus";
import { Registry } from "../../modules/client/index";
import { startSensors, type Sensors } from "../../sensors/index";

// each test its own simulated buses (tests/support/buses.ts)
const buses = new TestBuses();
beforeEach(() => buses.fresh());
const SMBus = smbusOn(buses.I2C);
type SMBus = InstanceType<typeof SMBus>;

/** A register-file chip shaped like a TI TMP102 (pointer register; temperature register 0x00, 12 bits, 0.0625 °C/LSB). */
class Tmp102Sim implements SimDevice {
  readonly address = 0x48;
  regs = new Uint8Array(4);
  pointer = 0;
  transfers: string[] = [];
  setTemperature(c: number): void {
    const raw = Math.round(c / 0.0625) & 0xfff;
    this.regs[0] = raw >> 4;
    this.regs[1] = (raw & 0xf) << 4;
  }
  write(data: Uint8Array, stop: boolean): boolean {
    this.transfers.push(`w${data.length}${stop ? "P" : "Sr"}`);
    if (data.length === 0) return true;
    this.pointer = data[0] & 3;
    for (let i = 1; i < data.length; i++) this.regs[(this.pointer * 2 + i - 1) & 3] = data[i];
    return true;
  }
  read(count: number): Uint8Array {
    this.transfers.push(`r${count}`);
    const out = new Uint8Array(count);
    for (let i = 0; i < count; i++) out[i] = this.regs[(this.pointer * 2 + i) & 3];
    return out;
  }
}

/** An ECMA-419 driver in the catalogue's style: synchronous sample(), SMBus io. */
class Tmp102Like {
  #io: SMBus;
  constructor(options: { sensor: { io: typeof SMBus; data: number; clock: number; hz: number; address: number } }) {
    this.#io = new options.sensor.io({ ...options.sensor });
  }
  configure(): void {}
  sample(): { temperature: number } {
    const v = this.#io.readUint16(0, true) >> 4;
    return { temperature: (v & 0x800 ? v - 0x1000 : v) * 0.0625 };
  }
  close(): void {
    this.#io.close();
  }
}

const pins = { data: 13, clock: 16, hz: 400_000 };
let running: Sensors | undefined;

afterEach(() => {
  running?.stop();
  running = undefined;
});

test("register access: repeated start by default, endianness, buffers, byte commands", () => {
  const chip = new Tmp102Sim();
  chip.setTemperature(25.5);
  buses.bus.attach(chip);
  const bus = new SMBus({ ...pins, address: 0x48 });
  expect(bus.readUint16(0, true)).toBe(0x1980); // 25.5 / 0.0625 = 408 = 0x198, left-aligned
  expect(bus.readUint16(0)).toBe(0x8019);
  expect(chip.transfers.slice(0, 2)).toEqual(["w1Sr", "r2"]);
  bus.writeUint16(1, 0x60a0, true);
  expect([...chip.regs.subarray(2, 4)]).toEqual([0x60, 0xa0]);
  bus.writeUint8(1, 0x11);
  expect(bus.readUint8(1)).toBe(0x11);
  expect([...new Uint8Array(bus.readBuffer(0, 2)!)]).toEqual([0x19, 0x80]);
  const into = new Uint8Array(2);
  bus.readBuffer(1, into);
  expect(into[0]).toBe(0x11);
  bus.writeBuffer(1, Uint8Array.of(1, 2));
  expect([...chip.regs.subarray(2, 4)]).toEqual([1, 2]);
  bus.sendByte(0);
  expect(bus.receiveByte()).toBe(0x19);
  expect(() => bus.writeUint8(256, 0)).toThrow(RangeError);
  const stopping = new SMBus({ ...pins, address: 0x48, stop: true });
  chip.transfers = [];
  stopping.readUint8(0);
  expect(chip.transfers).toEqual(["w1P", "r1"]);
  buses.bus.detach(0x48);
  expect(() => bus.readUint8(0)).toThrow(/NACK/);
});

test("a catalogue-style SMBus driver exported by configuration (model io, standard mapping)", async () => {
  const chip = new Tmp102Sim();
  chip.setTemperature(-10.25);
  buses.bus.attach(chip);
  const registry = new Registry();
  const ok = new Promise<void>((resolve) => {
    running = startSensors({
      registry,
      interval: 50,
      i2c: { data: 13, clock: 16 },
      models: { tmp102: { driver: Tmp102Like, address: 0x48, io: SMBus } },
      sensors: [{ model: "tmp102", name: "rack" }],
      onRead: (_s, kind) => kind === undefined && resolve(),
    });
  });
  await ok;
  expect(await registry.metrics()).toContain(
    'sensor_temperature_celsius{sensor="rack",model="tmp102",address="0x48"} -10.25\n',
  );
});
