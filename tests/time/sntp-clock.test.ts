/**
 * The wall clock (modules/time): SNTP rounds with fail-over, backoff, plausibility and re-synchronization, driven by a
 * fake of Moddable's `sntp` module in virtual time (jest's fake timers drive the host `timer` module and Date.now);
 * the system clock of the host; the clock's self-metrics; and the rule that nothing is pushed before the clock is set.
 */
import WallClock from "wall-clock";
import {
  MIN_PLAUSIBLE_TIME,
  SNTP_ERROR,
  SNTP_RETRY,
  SNTP_TIME,
  SntpClock,
  type SntpClockOptions,
} from "../../modules/time/sntp-clock";
import { SystemClock } from "../../modules/time/clock";
import { registerClockMetrics } from "../../modules/time/metrics";
import { Forwarder, type SendResult } from "../../modules/push/forwarder";
import { Registry } from "../../modules/client/index";

/** Moddable's SNTP object as the clock sees it: one per round; after SNTP.error it tries the host the callback
 *  returns, or closes itself; after SNTP.time it has closed itself. */
class FakeSntp {
  static all: FakeSntp[] = [];
  readonly hosts: string[];
  closed = false;
  constructor(
    options: { host: string },
    readonly callback: (message: number, value?: unknown) => string | undefined,
  ) {
    this.hosts = [options.host];
    FakeSntp.all.push(this);
  }
  static get last(): FakeSntp {
    const s = FakeSntp.all.at(-1);
    if (!s) throw new Error("no SNTP object");
    return s;
  }
  time(seconds: number): void {
    this.closed = true;
    this.callback(SNTP_TIME, seconds);
  }
  error(message: string): void {
    const next = this.callback(SNTP_ERROR, message);
    if (typeof next === "string") this.hosts.push(next);
    else this.closed = true;
  }
  close(): void {
    if (this.closed) throw new Error("SNTP: closed twice");
    this.closed = true;
  }
}

const BOOT = 0; // the device's Date.now() counts from 1970 until the clock is set
const REAL = Date.UTC(2026, 11, 1, 21, 0, 0) / 1000; // what the NTP server says, seconds

function setup(options: Partial<SntpClockOptions> = {}) {
  const logs: string[] = [];
  const set: number[] = [];
  let synchronizedCalls = 0;
  const clock = new SntpClock({
    servers: ["ntp.lan", "pool.ntp.org"],
    createSntp: (o, cb) => new FakeSntp(o, cb),
    setTime: (seconds) => {
      set.push(seconds);
      jest.setSystemTime(seconds * 1000); // what Time.set does to Date.now() on the device
    },
    now: () => Date.now(),
    log: (line) => logs.push(line),
    onSynchronized: () => synchronizedCalls++,
    backoff: { random: () => 0.5 }, // no jitter: 5 s, 10 s, 20 s ...
    ...options,
  });
  return { clock, logs, set, synchronized: () => synchronizedCalls };
}

beforeEach(() => {
  FakeSntp.all = [];
  jest.useFakeTimers({ now: BOOT });
});
afterEach(() => {
  jest.clearAllTimers();
  jest.useRealTimers();
});

describe("SntpClock", () => {
  test("not synchronized until a server answers; then the system clock is set and the observer told", () => {
    const { clock, set, logs, synchronized } = setup();
    expect(clock.synchronized).toBe(false);
    clock.start();
    clock.start(); // idempotent
    expect(FakeSntp.all).toHaveLength(1);
    expect(FakeSntp.last.hosts).toEqual(["ntp.lan"]);
    FakeSntp.last.callback(SNTP_RETRY); // the SNTP object resends by itself: nothing changes
    jest.advanceTimersByTime(3000);
    expect(clock.synchronized).toBe(false);
    expect(synchronized()).toBe(0);
    FakeSntp.last.time(REAL);
    expect(set).toEqual([REAL]);
    expect(clock.synchronized).toBe(true);
    expect(clock.stats).toEqual({ synchronized: true, lastSync: REAL * 1000, failures: 0 });
    expect(clock.now()).toBe(REAL * 1000);
    expect(synchronized()).toBe(1);
    expect(logs).toEqual(["clock: set by SNTP from ntp.lan: 2026-12-01T21:00:00.000Z"]);
  });

  test("a server that fails hands over to the next one in the same round", () => {
    const { clock, logs } = setup();
    clock.start();
    FakeSntp.last.error("cannot resolve ntp.lan");
    expect(FakeSntp.last.hosts).toEqual(["ntp.lan", "pool.ntp.org"]);
    expect(FakeSntp.last.closed).toBe(false);
    FakeSntp.last.time(REAL);
    expect(clock.synchronized).toBe(true);
    expect(clock.stats.failures).toBe(0);
    expect(logs).toEqual([
      "clock: SNTP ntp.lan: cannot resolve ntp.lan",
      "clock: set by SNTP from pool.ntp.org: 2026-12-01T21:00:00.000Z",
    ]);
  });

  test("a round where every server fails is retried after 5 s, 10 s, 20 s ... up to 5 min; logged once", () => {
    const { clock, logs } = setup();
    clock.start();
    const waits: number[] = [];
    for (let round = 0; round < 9; round++) {
      const sntp = FakeSntp.last;
      sntp.error("no response from SNTP server");
      sntp.error("no response from SNTP server");
      expect(sntp.closed).toBe(true);
      const before = FakeSntp.all.length;
      let waited = 0;
      while (FakeSntp.all.length === before) {
        jest.advanceTimersByTime(1000);
        waited += 1000;
        expect(waited).toBeLessThanOrEqual(300000);
      }
      waits.push(waited);
    }
    expect(waits).toEqual([5000, 10000, 20000, 40000, 80000, 160000, 300000, 300000, 300000]);
    expect(clock.stats.failures).toBe(9);
    expect(clock.synchronized).toBe(false);
    expect(logs).toEqual([
      "clock: SNTP ntp.lan: no response from SNTP server",
      "clock: SNTP pool.ntp.org: no response from SNTP server",
      "clock: no answer from ntp.lan, pool.ntp.org; retrying in 5000 ms",
    ]);
    FakeSntp.last.time(REAL);
    expect(clock.synchronized).toBe(true);
    expect(logs.at(-1)).toBe("clock: set by SNTP from ntp.lan: 2026-12-01T21:00:00.000Z");
  });

  test.each([0, 1000, MIN_PLAUSIBLE_TIME - 1, NaN, "1764622800"])(
    "an implausible time (%p) is refused and retried",
    (value) => {
      const { clock, set } = setup();
      clock.start();
      FakeSntp.last.closed = true;
      FakeSntp.last.callback(SNTP_TIME, value);
      expect(clock.synchronized).toBe(false);
      expect(set).toEqual([]);
      expect(clock.stats.failures).toBe(1);
      jest.advanceTimersByTime(5000);
      expect(FakeSntp.all).toHaveLength(2);
    },
  );

  test("no network (the SNTP object cannot be made): retried with backoff; sync() tries at once when the network comes up", () => {
    let network = false;
    const { clock } = setup({
      createSntp: (o, cb) => {
        if (!network) throw new Error("socket: network down");
        return new FakeSntp(o, cb);
      },
    });
    clock.start();
    expect(clock.stats.failures).toBe(1);
    jest.advanceTimersByTime(5000 + 10000);
    expect(clock.stats.failures).toBe(3);
    network = true;
    clock.sync();
    expect(FakeSntp.all).toHaveLength(1);
    clock.sync(); // a round is under way: no second one
    expect(FakeSntp.all).toHaveLength(1);
    FakeSntp.last.time(REAL);
    expect(clock.synchronized).toBe(true);
    jest.advanceTimersByTime(60000); // the pending retry was replaced by the round sync() started
    expect(FakeSntp.all).toHaveLength(1);
  });

  test("synchronized again every hour; a failed re-synchronization keeps the clock set and retries", () => {
    const { clock, synchronized } = setup();
    clock.start();
    FakeSntp.last.time(REAL);
    jest.advanceTimersByTime(3599999);
    expect(FakeSntp.all).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(FakeSntp.all).toHaveLength(2);
    FakeSntp.last.error("timeout");
    FakeSntp.last.error("timeout");
    expect(clock.synchronized).toBe(true);
    expect(clock.stats).toMatchObject({ lastSync: REAL * 1000, failures: 1 });
    jest.advanceTimersByTime(5000);
    expect(FakeSntp.all).toHaveLength(3);
    FakeSntp.last.time(REAL + 3605);
    expect(clock.stats.lastSync).toBe((REAL + 3605) * 1000);
    expect(synchronized()).toBe(2);
  });

  test("stop() closes the SNTP object of the round under way, ignores its late answer and leaves no timer", () => {
    const { clock, set } = setup();
    clock.start();
    const sntp = FakeSntp.last;
    clock.stop();
    expect(sntp.closed).toBe(true);
    sntp.callback(SNTP_TIME, REAL);
    expect(set).toEqual([]);
    expect(clock.synchronized).toBe(false);
    expect(jest.getTimerCount()).toBe(0);
    clock.start();
    FakeSntp.last.time(REAL);
    clock.stop(); // after a success: the re-synchronization timer goes too
    expect(jest.getTimerCount()).toBe(0);
  });

  test("an answer from inside the SNTP constructor (a cached name) is taken", () => {
    const { clock } = setup({
      createSntp: (o, cb) => {
        const s = new FakeSntp(o, cb);
        s.time(REAL);
        return s;
      },
    });
    clock.start();
    expect(clock.synchronized).toBe(true);
    clock.stop(); // nothing to close: it closed itself
  });
});

describe("SystemClock (host, simulator) and the host's wall-clock module", () => {
  test("synchronized from the start", () => {
    let told = 0;
    const clock = new SystemClock({ now: () => 1234, onSynchronized: () => told++ });
    expect(clock.synchronized).toBe(true);
    clock.start();
    expect(told).toBe(1);
    expect(clock.now()).toBe(1234);
    expect(clock.stats).toEqual({ synchronized: true, lastSync: 1234, failures: 0 });
  });

  test("`wall-clock` on the host is the system clock", () => {
    jest.setSystemTime(REAL * 1000);
    const clock = new WallClock();
    clock.start();
    expect(clock.synchronized).toBe(true);
    expect(clock.now()).toBe(REAL * 1000);
  });
});

test("self-metrics: device_clock_synchronized, last sync time, failed rounds", async () => {
  const registry = new Registry();
  const { clock } = setup();
  registerClockMetrics(registry, () => clock.stats);
  clock.start();
  FakeSntp.last.error("x");
  FakeSntp.last.error("x");
  let text = await registry.metrics();
  expect(text).toContain("device_clock_synchronized 0\n");
  expect(text).toContain("device_clock_last_sync_timestamp_seconds 0\n");
  expect(text).toContain("device_clock_sync_failures_total 1\n");
  jest.advanceTimersByTime(5000);
  FakeSntp.last.time(REAL);
  text = await registry.metrics();
  expect(text).toContain("device_clock_synchronized 1\n");
  expect(text).toContain(`device_clock_last_sync_timestamp_seconds ${String(REAL)}\n`);
  expect(text).toContain("device_clock_sync_failures_total 1\n");
});

test("nothing is pushed before the clock is set: the forwarder asks the clock, the clock kicks the forwarder", () => {
  const bodies: string[] = [];
  let forwarder: Forwarder | undefined;
  const { clock } = setup({ onSynchronized: () => forwarder?.kick() });
  forwarder = new Forwarder({
    target: "remote_write",
    budget: 4096,
    now: () => clock.now(),
    canSend: () => clock.synchronized,
    sender: {
      send(body: Uint8Array, done: (r: SendResult) => void) {
        bodies.push(new TextDecoder().decode(body));
        done({ status: 204 });
      },
    },
  });
  clock.start();
  forwarder.offer({ bytes: new TextEncoder().encode("a"), samples: 1 });
  jest.advanceTimersByTime(60000);
  expect(bodies).toEqual([]);
  FakeSntp.last.error("x");
  FakeSntp.last.time(REAL);
  jest.advanceTimersByTime(0);
  expect(bodies).toEqual(["a"]);
  expect(forwarder.stats.lastSuccess).toBe(REAL * 1000);
});
