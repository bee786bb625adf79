/**
 * Test helpers for sensor drivers: event queues (no sleeps: tests wait for onSample / onError, with
 * tests/support/wait.ts) and virtual time.
 *
 * Virtual time: `useVirtualTime()` switches jest's modern fake timers on, which replace setTimeout, setInterval,
 * setImmediate (so host/timer.ts, the drivers' and the bridge's `Timer`) and Date.now. The simulated chips are given
 * `now: virtualNow`, so the driver's timers and the chip's conversion, reset and NACK windows run on ONE clock that
 * moves only when the test drives it (`drive(promise)`, `advance(ms)`): a test gives the same result on an idle
 * machine and on one loaded with CPU-bound processes, where real timers fire late (and, by Date.now, up to 1 ms early).
 */
import { Signal, until } from "../support/wait";

export type Event<S> = { type: "sample"; sample: S } | { type: "error"; error: Error & { kind?: string } };

/** Fake timers and Date for this test (undo with `jest.useRealTimers()` in afterEach). */
export function useVirtualTime(start = 1_700_000_000_000): void {
  jest.useFakeTimers({ now: start, doNotFake: ["nextTick", "queueMicrotask"] });
}

/** The virtual clock, for the simulators' `now` option (Date.now is the fake one while virtual time is on). */
export const virtualNow = (): number => Date.now();

/** Let `ms` of virtual time pass, running every timer that falls due (and the promise callbacks they cause). */
export async function advance(ms: number): Promise<void> {
  await jest.advanceTimersByTimeAsync(ms);
}

/**
 * Run virtual time forward, one due timer at a time, until `promise` settles, and return its outcome. Fails (instead of
 * hanging) when no timer is left that could settle it, or after `limitMs` of virtual time.
 */
export async function drive<T>(promise: Promise<T>, limitMs = 600_000): Promise<T> {
  let settled = false;
  const watched = promise.then(
    (value) => {
      settled = true;
      return value;
    },
    (error: unknown) => {
      settled = true;
      throw error;
    },
  );
  watched.catch(() => undefined); // the rejection is delivered by the `return watched` below
  const deadline = Date.now() + limitMs;
  await jest.advanceTimersByTimeAsync(0); // promise callbacks and timers already due
  while (!settled) {
    if (jest.getTimerCount() === 0)
      throw new Error("drive: nothing is scheduled and the awaited event has not happened");
    if (Date.now() >= deadline)
      throw new Error(`drive: the awaited event did not happen within ${String(limitMs)} ms of virtual time`);
    await jest.advanceTimersToNextTimerAsync();
  }
  return watched;
}

/** The events of a driver (onSample/onError), in order; `next()` waits for the next one not yet taken. */
export class EventQueue<S> {
  readonly #virtual: boolean;
  readonly #arrived = new Signal();
  #taken = 0;
  /** every event so far */
  readonly all: Event<S>[] = [];

  /** `virtualTime`: waiting for an event drives virtual time (see useVirtualTime) */
  constructor(options: { virtualTime?: boolean } = {}) {
    this.#virtual = options.virtualTime ?? false;
  }

  onSample = (sample: S): void => this.#push({ type: "sample", sample });
  onError = (error: Error): void => this.#push({ type: "error", error });

  #push(e: Event<S>): void {
    this.all.push(e);
    this.#arrived.notify();
  }

  /** The next event (already arrived, or the next to arrive). */
  async next(): Promise<Event<S>> {
    const index = this.#taken++;
    const arrived = until(() => this.all.length > index, { on: this.#arrived, what: "a driver event" });
    await (this.#virtual ? drive(arrived) : arrived);
    return this.all[index];
  }

  async nextSample(): Promise<S> {
    const e = await this.next();
    if (e.type !== "sample") throw new Error(`expected a sample, got error ${e.error.message}`);
    return e.sample;
  }

  async nextError(): Promise<Error & { kind?: string }> {
    const e = await this.next();
    if (e.type !== "error") throw new Error(`expected an error, got a sample ${JSON.stringify(e.sample)}`);
    return e.error;
  }

  /** events arrived and not taken yet */
  get pending(): number {
    return this.all.length - this.#taken;
  }
}
