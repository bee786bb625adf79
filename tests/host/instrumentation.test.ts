/** host `instrumentation`: the items that mean something on Node, counted by the host modules. */
import Instrumentation from "instrumentation";
import Listener from "embedded:io/socket/listener";
import TCP from "embedded:io/socket/tcp";
import Timer from "timer";
import { Peer } from "./helpers";
import { until } from "../support/wait";

test("map/name/get: known items have indices, unknown ones are absent", () => {
  for (const name of [
    "Network Bytes Read",
    "Network Bytes Written",
    "Network Sockets",
    "Timers",
    "XS Slot Heap Used",
    "XS Chunk Heap Used",
  ] as const) {
    const index = Instrumentation.map(name);
    expect(index).toEqual(expect.any(Number));
    expect(Instrumentation.name(index)).toBe(name);
    expect(Instrumentation.get(index)).toEqual(expect.any(Number));
  }
  expect(Instrumentation.map("System Free Memory")).toBeUndefined();
  expect(Instrumentation.map("Pixels Drawn")).toBeUndefined();
  expect(Instrumentation.get(undefined)).toBeUndefined();
  expect(Instrumentation.get(0)).toBeUndefined();
  expect(Instrumentation.get(1000)).toBeUndefined();
  expect(Instrumentation.name(1000)).toBeUndefined();
  expect(Instrumentation.get(Instrumentation.map("XS Slot Heap Used"))).toBeGreaterThan(100_000);
});

test("Network Sockets counts listeners and connections until they are closed; bytes are counted", async () => {
  const sockets = Instrumentation.map("Network Sockets");
  const read = Instrumentation.map("Network Bytes Read");
  expect(Instrumentation.get(sockets)).toBe(0);
  const listener = new Listener({ port: 0 });
  expect(Instrumentation.get(sockets)).toBe(1);
  const peer = new Peer(listener.port);
  await peer.connected;
  let pending: TCP | undefined;
  await until(() => (pending = listener.read()) !== undefined);
  expect(Instrumentation.get(sockets)).toBe(2);
  let got = 0;
  const socket = new TCP({
    from: pending!,
    onReadable() {
      got += (this.read() as ArrayBuffer).byteLength;
      if (got === 300) this.close();
    },
  });
  const second = Math.floor(Date.now() / 1000);
  peer.write(new Uint8Array(300));
  await peer.closed;
  expect(socket.closed).toBe(true);
  // a per-second counter: all 300 bytes, unless a new one-second interval has begun since
  const counted = Instrumentation.get(read)!;
  if (Math.floor(Date.now() / 1000) === second) expect(counted).toBe(300);
  else expect(counted).toBeLessThanOrEqual(300);
  await until(() => Instrumentation.get(sockets) === 1);
  listener.close();
  expect(Instrumentation.get(sockets)).toBe(0);
});

test("Timers counts allocated timers", async () => {
  const timers = Instrumentation.map("Timers");
  const base = Instrumentation.get(timers)!;
  const a = Timer.repeat(() => {}, 1000);
  const fired = new Promise<void>((resolve) => Timer.set(() => resolve(), 1));
  expect(Instrumentation.get(timers)).toBe(base + 2);
  await fired;
  expect(Instrumentation.get(timers)).toBe(base + 1); // the one-shot is freed after it fires
  Timer.clear(a);
  expect(Instrumentation.get(timers)).toBe(base);
});
