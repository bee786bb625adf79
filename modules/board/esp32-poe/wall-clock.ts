/**
 * esp32: the `wall-clock` of this board (modules/time/clock.ts): SNTP through Moddable's `sntp` module, setting the
 * system clock with `Time.set`. Mapped by its directory-mirroring name, reached as `wall-clock` through
 * wall-clock-shim.ts (so that the relative import below resolves).
 */
import SNTP from "sntp";
import Time from "time";
import { SntpClock, type CreateSntp, type SntpLike } from "../../time/sntp-clock";
import { DEFAULT_SNTP_SERVERS, type WallClockOptions } from "../../time/clock";

// the SDK's typings leave out what this module uses: the callback's return value (the next server after an error)
// and close() (SNTP is a UDP Socket)
const createSntp: CreateSntp = (options, callback) =>
  new SNTP(options, callback as (message: number, value?: number) => void) as unknown as SntpLike;

export default class WallClock extends SntpClock {
  constructor(options: WallClockOptions = {}) {
    super({
      ...options,
      servers: options.servers && options.servers.length ? options.servers : DEFAULT_SNTP_SERVERS,
      createSntp,
      setTime: (seconds) => Time.set(seconds),
    });
  }
}
