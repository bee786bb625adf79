/**
 * Host (Node) implementation of Moddable's `timer` module, with the device's semantics (modules/base/timer):
 *  - `Timer.set(callback)` — immediate timer, fires on a later event-loop turn;
 *    `Timer.set(callback, interval)` — one shot after `interval` ms;
 *    `Timer.set(callback, interval, repeat)` — first after `interval` ms, then every `repeat` ms (repeat > 0).
 *    `Timer.repeat(callback, interval)` = `Timer.set(callback, interval, interval)`.
 *    The callback receives the timer as its argument. Intervals are converted with ToInteger; negative means 0.
 *  - A one-shot timer is freed after its callback returns (even if the callback called `Timer.schedule` on it with
 *    no repeat, exactly as on the device); later `Timer.schedule` on a freed timer throws, `Timer.clear` is a no-op.
 *  - `Timer.schedule(timer, interval, repeat?)` re-arms a live timer; `Timer.schedule(timer)` with ONLY the timer
 *    argument unschedules it (it stays allocated and can be re-armed). Note: `Timer.schedule(timer, undefined)`
 *    counts as an interval of 0, as on the device.
 *  - `Timer.clear(timer)` cancels and frees; `undefined`, `null`, a non-timer or an already freed timer are ignored.
 *  - `Timer.delay(ms)` THROWS on the host: it blocks the whole event loop on the device (sockets, sensors, every
 *    timer), and device code in this project must never block. Start work and finish it from a timer callback.
 *  - Timers keep the Node process alive while armed (as they keep the device's run loop busy); clear them.
 * An exception thrown by a callback propagates (uncaught), like an unhandled exception in a device callback.
 */
import { hostCounters } from "./instrumentation";

export type TimerCallback = (timer: Timer) => void;

function toInteger(value: unknown): number {
  const n = Math.trunc(Number(value));
  return Number.isFinite(n) && n > 0 ? n : 0;
}

class Timer {
  #callback: TimerCallback | undefined;
  #timeout: ReturnType<typeof setTimeout> | undefined;
  #interval: ReturnType<typeof setInterval> | undefined;
  #repeat = 0;

  private constructor(callback: TimerCallback) {
    if (typeof callback !== "function") throw new TypeError("Timer: callback must be a function");
    this.#callback = callback;
    hostCounters.timers++;
  }

  #disarm(): void {
    if (this.#timeout !== undefined) clearTimeout(this.#timeout);
    if (this.#interval !== undefined) clearInterval(this.#interval);
    this.#timeout = undefined;
    this.#interval = undefined;
  }

  #arm(interval: number, repeat: number): void {
    this.#disarm();
    this.#repeat = repeat;
    this.#timeout = setTimeout(() => {
      this.#timeout = undefined;
      if (this.#repeat > 0) this.#interval = setInterval(() => this.#fire(), this.#repeat);
      this.#fire();
    }, interval);
  }

  #fire(): void {
    const callback = this.#callback;
    if (!callback) return;
    try {
      callback.call(globalThis, this);
    } finally {
      // the device frees a timer whose (current) repeat is 0 once its callback returns
      if (this.#callback && this.#repeat === 0) this.#free();
    }
  }

  #free(): void {
    this.#disarm();
    this.#callback = undefined;
    hostCounters.timers--;
  }

  static set(callback: TimerCallback, interval?: number, repeat?: number): Timer {
    const timer = new Timer(callback);
    timer.#arm(toInteger(interval), toInteger(repeat));
    return timer;
  }

  static repeat(callback: TimerCallback, interval: number): Timer {
    const timer = new Timer(callback);
    const ms = toInteger(interval);
    timer.#arm(ms, ms);
    return timer;
  }

  static schedule(timer: Timer, interval?: number, repeat?: number): void {
    if (!(timer instanceof Timer) || !timer.#callback)
      throw new TypeError("Timer.schedule: not a live timer (cleared, or a fired one-shot)");
    // biome-ignore lint/complexity/noArguments: Timer.schedule(t) (unschedule) differs from Timer.schedule(t, undefined)
    if (arguments.length < 2) {
      timer.#disarm(); // unscheduled, still allocated
      return;
    }
    timer.#arm(toInteger(interval), toInteger(repeat));
  }

  static clear(timer: Timer | undefined | null): void {
    if (timer instanceof Timer && timer.#callback) timer.#free();
  }

  static delay(milliseconds: number): void {
    throw new Error(
      `Timer.delay(${String(milliseconds)}) would block the event loop: device code must not block. ` +
        "Start the operation and finish it from a Timer.set callback.",
    );
  }

  /** Host only: true while the timer is allocated (not cleared, not a fired one-shot). */
  static isLive(timer: Timer): boolean {
    return timer instanceof Timer && timer.#callback !== undefined;
  }
}

export { Timer as default };
