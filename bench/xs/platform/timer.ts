/**
 * Stand-in for Moddable's `timer` in the XS cost benchmark: timers are created and cleared but never fire by
 * themselves (the server's timeout tick is not part of a request; the bench drives everything else through
 * ./net.ts), except that `runDue()` runs the one-shot timers set with no delay (the push forwarder sends from one).
 */
type Callback = (timer: Timer) => void;

class Timer {
  callback: Callback | undefined;
  private constructor(callback: Callback) {
    this.callback = callback;
  }
  static set(callback: Callback, interval?: number, _repeat?: number): Timer {
    const t = new Timer(callback);
    if (!interval) due.push(t);
    return t;
  }
  static repeat(callback: Callback, _interval: number): Timer {
    return new Timer(callback);
  }
  static schedule(_timer: Timer, _interval?: number, _repeat?: number): void {}
  static clear(timer: Timer | undefined | null): void {
    if (timer) timer.callback = undefined;
  }
  static delay(_ms: number): void {
    throw new Error("Timer.delay: not in the bench");
  }
}

const due: Timer[] = [];

/** Runs the one-shot timers set with no delay since the last call (not those cleared meanwhile). */
export function runDue(): void {
  while (due.length > 0) {
    const t = due.shift() as Timer;
    const f = t.callback;
    t.callback = undefined;
    if (f) f(t);
  }
}

export { Timer as default };
