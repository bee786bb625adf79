/**
 * Simulated I2C bus.
 *
 * The ECMA-419 I2C class of simulators/i2c.ts sends every transfer here: on the Node host (`host/io/i2c.ts`), in the
 * Moddable simulator firmware (`modules/board/lin/sim-i2c.ts`) and in tests, each with its own bus. Simulated chips
 * (`simulators/si7021.ts`, `simulators/bme680.ts`) implement `SimDevice` and are attached at their 7-bit address.
 * An address with no device NACKs, as on a real bus.
 *
 * Bus-level fault injection (for tests and demos):
 *  - `nack(address, count?)`: the next `count` transfers (default: all, until `clearFaults`) to that address are NACKed
 *    whether or not a device is attached (a glitching wire, a device that stopped answering);
 *  - `detach(address)` / `attach(device)`: the device is removed from / put back on the bus (unplugged, re-plugged);
 *  - `trace`: an optional observer of every transfer and its outcome.
 */

export interface SimDevice {
  readonly address: number; // 7-bit
  write(data: Uint8Array, stop: boolean): boolean; // master writes; false = NACK
  read(count: number, stop: boolean): Uint8Array | null; // master reads; null = NACK
}

export interface BusTransfer {
  address: number;
  op: "read" | "write";
  /** bytes written by the master, or bytes the device returned (null when NACKed) */
  data: Uint8Array | null;
  count: number;
  stop: boolean;
  acked: boolean;
}

function checkAddress(address: number): void {
  if (!Number.isInteger(address) || address < 0 || address > 0x7f)
    throw new RangeError(`invalid 7-bit I2C address: ${String(address)}`);
}

export class SimBus {
  readonly #devices = new Map<number, SimDevice>();
  readonly #nacks = new Map<number, number>(); // address -> remaining NACKed transfers (Infinity = until cleared)
  trace: ((t: BusTransfer) => void) | undefined = undefined;
  /**
   * Plug-and-play simulation (used by `npm start`, see simulators/devices.ts): called the first time an address with
   * no device is accessed; a device it returns is attached there. Each address is offered once, so a device that a
   * test or demo detaches stays detached. `reset()` turns it off.
   */
  autoAttach: ((address: number) => SimDevice | undefined) | undefined = undefined;
  readonly #offered = new Set<number>();
  /** counts of transfers, for tests */
  readonly stats = { writes: 0, reads: 0, nacks: 0 };

  attach(device: SimDevice): void {
    checkAddress(device.address);
    const present = this.#devices.get(device.address);
    if (present === device) return;
    if (present) throw new Error(`I2C address 0x${device.address.toString(16)} already in use on this bus`);
    this.#devices.set(device.address, device);
  }

  detach(address: number): SimDevice | undefined {
    const device = this.#devices.get(address);
    this.#devices.delete(address);
    return device;
  }

  device(address: number): SimDevice | undefined {
    return this.#devices.get(address);
  }

  get addresses(): number[] {
    return [...this.#devices.keys()].sort((a, b) => a - b);
  }

  /** NACK the next `count` transfers to `address` (default: every transfer until clearFaults). */
  nack(address: number, count = Infinity): void {
    checkAddress(address);
    if (count > 0) this.#nacks.set(address, count);
    else this.#nacks.delete(address);
  }

  clearFaults(address?: number): void {
    if (address === undefined) this.#nacks.clear();
    else this.#nacks.delete(address);
  }

  /** Remove every device and fault. */
  reset(): void {
    this.#devices.clear();
    this.#nacks.clear();
    this.#offered.clear();
    this.trace = undefined;
    this.autoAttach = undefined;
  }

  #lookup(address: number): SimDevice | undefined {
    let device = this.#devices.get(address);
    if (device === undefined && this.autoAttach && !this.#offered.has(address)) {
      this.#offered.add(address);
      device = this.autoAttach(address);
      if (device) {
        if (device.address !== address) throw new Error("autoAttach returned a device for another address");
        this.#devices.set(address, device);
      }
    }
    return device;
  }

  #forcedNack(address: number): boolean {
    const n = this.#nacks.get(address);
    if (n === undefined) return false;
    if (n !== Infinity) {
      if (n <= 1) this.#nacks.delete(address);
      else this.#nacks.set(address, n - 1);
    }
    return true;
  }

  /** Master write. Returns false on NACK. */
  write(address: number, data: Uint8Array, stop: boolean): boolean {
    this.stats.writes++;
    const device = this.#lookup(address);
    const acked = !this.#forcedNack(address) && device !== undefined && device.write(data.slice(), stop);
    if (!acked) this.stats.nacks++;
    this.trace?.({ address, op: "write", data: data.slice(), count: data.length, stop, acked });
    return acked;
  }

  /** Master read of `count` bytes. Returns null on NACK. */
  read(address: number, count: number, stop: boolean): Uint8Array | null {
    this.stats.reads++;
    const device = this.#lookup(address);
    let data: Uint8Array | null = null;
    if (!this.#forcedNack(address) && device !== undefined) {
      data = device.read(count, stop);
      if (data !== null && data.length !== count) {
        // A real master clocks exactly `count` bytes; missing bytes read as 0xFF (SDA released, pulled up).
        const out = new Uint8Array(count).fill(0xff);
        out.set(data.subarray(0, count));
        data = out;
      }
    }
    if (data === null) this.stats.nacks++;
    this.trace?.({ address, op: "read", data, count, stop, acked: data !== null });
    return data;
  }
}
