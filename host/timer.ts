/**
 * Minimal host (Node) implementation of Moddable's `timer` module, written by the sensors helper because it was
 * absent; the host helper owns this file and may replace it. Semantics: `set(cb, interval = 0, repeat?)` fires once
 * after `interval` ms, then every `repeat` ms if given; `repeat(cb, interval)`; `schedule(timer, interval, repeat?)`
 * re-arms; `clear(timer)` is idempotent and accepts undefined/null. The callback receives the timer.
 */
type TimerCallback = (timer: Timer) => void;

class Timer {
  callback: TimerCallback;
  handle: ReturnType<typeof setTimeout> | undefined = undefined;
  private constructor(callback: TimerCallback) {
    this.callback = callback;
  }

  static #arm(timer: Timer, interval: number, repeat?: number): void {
    Timer.#disarm(timer);
    timer.handle = setTimeout(function fire() {
      timer.handle = undefined;
      if (repeat !== undefined && repeat > 0) timer.handle = setTimeout(fire, repeat);
      timer.callback(timer);
    }, Math.max(0, interval | 0));
  }
  static #disarm(timer: Timer): void {
    if (timer.handle !== undefined) clearTimeout(timer.handle);
    timer.handle = undefined;
  }

  static set(callback: TimerCallback, interval = 0, repeat?: number): Timer {
    const t = new Timer(callback);
    Timer.#arm(t, interval, repeat);
    return t;
  }
  static repeat(callback: TimerCallback, interval: number): Timer {
    return Timer.set(callback, interval, interval);
  }
  static schedule(timer: Timer, interval = 0, repeat?: number): void {
    Timer.#arm(timer, interval, repeat);
  }
  static clear(timer: Timer | undefined | null): void {
    if (timer) Timer.#disarm(timer);
  }
  static delay(milliseconds: number): void {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.max(0, milliseconds));
  }
}

export default Timer;
