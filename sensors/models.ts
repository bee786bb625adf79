/**
 * The built-in sensor models, and the I2C addresses their chips can answer at: defined here ONCE and used by the
 * configuration (modules/app/config.ts), `startSensors` (sensors/index.ts), the drivers (sensors/si7021.ts,
 * sensors/bme680.ts), the bridge (sensors/bridge.ts) and the simulated buses (simulators/devices.ts: npm start and the lin build).
 *
 *   model     chip                        addresses
 *   si7021    Silicon Labs Si7021-A20     0x40 (the datasheet's only slave address)
 *   bme680    Bosch BME680 or BME688      0x76 (SDO to GND) or 0x77 (SDO to VDDIO), per their datasheets
 *   bme688    the same as bme680
 *
 * "bme680" and "bme688" are two names for one entry: the BME688 has the BME680's chip id and register map, and the
 * driver tells them apart by the variant id register, so either name works with either chip (boards are sold with
 * one or the other under the same name). The `model` label of the series is the name the configuration used; the
 * chip that actually answered is in `sensor_info{chip="bme688"}`.
 *
 * Drivers added by the user through `startSensors({models})` are not in this table: their sensors may use any
 * non-reserved 7-bit address, 0x08…0x77 (the I2C specification reserves 0x00–0x07 and 0x78–0x7F).
 *
 * Safe to preload: constants only, nothing here is written after load.
 */

export interface SensorModelInfo {
  /** the addresses a chip of this model can have, in the order the datasheet lists them */
  readonly addresses: readonly number[];
  /** the address used when the configuration gives none */
  readonly address: number;
  /** the chip(s), for messages */
  readonly chip: string;
}

export const SENSOR_MODELS: { readonly [model: string]: SensorModelInfo } = {
  si7021: { addresses: [0x40], address: 0x40, chip: "Si7021" },
  bme680: { addresses: [0x76, 0x77], address: 0x77, chip: "BME680/BME688" },
  bme688: { addresses: [0x76, 0x77], address: 0x77, chip: "BME680/BME688" },
};

/** Model names the configuration accepts, in the order messages list them. */
export const SENSOR_MODEL_NAMES: readonly string[] = ["si7021", "bme680", "bme688"];

/** Lowest and highest 7-bit address a sensor of any other model may have. */
export const I2C_ADDRESS_MIN = 0x08;
export const I2C_ADDRESS_MAX = 0x77;

/** "0x40", "0x08": how addresses are written in labels and messages. */
export function formatAddress(address: number): string {
  return "0x" + (address < 16 ? "0" : "") + address.toString(16);
}

/** "0x40", "0x76 or 0x77" */
export function formatAddresses(addresses: readonly number[]): string {
  let s = "";
  for (let i = 0; i < addresses.length; i++) {
    if (i > 0) s += i === addresses.length - 1 ? " or " : ", ";
    s += formatAddress(addresses[i]);
  }
  return s;
}

/** The model's name as the table spells it ("SI7021 " → "si7021"), or undefined when it is not a built-in model. */
export function builtInModel(model: unknown): string | undefined {
  if (typeof model !== "string") return undefined;
  const name = model.trim().toLowerCase();
  return Object.prototype.hasOwnProperty.call(SENSOR_MODELS, name) ? name : undefined;
}

/** A number, or a string of decimal digits or 0x-prefixed hex digits ("0x40", "64", " 64 "), as `mcconfig name=value`
 *  overrides deliver addresses; anything else is NaN. No regex: safe in a preloaded module. */
export function addressNumber(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value !== "string") return NaN;
  const s = value.trim().toLowerCase();
  const hex = s.length > 2 && s[0] === "0" && s[1] === "x";
  const digits = hex ? s.slice(2) : s;
  if (digits.length === 0 || digits.length > 4) return NaN;
  for (let i = 0; i < digits.length; i++) {
    const c = digits[i];
    if (!((c >= "0" && c <= "9") || (hex && c >= "a" && c <= "f"))) return NaN;
  }
  return parseInt(digits, hex ? 16 : 10);
}

/**
 * Check a sensor's address. `addresses`: the ones its chip can have (a built-in model's, see SENSOR_MODELS), or
 * undefined for any non-reserved address (0x08…0x77). `value` may be a number or a string (see addressNumber);
 * undefined means `fallback`. Returns the address, or what is allowed ("0x76 or 0x77") for a message that reads
 * "got <value>, expected <that>".
 */
export function checkAddress(
  value: unknown,
  addresses: readonly number[] | undefined,
  fallback?: number,
): number | string {
  const n = value === undefined || value === "" ? fallback : addressNumber(value);
  if (addresses !== undefined) return n !== undefined && addresses.indexOf(n) >= 0 ? n : formatAddresses(addresses);
  if (n !== undefined && Number.isInteger(n) && n >= I2C_ADDRESS_MIN && n <= I2C_ADDRESS_MAX) return n;
  return `an I2C address from ${formatAddress(I2C_ADDRESS_MIN)} to ${formatAddress(I2C_ADDRESS_MAX)}`;
}

/** "0x40 (the only address of the Si7021)", "0x76 or 0x77 (the addresses of the BME680/BME688)" */
function allowed(info: SensorModelInfo): string {
  const list = formatAddresses(info.addresses);
  return info.addresses.length === 1
    ? `${list} (the only address of the ${info.chip})`
    : `${list} (the addresses of the ${info.chip})`;
}

/** The address of a sensor of a built-in model (`value` undefined: the model's default), or what is allowed, e.g.
 *  "0x76 or 0x77 (the addresses of the BME680/BME688)". */
export function modelAddress(model: string, value: unknown): number | string {
  const info = SENSOR_MODELS[model];
  const result = checkAddress(value, info.addresses, info.address);
  return typeof result === "number" ? result : allowed(info);
}

/** For a driver's constructor: throws a RangeError naming the allowed addresses when `address` is not one of the
 *  model's. */
export function requireModelAddress(model: string, address: number): void {
  const info = SENSOR_MODELS[model];
  if (info.addresses.indexOf(address) < 0)
    throw new RangeError(
      `${info.chip}: address ${Number.isInteger(address) ? formatAddress(address) : String(address)} refused: expected ${allowed(info)}`,
    );
}
