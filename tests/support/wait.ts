/**
 * Waiting in tests: on events, never on time. One helper, `until(condition, options)`: resolves once `condition()`
 * holds, checked at once and then again
 *  - each time `options.on` (a Signal) is notified: the test calls `signal.notify()` wherever the code under test
 *    reports something (a log line, a callback, a socket event); when the source ends (`signal.end(reason)`: a socket
 *    closed, a process exited) a wait whose condition still does not hold fails with that reason;
 *  - or, without `on`, once per event-loop turn: for state that changes without an event the test can hook (a
 *    node:net socket's internals, a listener's backlog), bounded by `turns`.
 * `timeoutMs` is for a readable failure only (what was awaited, and `detail()`), never a substitute for an event.
 * Under jest's fake timers, wrap the promise in tests/sensors/helpers.ts `drive()` so that virtual time moves.
 */

export interface UntilOptions {
  /** re-check when this signal is notified (default: once per event-loop turn) */
  on?: Signal;
  /** what is awaited, for the failure message */
  what?: string;
  /** per-turn checking: give up after this many turns (default 1 000 000) */
  turns?: number;
  /** fail after this many ms of real time, with `detail()` in the message (a diagnostic, not a synchronisation) */
  timeoutMs?: number;
  /** more context for a failure message (e.g. the log so far) */
  detail?: () => string;
}

interface Waiter {
  /** re-check; true when the wait is over */
  check: () => boolean;
  fail: (reason: Error) => void;
}

/** Something that happens, which waits re-check their condition on. */
export class Signal {
  #waiters: Waiter[] = [];
  #ended: Error | undefined;

  /** Something happened: re-check every waiting condition. */
  notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) if (!w.check()) this.#waiters.push(w);
  }

  /** The source of events ended: re-check, then fail the waits whose condition still does not hold (and any later
   *  wait whose condition does not hold at once). */
  end(reason: Error): void {
    this.notify();
    this.#ended = reason;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.fail(reason);
  }

  /** @internal (until) */
  add(waiter: Waiter): void {
    if (this.#ended) waiter.fail(this.#ended);
    else this.#waiters.push(waiter);
  }

  /** @internal (until) */
  remove(waiter: Waiter): void {
    this.#waiters = this.#waiters.filter((w) => w !== waiter);
  }
}

/** The next event-loop turn (after the I/O callbacks of this one). */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Resolves once `condition()` holds; see the top of this file. */
export function until(condition: () => boolean, options: UntilOptions = {}): Promise<void> {
  if (condition()) return Promise.resolve();
  const what = options.what ?? "condition";
  const failure = (why: string) => new Error(`${why}: ${what}` + (options.detail ? `\n${options.detail()}` : ""));
  return new Promise<void>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let done = false;
    const finish = (error?: Error): void => {
      if (done) return;
      done = true;
      if (timer !== undefined) clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    };
    const waiter: Waiter = {
      check: () => {
        if (done) return true;
        if (!condition()) return false;
        finish();
        return true;
      },
      fail: (reason) => finish(failure(reason.message)),
    };
    const signal = options.on;
    if (options.timeoutMs !== undefined)
      timer = setTimeout(() => {
        signal?.remove(waiter);
        finish(failure(`not within ${String(options.timeoutMs)} ms`));
      }, options.timeoutMs);
    if (signal) {
      signal.add(waiter);
      return;
    }
    const limit = options.turns ?? 1_000_000;
    void (async () => {
      for (let turn = 0; turn < limit; turn++) {
        await nextTurn();
        try {
          if (waiter.check()) return;
        } catch (error) {
          finish(error instanceof Error ? error : new Error(String(error)));
          return;
        }
      }
      finish(failure(`not within ${String(limit)} event-loop turns`));
    })();
  });
}
