/** Retry-After (modules/push/retry-after.ts): delay-seconds and IMF-fixdate, checked against Node's Date.parse. */
import fc from "fast-check";
import { parseRetryAfter } from "../../modules/push/retry-after";

const NOW = Date.UTC(2026, 11, 1, 22, 0, 0);

test.each([
  ["120", 120],
  [" 0 ", 0],
  ["Tue, 01 Dec 2026 22:01:30 GMT", 90],
  ["Tue, 01 Dec 2026 21:00:00 GMT", 0], // in the past: at once
  ["Mon, 31 Dec 2029 23:59:59 GMT", Math.ceil((Date.UTC(2029, 11, 31, 23, 59, 59) - NOW) / 1000)],
])("%j: %d s", (value, seconds) => {
  expect(parseRetryAfter(value, NOW)).toBe(seconds);
});

test.each([
  undefined,
  "",
  "-5",
  "1.5",
  "soon",
  "12345678901",
  "Tue, 01 Dec 2026 22:01:30 UTC",
  "Tue, 1 Dec 2026 22:01:30 GMT",
  "Tue, 31 Feb 2026 22:01:30 GMT",
  "Tue, 01 Dez 2026 22:01:30 GMT",
  "Tue, 01 ecJ 2026 22:01:30 GMT",
  "Tue, 01 Dec 2026 24:01:30 GMT",
  "Tuesday, 01-Dec-26 22:01:30 GMT",
])("%j: unreadable", (value) => {
  expect(parseRetryAfter(value, NOW)).toBeUndefined();
});

test("random IMF-fixdates: the same instant as Date.parse reads", () => {
  fc.assert(
    fc.property(
      fc.date({ min: new Date(Date.UTC(2000, 0, 1)), max: new Date(Date.UTC(2099, 11, 31)), noInvalidDate: true }),
      (d) => {
        const text = d.toUTCString(); // IMF-fixdate
        const expected = Math.max(0, Math.ceil((Date.parse(text) - NOW) / 1000));
        expect(parseRetryAfter(text, NOW)).toBe(expected);
      },
    ),
    { numRuns: 1000 },
  );
});
