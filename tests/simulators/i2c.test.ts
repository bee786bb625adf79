/** The simulated bus (simulators/bus.ts) and the ECMA-419 I2C class on it (simulators/i2c.ts), on a bus of each test's own. */
import { SimBus, type SimDevice } from "../../simulators/bus";
import { TestBuses } from "../support/buses";

const buses = new TestBuses();
const I2C = buses.I2C;
beforeEach(() => buses.fresh());

/** A trivial register file device: write [reg, ...data] sets registers; write [reg] then read returns from reg. */
class RegDevice implements SimDevice {
  regs = new Uint8Array(256);
  pointer = 0;
  log: string[] = [];
  constructor(readonly address: number) {}
  write(data: Uint8Array, stop: boolean): boolean {
    this.log.push(`w${data.length}${stop ? "P" : ""}`);
    if (data.length === 0) return true;
    this.pointer = data[0];
    for (let i = 1; i < data.length; i++) this.regs[(this.pointer + i - 1) & 0xff] = data[i];
    return true;
  }
  read(count: number, stop: boolean): Uint8Array | null {
    this.log.push(`r${count}${stop ? "P" : ""}`);
    const out = new Uint8Array(count);
    for (let i = 0; i < count; i++) out[i] = this.regs[(this.pointer + i) & 0xff];
    return out;
  }
}

const pins = { data: 13, clock: 16, hz: 100_000 };

describe("the simulated I2C class on the simulated bus", () => {
  test("write then read with repeated start, read(count) returns an ArrayBuffer", () => {
    const dev = new RegDevice(0x50);
    buses.bus.attach(dev);
    const io = new I2C({ ...pins, address: 0x50 });
    io.write(Uint8Array.of(0x10, 1, 2, 3));
    io.write(Uint8Array.of(0x10), false);
    const got = io.read(3);
    expect(got).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(got)]).toEqual([1, 2, 3]);
    expect(dev.log).toEqual(["w4P", "w1", "r3P"]);
    io.close();
  });

  test("read(buffer) fills the buffer (views with offsets and plain ArrayBuffers)", () => {
    const dev = new RegDevice(0x50);
    dev.regs.set([9, 8, 7, 6], 0);
    buses.bus.attach(dev);
    const io = new I2C({ ...pins, address: 0x50 });
    io.write(Uint8Array.of(0));
    const backing = new Uint8Array(6);
    io.read(backing.subarray(1, 4));
    expect([...backing]).toEqual([0, 9, 8, 7, 0, 0]);
    io.write(Uint8Array.of(2));
    const ab = new ArrayBuffer(2);
    io.read(ab);
    expect([...new Uint8Array(ab)]).toEqual([7, 6]);
  });

  test("an absent address NACKs: write and read throw Errors, construction does not probe", () => {
    const io = new I2C({ ...pins, address: 0x41 });
    expect(() => io.write(Uint8Array.of(1))).toThrow(/NACK/);
    expect(() => io.read(2)).toThrow(/NACK/);
    expect(buses.bus.stats.nacks).toBeGreaterThanOrEqual(2);
  });

  test("bus-level NACK injection: counted and until cleared", () => {
    buses.bus.attach(new RegDevice(0x50));
    const io = new I2C({ ...pins, address: 0x50 });
    buses.bus.nack(0x50, 2);
    expect(() => io.write(Uint8Array.of(0))).toThrow(Error);
    expect(() => io.read(1)).toThrow(Error);
    expect(() => io.read(1)).not.toThrow();
    buses.bus.nack(0x50);
    for (let i = 0; i < 5; i++) expect(() => io.read(1)).toThrow(Error);
    buses.bus.clearFaults(0x50);
    expect(() => io.read(1)).not.toThrow();
  });

  test("detach and re-attach a device", () => {
    const dev = new RegDevice(0x50);
    buses.bus.attach(dev);
    const io = new I2C({ ...pins, address: 0x50 });
    expect(() => io.read(1)).not.toThrow();
    expect(buses.bus.detach(0x50)).toBe(dev);
    expect(() => io.read(1)).toThrow(/NACK/);
    buses.bus.attach(dev);
    expect(() => io.read(1)).not.toThrow();
  });

  test("attaching two devices at one address is refused", () => {
    buses.bus.attach(new RegDevice(0x50));
    expect(() => buses.bus.attach(new RegDevice(0x50))).toThrow(/in use/);
    expect(() => buses.bus.attach(new RegDevice(0x80))).toThrow(RangeError);
  });

  test("a device returning fewer bytes than clocked reads as 0xFF for the rest", () => {
    const short: SimDevice = { address: 0x22, write: () => true, read: () => Uint8Array.of(1) };
    buses.bus.attach(short);
    const io = new I2C({ ...pins, address: 0x22 });
    expect([...new Uint8Array(io.read(3))]).toEqual([1, 0xff, 0xff]);
  });

  test("options are validated", () => {
    expect(() => new I2C({ ...pins, address: 0x80 })).toThrow(RangeError);
    expect(() => new I2C({ ...pins, address: -1 })).toThrow(RangeError);
    expect(() => new I2C({ ...pins, hz: 0, address: 0x40 })).toThrow(RangeError);
    expect(() => new I2C({ data: 13, clock: 13, hz: 100000, address: 0x40 })).toThrow(RangeError);
  });

  test("closed instances throw; ports are separate buses; trace sees transfers", () => {
    const other = buses.port(1);
    expect(other).not.toBe(buses.bus);
    expect(other).toBeInstanceOf(SimBus);
    other.attach(new RegDevice(0x50));
    const seen: string[] = [];
    other.trace = (t) => seen.push(`${t.op}:${t.acked}`);
    const io = new I2C({ ...pins, address: 0x50, port: 1 });
    io.write(Uint8Array.of(0));
    io.read(1);
    expect(seen).toEqual(["write:true", "read:true"]);
    const io0 = new I2C({ ...pins, address: 0x50 });
    expect(() => io0.read(1)).toThrow(/NACK/);
    io.close();
    expect(() => io.read(1)).toThrow(/closed/);
    other.reset();
  });
});
