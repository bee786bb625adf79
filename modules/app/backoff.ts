/**
 * Retry with exponential backoff, on `timer` only (nothing blocks). `Retry.run()` calls the task now; if it throws,
 * the task is called again after 1 s, 2 s, 4 s ... up to `max` (default 60 s), each delay with ±20 % jitter so a
 * rack of devices rebooted together does not retry in lockstep. Success resets the delay. `cancel()` stops retrying.
 * `Backoff` is the delay sequence alone, for work whose failure is reported later by a callback (SNTP, pushes).
 */
import Timer from "timer";

export interface BackoffOptions {
  /** first delay, ms (default 1000) */
  initial?: number | undefined;
  /** longest delay, ms (default 60000) */
  max?: number | undefined;
  /** 0..1, default Math.random; tests pass a constant */
  random?: (() => number) | undefined;
}

/** The delays of exponential backoff: initial, 2x, 4x ... up to max, each with ±20 % jitter. */
export class Backoff {
  readonly #initial: number;
  readonly #max: number;
  readonly #random: () => number;
  #delay: number;

  constructor(options: BackoffOptions = {}) {
    this.#initial = options.initial ?? 1000;
    this.#max = options.max ?? 60000;
    this.#random = options.random ?? Math.random;
    this.#delay = this.#initial;
  }

  /** the wait before the next attempt, ms; the one after is twice as long (up to max) */
  next(): number {
    const wait = Math.round(this.#delay * (0.8 + 0.4 * this.#random()));
    this.#delay = Math.min(this.#delay * 2, this.#max);
    return wait;
  }

  /** after a success: the next failure waits the initial delay again */
  reset(): void {
    this.#delay = this.#initial;
  }
}

export interface RetryOptions {
  name: string;
  task: () => void;
  initial?: number;
  max?: number;
  /** 0..1, default Math.random; tests pass a constant */
  random?: () => number;
  log?: (line: string) => void;
  /** called after every failure with the error (for self-metrics) */
  onFailure?: (error: unknown) => void;
}

export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

export class Retry {
  readonly #options: RetryOptions;
  readonly #backoff: Backoff;
  #timer: ReturnType<typeof Timer.set> | undefined;
  failures = 0;

  constructor(options: RetryOptions) {
    this.#options = options;
    this.#backoff = new Backoff(options);
  }

  get pending(): boolean {
    return this.#timer !== undefined;
  }

  /** run the task now (cancelling a scheduled retry); returns true when it succeeded */
  run(): boolean {
    this.cancel();
    const o = this.#options;
    try {
      o.task();
    } catch (error) {
      this.failures++;
      const wait = this.#backoff.next();
      o.log?.(`${o.name} failed: ${errorText(error)}; retrying in ${String(wait)} ms`);
      o.onFailure?.(error);
      this.#timer = Timer.set(() => {
        this.#timer = undefined;
        this.run();
      }, wait);
      return false;
    }
    this.#backoff.reset();
    return true;
  }

  cancel(): void {
    if (this.#timer !== undefined) {
      Timer.clear(this.#timer);
      this.#timer = undefined;
    }
  }
}
