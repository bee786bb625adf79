/**
 * Property: whatever corruption hits a measurement response on the wire (any byte, any bit pattern), the Si7021 driver
 * either reports a crc error or delivers exactly the value the chip encoded — never a corrupted value.
 * (Undetected corruption would need an error pattern that is a multiple of the CRC polynomial over the 24 bits;
 * with data and CRC both corrupted it is possible in principle, and then the value must still not be reported unless
 * the CRC matches — which is what the driver's contract promises. The generator avoids only the trivial mask 0.)
 */
import fc from "fast-check";
import { TestBuses } from "../support/buses";
import { Si7021Sim, crc8 } from "../../simulators/si7021";
import Si7021, { humidityFromCode, temperatureFromCode, type Si7021Sample } from "../../sensors/si7021";
import { EventQueue } from "./helpers";

// each test its own simulated buses (tests/support/buses.ts)
const buses = new TestBuses();
const I2C = buses.I2C;
beforeEach(() => buses.fresh());

test("corrupted measurement responses never become values", async () => {
  const sim = new Si7021Sim({ typicalTiming: true });
  buses.bus.attach(sim);
  const q = new EventQueue<Si7021Sample>();
  const si = new Si7021({
    sensor: { io: I2C, data: 13, clock: 16, hz: 400_000 },
    onSample: q.onSample,
    onError: q.onError,
  });
  si.configure({ resolution: 8 }); // shortest conversions
  let mask = [0, 0, 0];
  let target = 0; // which 3-byte read to corrupt: 0 humidity, 1 temperature
  let reads = 0;
  let sent: number[][] = [];
  const origRead = sim.read.bind(sim);
  sim.read = (n, stop) => {
    const out = origRead(n, stop);
    if (out && n === 3) {
      if (reads++ === target) for (let i = 0; i < 3; i++) out[i] ^= mask[i];
      sent.push([...out]);
    }
    return out;
  };
  await fc.assert(
    fc.asyncProperty(
      fc
        .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }))
        .filter((m) => m.some((b) => b !== 0)),
      fc.integer({ min: 0, max: 1 }),
      fc.double({ min: -10, max: 60, noNaN: true }),
      fc.double({ min: 5, max: 95, noNaN: true }),
      async (m, which, t, h) => {
        mask = m;
        target = which;
        reads = 0;
        sent = [];
        sim.setEnvironment({ temperature: t, humidity: h });
        si.measure();
        const e = await q.next();
        const corrupted = sent[which];
        const crcOk = corrupted !== undefined && crc8([corrupted[0], corrupted[1]]) === corrupted[2];
        if (e.type === "error") {
          expect(e.error.kind === "crc" || e.error.kind === "invalid").toBe(true);
          return;
        }
        // a value was delivered: the corrupted response must have carried a valid CRC, and the values are what was sent
        expect(crcOk).toBe(true);
        const rh = sent[0];
        const tc = sent[1];
        const rhValue = Math.min(100, Math.max(0, humidityFromCode((rh[0] << 8) | rh[1])));
        expect(e.sample.hygrometer.humidity).toBe(rhValue);
        expect(e.sample.thermometer.temperature).toBe(temperatureFromCode((tc[0] << 8) | tc[1]));
      },
    ),
    { numRuns: 60 },
  );
  si.close();
});

test("CRC-8 detects every single-bit and every double-bit error in a 3-byte measurement frame", () => {
  // exhaustive over all 16-bit codes would be 65536 x 276 patterns; a stride keeps it fast and still covers all bits
  let checked = 0;
  let undetected = 0;
  for (let code = 0; code < 65536; code += 97) {
    const frame = [code >> 8, code & 0xff, crc8([code >> 8, code & 0xff])];
    for (let a = 0; a < 24; a++) {
      for (let b = a; b < 24; b++) {
        const f = frame.slice();
        f[a >> 3] ^= 0x80 >> (a & 7);
        if (b !== a) f[b >> 3] ^= 0x80 >> (b & 7);
        if (crc8([f[0], f[1]]) === f[2]) undetected++;
        checked++;
      }
    }
  }
  expect(checked).toBeGreaterThan(100_000);
  expect(undetected).toBe(0);
});
