/** The Si7021 simulator at register level, with an injected clock (Si7021-A20 datasheet Rev. 1.1, Tables 2, 11, 14). */
import { Si7021Sim, crc8, driftingEnvironment } from "../../simulators/si7021";

function setup(start = 1000) {
  let t = start;
  const sim = new Si7021Sim({ now: () => t });
  sim.setEnvironment({ temperature: 25, humidity: 50 });
  return { sim, at: (ms: number) => (t = start + ms), w: (...b: number[]) => sim.write(Uint8Array.from(b), true) };
}

describe("Si7021 simulator", () => {
  test.each([
    [0x3a, 12 + 10.8, 10.8],
    [0x3b, 3.1 + 3.8, 3.8],
    [0xba, 4.5 + 6.2, 6.2],
    [0xbb, 7 + 2.4, 2.4],
  ])("user register 0x%s: no-hold RH read NACKs until %s ms, T until %s ms", (reg, rhMs, tMs) => {
    const { sim, at, w } = setup();
    expect(w(0xe6, reg)).toBe(true);
    expect(sim.userRegister).toBe(reg);
    at(0);
    expect(w(0xf5)).toBe(true);
    at(rhMs - 0.05);
    expect(sim.read(3, true)).toBeNull();
    expect(w(0xe7)).toBe(false); // busy converting: address not acknowledged
    at(rhMs);
    const rh = sim.read(3, true)!;
    expect(rh).not.toBeNull();
    expect(crc8([rh[0], rh[1]])).toBe(rh[2]);
    at(100);
    expect(w(0xf3)).toBe(true);
    at(100 + tMs - 0.05);
    expect(sim.read(3, true)).toBeNull();
    at(100 + tMs);
    expect(sim.read(3, true)).not.toBeNull();
  });

  test("hold-master commands complete at once; a 2-byte read has no CRC; the result is read once", () => {
    const { sim, w } = setup();
    expect(w(0xe3)).toBe(true);
    const two = sim.read(2, true)!;
    expect(two.length).toBe(2);
    const code = (two[0] << 8) | two[1];
    expect(code).toBe(Si7021Sim.temperatureCode(25, 14));
    expect(code & 3).toBe(0);
    expect(sim.read(3, true)).toBeNull();
  });

  test("0xE0 returns the temperature measured with the last RH measurement, without checksum", () => {
    const { sim, w, at } = setup();
    at(0);
    w(0xf5);
    sim.setEnvironment({ temperature: 30, humidity: 20 }); // changes after the measurement started
    at(50);
    sim.read(3, true);
    expect(w(0xe0)).toBe(true);
    const t = sim.read(3, true)!;
    expect((t[0] << 8) | t[1]).toBe(Si7021Sim.temperatureCode(25, 14));
    expect(t[2]).toBe(0xff); // nothing more to send: bus reads 0xFF
  });

  test("user register: VDDS and reserved bits are not writable; heater register low nibble only", () => {
    const { sim, w } = setup();
    w(0xe6, 0xff);
    expect(sim.userRegister).toBe(0x3a | 0x85);
    w(0xe6, 0x00);
    expect(sim.userRegister).toBe(0x3a & ~0x85);
    w(0x51, 0xff);
    expect(sim.heaterRegister).toBe(0x0f);
    w(0x11);
    expect([...sim.read(1, true)!]).toEqual([0x0f]);
  });

  test("soft reset: registers to reset values, NACK for 15 ms", () => {
    const { sim, w, at } = setup();
    w(0xe6, 0x81);
    w(0x51, 0x07);
    at(0);
    expect(w(0xfe)).toBe(true);
    at(14.9);
    expect(w(0xe7)).toBe(false);
    at(15);
    expect(w(0xe7)).toBe(true);
    expect([...sim.read(1, true)!]).toEqual([0x3a]);
    expect(sim.heaterRegister).toBe(0);
  });

  test("undefined commands NACK; electronic ID CRCs are cumulative", () => {
    const sim = new Si7021Sim({ serial: [1, 2, 3, 4, 0x15, 6, 7, 8] });
    expect(sim.write(Uint8Array.of(0x42), true)).toBe(false);
    expect(sim.write(Uint8Array.of(0xfa, 0x0f), true)).toBe(true);
    expect([...sim.read(8, true)!]).toEqual([1, crc8([1]), 2, crc8([1, 2]), 3, crc8([1, 2, 3]), 4, crc8([1, 2, 3, 4])]);
    expect(sim.write(Uint8Array.of(0xfc, 0xc9), true)).toBe(true);
    expect([...sim.read(6, true)!]).toEqual([0x15, 6, crc8([0x15, 6]), 7, 8, crc8([0x15, 6, 7, 8])]);
    expect(sim.write(Uint8Array.of(0x84, 0xb8), true)).toBe(true);
    expect([...sim.read(1, true)!]).toEqual([0x20]);
  });

  test("faults: bad CRC, stuck conversion, NACKed commands", () => {
    const { sim, w, at } = setup();
    sim.faults.badCrc = 1;
    w(0xe3);
    const bad = sim.read(3, true)!;
    expect(crc8([bad[0], bad[1]])).not.toBe(bad[2]);
    sim.faults.stuck = true;
    at(0);
    w(0xf5);
    at(10_000);
    expect(sim.read(3, true)).toBeNull();
    sim.faults.stuck = false;
    expect(sim.read(3, true)).not.toBeNull();
    sim.faults.nackCommands = 2;
    expect(w(0xe7)).toBe(false);
    expect(w(0xe7)).toBe(false);
    expect(w(0xe7)).toBe(true);
  });

  test("heater: on raises the temperature the chip sees, more with more current", () => {
    const { sim, w } = setup();
    const base = sim.environmentNow().temperature;
    w(0xe6, 0x3e);
    const low = sim.environmentNow().temperature;
    w(0x51, 0x0f);
    const high = sim.environmentNow().temperature;
    expect(low).toBeGreaterThan(base);
    expect(high).toBeGreaterThan(low + 10);
  });

  test("drifting environment: plausible, smooth, seeded", () => {
    const a = driftingEnvironment(1);
    const b = driftingEnvironment(2);
    let maxStep = 0;
    for (let s = 0; s < 86_400; s += 60) {
      const e = a(s * 1000);
      expect(e.temperature).toBeGreaterThan(15);
      expect(e.temperature).toBeLessThan(30);
      expect(e.humidity).toBeGreaterThanOrEqual(20);
      expect(e.humidity).toBeLessThanOrEqual(75);
      const next = a(s * 1000 + 1000);
      maxStep = Math.max(maxStep, Math.abs(next.temperature - e.temperature));
    }
    expect(maxStep).toBeLessThan(0.1); // per second
    expect(a(5000)).toEqual(driftingEnvironment(1)(5000));
    expect(a(5000)).not.toEqual(b(5000));
  });
});
