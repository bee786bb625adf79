/**
 * The wall clock that pushes stamp their samples with, whatever the platform. The module specifier `wall-clock`
 * resolves per platform to a class implementing `WallClock`:
 *   esp32 (Olimex ESP32-POE)  modules/board/esp32-poe/wall-clock.ts   SNTP (modules/time/sntp-clock.ts)
 *   lin (Moddable simulator)  modules/board/lin/wall-clock.ts         the host's system clock, set at once
 *   host (Node, npm start)    host/wall-clock.ts                      the system clock, set at once
 *   tests                     SntpClock with a fake SNTP, or SystemClock, given to the code under test
 * On the device `Date.now()` counts from 1970-01-01 at boot until SNTP sets the clock, so nothing that needs the
 * real time (remote write's timestamps) may use it before `synchronized` is true: the pushes' `canSend` asks.
 */

/** Used when the configuration names none (the `sntp` setting): the NTP pool, three names for three answers. */
export const DEFAULT_SNTP_SERVERS: readonly string[] = ["0.pool.ntp.org", "1.pool.ntp.org", "2.pool.ntp.org"];

/** Plain numbers, read by the self-metrics at scrape time (modules/time/metrics.ts). */
export interface ClockStats {
  synchronized: boolean;
  /** ms since 1970 of the last successful synchronization, 0 = never (the system clock: when it was started) */
  lastSync: number;
  /** synchronization rounds that failed (every server tried) */
  failures: number;
}

export interface WallClockOptions {
  /** SNTP servers, tried in order (ignored by the system clock) */
  servers?: readonly string[];
  /** called when the clock becomes set, and after every later synchronization */
  onSynchronized?: () => void;
  log?: (line: string) => void;
  /** ms since 1970 (default Date.now; tests pass a virtual clock) */
  now?: () => number;
}

export interface WallClock {
  /** ms since 1970: the real time once `synchronized` */
  now(): number;
  readonly synchronized: boolean;
  readonly stats: ClockStats;
  /** starts synchronizing (idempotent) */
  start(): void;
  /** synchronizes now if the clock is not set and no attempt is under way (e.g. when the network comes up) */
  sync(): void;
  stop(): void;
}

/** The platform's clock is already right (Node, the Moddable simulator): synchronized from the start. */
export class SystemClock implements WallClock {
  readonly #now: () => number;
  readonly #options: WallClockOptions;
  readonly stats: ClockStats;
  #started = false;

  constructor(options: WallClockOptions = {}) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.stats = { synchronized: true, lastSync: 0, failures: 0 };
  }

  now(): number {
    return this.#now();
  }

  get synchronized(): boolean {
    return true;
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.stats.lastSync = this.#now();
    this.#options.log?.("clock: the system clock (already set)");
    this.#options.onSynchronized?.();
  }

  sync(): void {}

  stop(): void {
    this.#started = false;
  }
}
