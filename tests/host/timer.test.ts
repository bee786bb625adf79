/** host `timer`: Moddable's Timer semantics (set, repeat, schedule, clear, delay). */
import Timer from "timer";
import HostTimer from "../../host/timer";
import { deferred } from "./helpers";

const live = (t: Timer) => HostTimer.isLive(t as unknown as HostTimer);

test("an immediate timer fires on a later turn with the timer as argument, then is freed", async () => {
  const fired = deferred<unknown>();
  let sync = true;
  const t = Timer.set((id) => fired.resolve([id, sync]));
  sync = false;
  expect(await fired.promise).toEqual([t, false]);
  expect(live(t)).toBe(false);
  expect(() => Timer.clear(t)).not.toThrow(); // clearing a fired one-shot is harmless
  expect(() => Timer.schedule(t, 10)).toThrow(TypeError); // but it cannot be re-armed
});

test("timers fire in order of their due time", async () => {
  const order: string[] = [];
  const done = deferred();
  Timer.set(() => {
    order.push("30");
    done.resolve();
  }, 30);
  Timer.set(() => order.push("10"), 10);
  Timer.set(() => order.push("0"));
  await done.promise;
  expect(order).toEqual(["0", "10", "30"]);
});

test("Timer.set with a repeat fires after the interval, then every repeat; clear stops it", async () => {
  const times: number[] = [];
  const done = deferred();
  const start = Date.now();
  const t = Timer.set(
    (id) => {
      times.push(Date.now() - start);
      if (times.length === 4) {
        Timer.clear(id);
        done.resolve();
      }
    },
    40,
    5,
  );
  await done.promise;
  expect(times[0]).toBeGreaterThanOrEqual(39);
  expect(live(t)).toBe(false);
  // a later event: had clear not worked, the 5 ms repeat would have fired again before it
  await new Promise<void>((resolve) => Timer.set(() => resolve(), 30));
  expect(times).toHaveLength(4);
});

test("Timer.repeat keeps firing until cleared", async () => {
  let count = 0;
  const done = deferred();
  const t = Timer.repeat((id) => {
    expect(id).toBe(t);
    if (++count === 3) {
      Timer.clear(id);
      done.resolve();
    }
  }, 2);
  await done.promise;
  await new Promise<void>((resolve) => Timer.set(() => resolve(), 20));
  expect(count).toBe(3);
});

test("Timer.schedule(timer) with only the timer unschedules it; schedule(timer, ms) re-arms it", async () => {
  let count = 0;
  const first = deferred();
  const t = Timer.repeat(() => {
    count++;
    first.resolve();
  }, 5);
  await first.promise;
  Timer.schedule(t); // unscheduled, still allocated
  expect(live(t)).toBe(true);
  const c = count;
  await new Promise<void>((resolve) => Timer.set(() => resolve(), 30));
  expect(count).toBe(c);
  const again = deferred();
  Timer.schedule(t, 1, 1000);
  const watcher = Timer.repeat(() => {
    if (count > c) again.resolve();
  }, 1);
  await again.promise;
  Timer.clear(watcher);
  Timer.clear(t);
});

test("a one-shot is freed after its callback even if the callback re-schedules it without repeat (device behaviour)", async () => {
  const done = deferred();
  let fires = 0;
  const t = Timer.set((id) => {
    fires++;
    Timer.schedule(id, 1);
    done.resolve();
  }, 1);
  await done.promise;
  expect(live(t)).toBe(false);
  await new Promise<void>((resolve) => Timer.set(() => resolve(), 20));
  expect(fires).toBe(1);
});

test("a one-shot re-armed with a repeat from its callback lives on", async () => {
  let fires = 0;
  const done = deferred();
  const t = Timer.set((id) => {
    if (++fires === 1) Timer.schedule(id, 1, 1);
    if (fires === 3) {
      Timer.clear(id);
      done.resolve();
    }
  }, 1);
  await done.promise;
  expect(live(t)).toBe(false);
});

test("Timer.clear accepts undefined, null and cleared timers", () => {
  expect(() => Timer.clear(undefined)).not.toThrow();
  expect(() => Timer.clear(null)).not.toThrow();
  const t = Timer.set(() => {}, 1000);
  Timer.clear(t);
  expect(() => Timer.clear(t)).not.toThrow();
  expect(live(t)).toBe(false);
});

test("Timer.delay throws: device code must not block", () => {
  expect(() => Timer.delay(10)).toThrow(/must not block/);
});

test("a callback is required", () => {
  expect(() => Timer.set(undefined as any, 1)).toThrow(TypeError);
});
