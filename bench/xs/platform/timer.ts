/**
 * Stand-in for Moddable's `timer` in the XS cost benchmark: timers are created and cleared but never fire (the
 * server's timeout tick is not part of a request; the bench drives everything else through ./net.ts).
 */
type Callback = (timer: Timer) => void;

class Timer {
  callback: Callback | undefined;
  private constructor(callback: Callback) {
    this.callback = callback;
  }
  static set(callback: Callback, _interval?: number, _repeat?: number): Timer {
    return new Timer(callback);
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

export { Timer as default };
