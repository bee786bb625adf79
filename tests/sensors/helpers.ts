/** Test helpers for sensor drivers: event queues (no sleeps: tests wait for onSample / onError). */
export type Event<S> = { type: "sample"; sample: S } | { type: "error"; error: Error & { kind?: string } };

export class EventQueue<S> {
  #events: Event<S>[] = [];
  #waiters: ((e: Event<S>) => void)[] = [];
  readonly all: Event<S>[] = [];

  onSample = (sample: S): void => this.#push({ type: "sample", sample });
  onError = (error: Error): void => this.#push({ type: "error", error });

  #push(e: Event<S>): void {
    this.all.push(e);
    const w = this.#waiters.shift();
    if (w) w(e);
    else this.#events.push(e);
  }

  /** The next event (already queued, or the next to arrive). */
  next(): Promise<Event<S>> {
    const e = this.#events.shift();
    if (e) return Promise.resolve(e);
    return new Promise((resolve) => this.#waiters.push(resolve));
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

  get pending(): number {
    return this.#events.length;
  }
}

/** Resolves after the current macrotask queue has run `n` times (lets timers that are due fire; not a sleep). */
export function turns(n = 1): Promise<void> {
  return new Promise((resolve) => {
    let left = n;
    const step = (): void => {
      if (--left <= 0) resolve();
      else setImmediate(step);
    };
    setImmediate(step);
  });
}
