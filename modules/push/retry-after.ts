/**
 * The `Retry-After` header of a 429 or 503 (RFC 9110 §10.2.3), as the seconds to wait that a push `SendResult`
 * carries: delay-seconds ("120"), or an IMF-fixdate ("Wed, 02 Dec 2026 08:49:37 GMT") taken relative to the wall
 * clock. Parsed by hand (no Date.parse: its formats are implementation-defined, and XS's differ from V8's).
 * Anything else gives undefined (the forwarder then uses its own backoff). The forwarder bounds the wait.
 */

const MONTHS = "JanFebMarAprMayJunJulAugSepOctNovDec";

function digits(s: string, length: number): number {
  if (s.length !== length) return NaN;
  for (let i = 0; i < length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return NaN;
  }
  return Number(s);
}

/** Seconds to wait (0 or more), or undefined when the value is absent or unreadable. `now`: ms since 1970. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const s = value.trim();
  if (s === "") return undefined;
  const seconds = s.length <= 10 ? digits(s, s.length) : NaN;
  if (!Number.isNaN(seconds)) return seconds;
  // IMF-fixdate: day-name "," SP day SP month SP year SP hh ":" mm ":" ss SP "GMT"
  const parts = s.split(" ");
  if (parts.length !== 6 || parts[5] !== "GMT" || (parts[0] ?? "").length !== 4 || !(parts[0] ?? "").endsWith(","))
    return undefined;
  const day = digits(parts[1] ?? "", 2);
  const monthAt = MONTHS.indexOf(parts[2] ?? "");
  const year = digits(parts[3] ?? "", 4);
  const time = (parts[4] ?? "").split(":");
  const hh = digits(time[0] ?? "", 2);
  const mm = digits(time[1] ?? "", 2);
  const ss = digits(time[2] ?? "", 2);
  if ((parts[2] ?? "").length !== 3 || monthAt < 0 || monthAt % 3 !== 0 || time.length !== 3) return undefined;
  if (!(day >= 1 && day <= 31 && hh <= 23 && mm <= 59 && ss <= 60)) return undefined;
  const at = Date.UTC(year, monthAt / 3, day, hh, mm, ss);
  if (Number.isNaN(at) || new Date(at).getUTCDate() !== day) return undefined; // 31 Feb and the like
  return Math.max(0, Math.ceil((at - now) / 1000));
}
