/**
 * Errors reported by this project's sensor drivers (through `onError`, or thrown by synchronous calls).
 * `kind` classifies the failure; the sensor bridge counts read errors by it
 * (`sensor_read_errors_total{kind="..."}`). Errors from other drivers are classified by `errorKind`.
 */
export type SensorErrorKind =
  | "nack" //      the device did not acknowledge (absent, unplugged, busy, bus fault)
  | "crc" //       a checksum did not match: the data were discarded
  | "timeout" //   a measurement did not complete in time
  | "invalid" //   a value outside what the device can produce, or an unexpected chip id
  | "busy" //      the call is not possible while a measurement or reset is in progress
  | "closed"; //   the driver was closed

export class SensorError extends Error {
  // a field (defined on the instance), not `this.name = ...`: assignment would hit the inherited, frozen
  // Error.prototype.name in a preloaded Moddable build ("set name: not writable")
  override readonly name = "SensorError";
  readonly kind: SensorErrorKind;
  constructor(kind: SensorErrorKind, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.kind = kind;
  }
}

const NACK_WORDS = ["nack", "not acknowledge", "write failed", "read failed"];

/** The error kind of anything a driver reported: its `kind` if it has one, "nack" for I2C transfer errors, "other". */
export function errorKind(error: unknown): string {
  if (error !== null && typeof error === "object") {
    const kind = (error as { kind?: unknown }).kind;
    if (typeof kind === "string" && kind.length > 0 && kind.length <= 32) return kind;
    const message = (error as { message?: unknown }).message;
    if (typeof message === "string") {
      const lower = message.toLowerCase();
      for (const word of NACK_WORDS) if (lower.indexOf(word) >= 0) return "nack";
      if (lower.indexOf("crc") >= 0 || lower.indexOf("checksum") >= 0) return "crc";
      if (lower.indexOf("timeout") >= 0 || lower.indexOf("timed out") >= 0) return "timeout";
    }
  }
  return "other";
}
