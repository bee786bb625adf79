/**
 * Retry with exponential backoff, on `timer` only (nothing blocks). `Retry.run()` calls the task now; if it throws,
 * the task is called again after 1 s, 2 s, 4 s ... up to `max` (default 60 s), each delay with ±20 % jitter so a
 * rack of devices rebooted together does not retry in lockstep. Success resets the delay. `cancel()` stops retrying.
 */
import Timer from "timer";

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
  #delay: number;
  #timer: ReturnType<typeof Timer.set> | undefined;
  failures = 0;

  constructor(options: RetryOptions) {
    this.#options = options;
    this.#delay = options.initial ?? 1000;
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
      const random = (o.random ?? Math.random)();
      const wait = Math.round(this.#delay * (0.8 + 0.4 * random));
      o.log?.(`${o.name} failed: ${errorText(error)}; retrying in ${String(wait)} ms`);
      o.onFailure?.(error);
      this.#delay = Math.min(this.#delay * 2, o.max ?? 60000);
      this.#timer = Timer.set(() => {
        this.#timer = undefined;
        this.run();
      }, wait);
      return false;
    }
    this.#delay = o.initial ?? 1000;
    return true;
  }

  cancel(): void {
    if (this.#timer !== undefined) {
      Timer.clear(this.#timer);
      this.#timer = undefined;
    }
  }
}
