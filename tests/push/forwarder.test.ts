/**
 * Store-and-forward (modules/push/forwarder.ts) with a fake sender, in virtual time: jest's fake timers drive the
 * host `timer` module, and the wall clock given to the forwarder is jest's fake clock. Nothing here waits for real.
 */
import fc from "fast-check";
import {
  ENTRY_OVERHEAD,
  Forwarder,
  cleanMessage,
  classify,
  type ForwarderOptions,
  type SendResult,
  type Sender,
} from "../../modules/push/forwarder";
import { registerPushMetrics } from "../../modules/push/metrics";
import { Registry } from "../../modules/client/index";

const START = Date.UTC(2026, 11, 1, 12, 0, 0);

/** A receiver the test answers by hand: each request waits in `pending` until answer() is called. */
class FakeSender implements Sender {
  readonly bodies: string[] = [];
  pending: ((r: SendResult) => void) | undefined;
  aborts = 0;
  /** when set, answers every request at once with this */
  auto: SendResult | undefined;
  throwNext = false;
  send(body: Uint8Array, done: (r: SendResult) => void): void {
    if (this.throwNext) {
      this.throwNext = false;
      throw new Error("socket: no route to host");
    }
    this.bodies.push(new TextDecoder().decode(body));
    if (this.auto) done(this.auto);
    else this.pending = done;
  }
  answer(r: SendResult): void {
    const done = this.pending;
    this.pending = undefined;
    if (!done) throw new Error("no request pending");
    done(r);
  }
  abort(): void {
    this.aborts++;
    this.pending = undefined;
  }
}

function entry(text: string, samples = 1) {
  return { bytes: new TextEncoder().encode(text), samples };
}

function setup(options: Partial<ForwarderOptions> = {}) {
  const sender = new FakeSender();
  const logs: string[] = [];
  const f = new Forwarder({
    target: "remote_write",
    sender,
    budget: 16384,
    now: () => Date.now(), // jest's fake clock
    log: (line) => logs.push(line),
    backoff: { random: () => 0.5 }, // no jitter: 1 s, 2 s, 4 s ...
    ...options,
  });
  return { f, sender, logs };
}

beforeEach(() => {
  jest.useFakeTimers({ now: START });
});
afterEach(() => {
  jest.clearAllTimers();
  jest.useRealTimers();
});

test("the retry policy: 2xx sent; network errors, 5xx and 429 retried; other statuses refused", () => {
  expect(classify({ status: 200 })).toBe("sent");
  expect(classify({ status: 204 })).toBe("sent");
  expect(classify({ networkError: "reset" })).toBe("retry");
  for (const status of [500, 502, 503, 504, 429]) expect(classify({ status })).toBe("retry");
  for (const status of [400, 401, 403, 404, 409, 413, 422, 301, 100]) expect(classify({ status })).toBe("failed");
});

test("entries go out oldest first, batched up to maxBatchBytes, one request at a time", () => {
  const { f, sender } = setup({ maxBatchBytes: 6 });
  f.offer(entry("aaa", 2));
  expect(sender.bodies).toEqual([]); // sent from a timer, not from offer()
  jest.advanceTimersByTime(0);
  expect(sender.bodies).toEqual(["aaa"]);
  f.offer(entry("bbb"));
  f.offer(entry("ccc"));
  f.offer(entry("dddddddd")); // larger than a batch: goes alone
  jest.advanceTimersByTime(1000);
  expect(sender.bodies).toEqual(["aaa"]); // the first request is still in flight
  jest.advanceTimersByTime(500);
  sender.answer({ status: 204 });
  expect(f.stats.lastSuccess).toBe(START + 1500);
  jest.advanceTimersByTime(0);
  expect(sender.bodies).toEqual(["aaa", "bbbccc"]);
  sender.answer({ status: 200 });
  jest.advanceTimersByTime(0);
  expect(sender.bodies).toEqual(["aaa", "bbbccc", "dddddddd"]);
  sender.answer({ status: 200 });
  jest.advanceTimersByTime(0);
  expect(f.stats).toMatchObject({
    samplesSent: 5,
    samplesRetried: 0,
    samplesFailed: 0,
    samplesDropped: 0,
    queueBytes: 0,
    queueEntries: 0,
  });
});

test("network errors, timeouts, 5xx and 429: retried after 1 s, 2 s, 4 s ...; nothing is lost; success resets the delay", () => {
  const { f, sender, logs } = setup({ timeout: 10000 });
  f.offer(entry("x", 3));
  jest.advanceTimersByTime(0);
  sender.answer({ networkError: "connection refused" });
  expect(logs).toEqual([
    `remote_write: connection refused; retrying in 1000 ms (${String(1 + ENTRY_OVERHEAD)} bytes queued)`,
  ]);
  jest.advanceTimersByTime(999);
  expect(sender.bodies).toHaveLength(1);
  jest.advanceTimersByTime(1);
  expect(sender.bodies).toHaveLength(2);
  sender.answer({ status: 503, message: "unavailable" });
  jest.advanceTimersByTime(1999);
  expect(sender.bodies).toHaveLength(2);
  jest.advanceTimersByTime(1);
  expect(sender.bodies).toHaveLength(3);
  // no answer at all: the forwarder's timeout aborts the request and counts a failed attempt
  jest.advanceTimersByTime(10000);
  expect(sender.aborts).toBe(1);
  jest.advanceTimersByTime(3999);
  expect(sender.bodies).toHaveLength(3);
  jest.advanceTimersByTime(1);
  expect(sender.bodies).toHaveLength(4);
  sender.throwNext = true;
  sender.answer({ status: 429 });
  jest.advanceTimersByTime(8000); // the sender throws: a network error too
  jest.advanceTimersByTime(16000);
  expect(sender.bodies).toHaveLength(5);
  expect(logs).toHaveLength(1); // the first failure of the streak only
  expect(f.stats.samplesRetried).toBe(3 * 5);
  sender.answer({ status: 200 });
  expect(logs[1]).toBe("remote_write: delivering again after 5 failed attempts");
  expect(f.stats.samplesSent).toBe(3);
  // the next failure waits the first delay again
  f.offer(entry("y"));
  jest.advanceTimersByTime(0);
  sender.answer({ status: 500 });
  jest.advanceTimersByTime(1000);
  expect(sender.bodies).toEqual(["x", "x", "x", "x", "x", "y", "y"]);
});

test("a late or repeated answer is ignored", () => {
  const { f, sender } = setup({ timeout: 1000 });
  f.offer(entry("x"));
  jest.advanceTimersByTime(0);
  const first = sender.pending!;
  jest.advanceTimersByTime(1000); // timed out
  first({ status: 200 }); // arrives after the timeout: the entry is not counted sent twice
  expect(f.stats.samplesSent).toBe(0);
  jest.advanceTimersByTime(1000);
  const second = sender.pending!;
  second({ status: 200 });
  second({ status: 200 });
  expect(f.stats.samplesSent).toBe(1);
  expect(f.stats.queueEntries).toBe(0);
});

test("Retry-After is honoured, within retryAfterMax", () => {
  const { f, sender } = setup({ retryAfterMax: 120000 });
  f.offer(entry("x"));
  jest.advanceTimersByTime(0);
  sender.answer({ status: 429, retryAfter: 30 });
  jest.advanceTimersByTime(29999);
  expect(sender.bodies).toHaveLength(1);
  jest.advanceTimersByTime(1);
  expect(sender.bodies).toHaveLength(2);
  sender.answer({ status: 503, retryAfter: 86400 }); // a day: capped
  jest.advanceTimersByTime(119999);
  expect(sender.bodies).toHaveLength(2);
  jest.advanceTimersByTime(1);
  expect(sender.bodies).toHaveLength(3);
  sender.answer({ status: 503, retryAfter: 0.5 }); // shorter than the backoff (4 s): the backoff wins
  jest.advanceTimersByTime(3999);
  expect(sender.bodies).toHaveLength(3);
  jest.advanceTimersByTime(1);
  expect(sender.bodies).toHaveLength(4);
});

test("other 4xx: not retried, counted failed, logged once with the receiver's message, secrets never printed", () => {
  const TOKEN = "tok-SECRET-0123456789";
  const { f, sender, logs } = setup({ secrets: [TOKEN], keep: "all" });
  f.offer(entry("a", 4));
  f.offer(entry("b", 4));
  jest.advanceTimersByTime(0);
  sender.answer({ status: 400, message: `out of order sample\nfor series up{} (auth ${TOKEN})` });
  f.offer(entry("c", 1));
  jest.advanceTimersByTime(0);
  sender.answer({ status: 400, message: "out of order sample" });
  jest.advanceTimersByTime(60000);
  expect(sender.bodies).toEqual(["ab", "c"]); // the two first entries were one batch; nothing was sent again
  expect(f.stats).toMatchObject({ samplesFailed: 9, samplesSent: 0, samplesRetried: 0, queueEntries: 0 });
  expect(logs).toEqual([
    "remote_write: 8 samples refused, not retried: HTTP 400: out of order sample for series up{} (auth <redacted>)",
  ]);
  // a different status is logged again; a success re-arms the log
  f.offer(entry("c2"));
  jest.advanceTimersByTime(0);
  sender.answer({ status: 401, message: "invalid token" });
  f.offer(entry("d"));
  jest.advanceTimersByTime(0);
  sender.answer({ status: 401 });
  f.offer(entry("e"));
  jest.advanceTimersByTime(0);
  sender.answer({ status: 200 });
  f.offer(entry("f"));
  jest.advanceTimersByTime(0);
  sender.answer({ status: 401 });
  expect(logs.slice(1)).toEqual([
    "remote_write: 1 samples refused, not retried: HTTP 401: invalid token",
    "remote_write: delivering again",
    "remote_write: 1 samples refused, not retried: HTTP 401",
  ]);
  for (const line of logs) expect(line).not.toContain("SECRET");
});

test("cleanMessage: one line, cut to 200 characters, no secret even when cut through", () => {
  const secret = "abcdefghijklmnop";
  expect(cleanMessage("a\r\nb\tc", [])).toBe("a  b c");
  expect(cleanMessage("x".repeat(195) + secret, [secret])).toBe("x".repeat(195) + "<redacted>...");
  expect(cleanMessage("token " + secret + " expired", [secret])).toBe("token <redacted> expired");
  expect(cleanMessage("token " + secret.slice(0, 6), [secret])).toBe("token <redacted>"); // cut by the receiver
  expect(cleanMessage("y".repeat(300), []).length).toBe(203);
});

test("a full buffer drops the oldest entries not in flight, counts them, and never exceeds its budget", () => {
  const size = 10 + ENTRY_OVERHEAD;
  const { f, sender } = setup({ budget: 3 * size });
  f.offer(entry("0000000000", 2));
  jest.advanceTimersByTime(0); // "0" in flight
  for (let i = 1; i <= 5; i++) {
    f.offer(entry(String(i).repeat(10), 2));
    expect(f.stats.queueBytes).toBeLessThanOrEqual(3 * size);
  }
  expect(f.stats.samplesDropped).toBe(6); // 1, 2, 3
  sender.answer({ networkError: "down" }); // the batch in flight stays, first in line
  jest.advanceTimersByTime(1000);
  expect(sender.bodies).toEqual(["0000000000", "000000000044444444445555555555"]);
  sender.answer({ status: 200 });
  expect(f.stats).toMatchObject({ samplesSent: 6, samplesDropped: 6, queueBytes: 0 });
});

test("an entry larger than the whole buffer is dropped and counted, logged once", () => {
  const { f, sender, logs } = setup({ budget: 1024 });
  expect(f.offer(entry("z".repeat(1024), 7))).toBe(false);
  expect(f.offer(entry("z".repeat(2000), 7))).toBe(false);
  jest.advanceTimersByTime(0);
  expect(sender.bodies).toEqual([]);
  expect(f.stats.samplesDropped).toBe(14);
  expect(logs).toEqual(["remote_write: 7 samples dropped: 1024 bytes do not fit the buffer of 1024 bytes"]);
});

test("a malformed entry is refused with a clear error and changes nothing", () => {
  const { f } = setup();
  f.offer(entry("a", 1));
  for (const bad of [
    { bytes: "abc", samples: 1 },
    { bytes: new Uint8Array(1), samples: -1 },
    { bytes: new Uint8Array(1), samples: 1.5 },
    undefined,
  ])
    expect(() => f.offer(bad as never)).toThrow("remote_write: an entry is {bytes: Uint8Array, samples: integer >= 0}");
  expect(f.stats).toMatchObject({ queueEntries: 1, queueBytes: 1 + ENTRY_OVERHEAD, samplesDropped: 0 });
});

test("keep latest (Pushgateway): a new snapshot replaces the unsent one", () => {
  const { f, sender } = setup({ target: "pushgateway", keep: "latest" });
  f.offer(entry("s1", 5));
  jest.advanceTimersByTime(0);
  f.offer(entry("s2", 5));
  f.offer(entry("s3", 5)); // replaces s2
  sender.answer({ status: 503 });
  f.offer(entry("s4", 5)); // replaces s3 and the failed s1
  jest.advanceTimersByTime(1000);
  sender.answer({ status: 200 });
  expect(sender.bodies).toEqual(["s1", "s4"]);
  expect(f.stats).toMatchObject({ samplesSent: 5, samplesDropped: 15, samplesRetried: 5, queueEntries: 0 }); // s1, s2, s3
});

test("nothing is sent while canSend() is false (no clock, no network); kick() sends once it is true", () => {
  let ready = false;
  const { f, sender } = setup({ canSend: () => ready });
  f.offer(entry("a"));
  f.offer(entry("b"));
  jest.advanceTimersByTime(60000);
  expect(sender.bodies).toEqual([]);
  ready = true;
  f.kick();
  jest.advanceTimersByTime(0);
  expect(sender.bodies).toEqual(["ab"]);
});

test("stop() abandons the request in flight and keeps the queue; start() resumes", () => {
  const { f, sender } = setup();
  f.offer(entry("a"));
  jest.advanceTimersByTime(0);
  const late = sender.pending!;
  f.stop();
  expect(sender.aborts).toBe(1);
  late({ status: 200 }); // ignored: abandoned
  f.offer(entry("b"));
  jest.advanceTimersByTime(60000);
  expect(sender.bodies).toEqual(["a"]);
  f.start();
  jest.advanceTimersByTime(0);
  sender.answer({ status: 200 });
  expect(sender.bodies).toEqual(["a", "ab"]);
  expect(f.stats.samplesSent).toBe(2);
});

test("an outage of any shape: every sample that was not dropped arrives once, in order; the counts add up", () => {
  type Step = { kind: "offer"; size: number } | { kind: "answer"; result: SendResult } | { kind: "wait"; ms: number };
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.record({ kind: fc.constant("offer" as const), size: fc.integer({ min: 1, max: 300 }) }),
    fc.record({
      kind: fc.constant("answer" as const),
      result: fc.oneof(
        fc.constant<SendResult>({ status: 200 }),
        fc.constant<SendResult>({ networkError: "reset" }),
        fc.constant<SendResult>({ status: 503, retryAfter: 2 }),
        fc.constant<SendResult>({ status: 429 }),
        fc.constant<SendResult>({ status: 400 }),
      ),
    }),
    fc.record({ kind: fc.constant("wait" as const), ms: fc.integer({ min: 0, max: 70000 }) }),
  );
  fc.assert(
    fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
      jest.clearAllTimers();
      const { f, sender } = setup({ budget: 1024, maxBatchBytes: 400 });
      const accepted: number[] = []; // entry numbers in the order the receiver accepted them
      let offered = 0;
      let samples = 0;
      const answer = (result: SendResult): void => {
        const body = sender.bodies.at(-1)!;
        sender.answer(result);
        if (classify(result) === "sent") for (const m of body.matchAll(/<(\d+)>/g)) accepted.push(Number(m[1]));
      };
      for (const s of steps) {
        if (s.kind === "offer") {
          const n = offered++;
          const tag = `<${String(n)}>`;
          f.offer(entry(tag + ".".repeat(Math.max(0, s.size - tag.length)), n + 1));
          samples += n + 1;
          expect(f.stats.queueBytes).toBeLessThanOrEqual(1024);
        } else if (s.kind === "answer") {
          if (sender.pending) answer(s.result);
        } else jest.advanceTimersByTime(s.ms);
      }
      // the receiver comes back: everything still queued arrives
      for (let i = 0; i < 100 && (f.stats.queueEntries > 0 || sender.pending); i++) {
        if (sender.pending) answer({ status: 200 });
        jest.advanceTimersByTime(70000);
      }
      expect(f.stats.queueEntries).toBe(0);
      for (let i = 1; i < accepted.length; i++) expect(accepted[i]).toBeGreaterThan(accepted[i - 1]!);
      const sentSamples = accepted.reduce((a, n) => a + n + 1, 0);
      expect(f.stats.samplesSent).toBe(sentSamples);
      expect(f.stats.samplesSent + f.stats.samplesFailed + f.stats.samplesDropped).toBe(samples);
      expect(f.stats.queueBytes).toBe(0);
    }),
    { numRuns: 300 },
  );
});

test("self-metrics: one series per target, read at scrape time", async () => {
  const registry = new Registry();
  const rw = setup();
  const pg = setup({ target: "pushgateway", keep: "latest" });
  registerPushMetrics(registry, [
    { target: "remote_write", stats: () => rw.f.stats },
    { target: "pushgateway", stats: () => undefined }, // not configured yet: zeros
  ]);
  let text = await registry.metrics();
  expect(text).toContain('exporter_push_samples_sent_total{target="remote_write"} 0');
  expect(text).toContain('exporter_push_samples_sent_total{target="pushgateway"} 0');
  expect(text).toContain('exporter_push_last_success_timestamp_seconds{target="remote_write"} 0');
  rw.f.offer(entry("abc", 3));
  jest.advanceTimersByTime(0);
  jest.advanceTimersByTime(2000);
  rw.sender.answer({ status: 200 });
  rw.f.offer(entry("d", 2));
  jest.advanceTimersByTime(0);
  rw.sender.answer({ status: 400 });
  rw.f.offer(entry("e", 1));
  text = await registry.metrics();
  expect(text).toContain('exporter_push_samples_sent_total{target="remote_write"} 3');
  expect(text).toContain('exporter_push_samples_failed_total{target="remote_write"} 2');
  expect(text).toContain('exporter_push_samples_dropped_total{target="remote_write"} 0');
  expect(text).toContain(`exporter_push_queue_bytes{target="remote_write"} ${String(1 + ENTRY_OVERHEAD)}`);
  expect(text).toContain('exporter_push_queue_capacity_bytes{target="remote_write"} 16384');
  expect(text).toContain(
    `exporter_push_last_success_timestamp_seconds{target="remote_write"} ${String((START + 2000) / 1000)}`,
  );
  expect(text).toContain("# TYPE exporter_push_samples_retried_total counter");
  void pg;
});
