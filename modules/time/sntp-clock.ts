/**
 * The device's wall clock set by SNTP, through Moddable's `sntp` module (modules/network/sntp; UDP port 123):
 *   - a round asks the configured servers in order: the SNTP object fails over to the next server itself when the
 *     callback returns its name (SNTP.error), and gives up after the last one;
 *   - a failed round is retried with exponential backoff (5 s doubling up to 5 min, ±20 % jitter: a rack of boards
 *     must not hammer the pool in lockstep); `sync()` starts a round at once (the network just came up);
 *   - a time before MIN_PLAUSIBLE_TIME (a server answering with an unset clock, or the 2036 NTP era wrapping in a
 *     32-bit conversion) is refused like a failure, so the clock is never "synchronized" to nonsense;
 *   - once set, the clock is synchronized again every `resync` ms (default 1 h: the ESP32's RTC drifts by seconds a
 *     day); a failed re-synchronization leaves it synchronized (it was set and drifts slowly) and is retried with
 *     backoff; `stats.lastSync` tells how old the last setting is.
 * The `sntp` and `time` modules are injected (`createSntp`, `setTime`): modules/board/esp32-poe/wall-clock.ts passes
 * the real ones, the tests fakes, in virtual time.
 */
import Timer from "timer";
import { Backoff, errorText, type BackoffOptions } from "../app/backoff";
import type { ClockStats, WallClock, WallClockOptions } from "./clock";

/** Messages of Moddable's SNTP callback (SNTP.time, SNTP.retry, SNTP.error). */
export const SNTP_TIME = 1;
export const SNTP_RETRY = 2;
export const SNTP_ERROR = -1;

/** The SNTP object as this module uses it: it closes itself after SNTP.time and after a final SNTP.error. */
export interface SntpLike {
  close(): void;
}
/** `new SNTP({host}, callback)`: the callback gets (SNTP.time, seconds since 1970), (SNTP.retry) or (SNTP.error,
 *  message); after an error, returning a host name makes it try that host. */
export type CreateSntp = (
  options: { host: string },
  callback: (message: number, value?: unknown) => string | undefined,
) => SntpLike;

/** 2025-01-01T00:00:00Z: no real answer is older than this firmware. */
export const MIN_PLAUSIBLE_TIME = 1735689600;

export interface SntpClockOptions extends WallClockOptions {
  servers: readonly string[];
  createSntp: CreateSntp;
  /** sets the system clock, seconds since 1970 (Moddable's Time.set) */
  setTime: (seconds: number) => void;
  /** ms between synchronizations once set (default 3 600 000) */
  resync?: number;
  /** delays between failed rounds (default 5 s doubling up to 5 min) */
  backoff?: BackoffOptions;
}

export class SntpClock implements WallClock {
  readonly #o: SntpClockOptions;
  readonly #now: () => number;
  readonly #backoff: Backoff;
  #sntp: SntpLike | undefined;
  /** the current round; callbacks of an older round are ignored */
  #round = 0;
  #inRound = false;
  #timer: ReturnType<typeof Timer.set> | undefined;
  #running = false;
  /** failed rounds since the last success (the first is logged) */
  #streak = 0;
  readonly stats: ClockStats;

  constructor(options: SntpClockOptions) {
    if (options.servers.length === 0) throw new RangeError("SntpClock: at least one server");
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#backoff = new Backoff({ initial: 5000, max: 300000, ...options.backoff });
    this.stats = { synchronized: false, lastSync: 0, failures: 0 };
  }

  now(): number {
    return this.#now();
  }

  get synchronized(): boolean {
    return this.stats.synchronized;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#begin();
  }

  sync(): void {
    if (!this.#running || this.#inRound || this.stats.synchronized) return;
    this.#begin();
  }

  stop(): void {
    this.#running = false;
    this.#clearTimer();
    this.#endRound();
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) Timer.clear(this.#timer);
    this.#timer = undefined;
  }

  #endRound(): void {
    this.#round++;
    this.#inRound = false;
    const sntp = this.#sntp;
    this.#sntp = undefined;
    if (sntp) {
      try {
        sntp.close();
      } catch {
        // already closed by itself
      }
    }
  }

  #begin(): void {
    this.#clearTimer();
    this.#endRound();
    const round = this.#round;
    const servers = this.#o.servers;
    let next = 0;
    this.#inRound = true;
    const callback = (message: number, value?: unknown): string | undefined => {
      if (round !== this.#round) return; // a round that was stopped or replaced
      if (message === SNTP_TIME) {
        this.#sntp = undefined; // it closed itself
        this.#succeeded(servers[next] ?? "", value);
      } else if (message === SNTP_ERROR) {
        if (this.#streak === 0) this.#o.log?.(`clock: SNTP ${servers[next] ?? ""}: ${String(value)}`);
        next++;
        if (next < servers.length) return servers[next]; // the SNTP object tries the next server
        this.#sntp = undefined; // it closed itself
        this.#failed(`no answer from ${servers.join(", ")}`);
      }
      // SNTP_RETRY: it sends its request again by itself
    };
    try {
      const sntp = this.#o.createSntp({ host: servers[0] as string }, callback);
      if (round === this.#round && this.#inRound) this.#sntp = sntp; // not already finished from inside the constructor
    } catch (error) {
      if (round === this.#round) this.#failed(`SNTP: ${errorText(error)}`);
    }
  }

  #succeeded(server: string, value: unknown): void {
    const seconds = typeof value === "number" ? value : NaN;
    if (!(seconds >= MIN_PLAUSIBLE_TIME)) {
      this.#failed(`${server} answered an implausible time (${String(value)})`);
      return;
    }
    try {
      this.#o.setTime(seconds);
    } catch (error) {
      this.#failed(`setting the clock failed: ${errorText(error)}`);
      return;
    }
    this.#inRound = false;
    this.#round++;
    const first = !this.stats.synchronized;
    this.stats.synchronized = true;
    this.stats.lastSync = this.#now();
    this.#backoff.reset();
    if (first || this.#streak > 0)
      this.#o.log?.(`clock: set by SNTP from ${server}: ${new Date(this.stats.lastSync).toISOString()}`);
    this.#streak = 0;
    if (this.#running) this.#schedule(this.#o.resync ?? 3600000);
    try {
      this.#o.onSynchronized?.();
    } catch (error) {
      this.#o.log?.(`clock: observer failed: ${errorText(error)}`);
    }
  }

  #failed(reason: string): void {
    this.#endRound();
    this.stats.failures++;
    const wait = this.#backoff.next();
    if (this.#streak++ === 0) this.#o.log?.(`clock: ${reason}; retrying in ${String(wait)} ms`);
    if (this.#running) this.#schedule(wait);
  }

  #schedule(wait: number): void {
    this.#clearTimer();
    this.#timer = Timer.set(() => {
      this.#timer = undefined;
      this.#begin();
    }, wait);
  }
}
