/**
 * Host (Node) implementation of Moddable's `instrumentation` module.
 *
 * As on the device, `Instrumentation.map(name)` gives the index of an instrumented item (or `undefined` when this
 * platform does not have it), `Instrumentation.get(index)` its current value, `Instrumentation.name(index)` its name.
 * Items that mean something on Node:
 *   "Network Bytes Read" / "Network Bytes Written"  bytes through host TCP sockets in the current one-second interval
 *   "Network Sockets"      open host TCP sockets and listeners
 *   "Timers"               allocated `timer` instances (cleared one-shots excluded)
 *   "XS Slot Heap Used"    approximation: V8 heap used (process.memoryUsage().heapUsed)
 *   "XS Chunk Heap Used"   approximation: bytes of ArrayBuffers (process.memoryUsage().arrayBuffers)
 * Items without a Node meaning ("System Free Memory" — absent on the Moddable simulator too —, "XS Keys Used",
 * display and CPU items, ...) are absent: `map` returns undefined, so device code must handle their absence.
 */

/** Counters maintained by the host modules (tcp.ts, listener.ts, timer.ts). Not part of the device API. */
export const hostCounters = {
  sockets: 0,
  timers: 0,
  second: 0,
  bytesRead: 0,
  bytesWritten: 0,
  noteRead(count: number): void {
    this.roll();
    this.bytesRead += count;
  },
  noteWritten(count: number): void {
    this.roll();
    this.bytesWritten += count;
  },
  /** Reset the per-interval counters when a new one-second interval has started. */
  roll(): void {
    const second = Math.floor(Date.now() / 1000);
    if (second !== this.second) {
      this.second = second;
      this.bytesRead = 0;
      this.bytesWritten = 0;
    }
  },
};

const items: ReadonlyArray<readonly [string, () => number]> = [
  ["Network Bytes Read", () => (hostCounters.roll(), hostCounters.bytesRead)],
  ["Network Bytes Written", () => (hostCounters.roll(), hostCounters.bytesWritten)],
  ["Network Sockets", () => hostCounters.sockets],
  ["Timers", () => hostCounters.timers],
  ["XS Slot Heap Used", () => process.memoryUsage().heapUsed],
  ["XS Chunk Heap Used", () => process.memoryUsage().arrayBuffers],
];

const Instrumentation = Object.freeze({
  /** Value of the item at `what` (1-based index from `map`), or undefined for an unknown index. */
  get(what: number | undefined): number | undefined {
    if (typeof what !== "number" || !Number.isInteger(what) || what < 1 || what > items.length) return undefined;
    return items[what - 1][1]();
  },
  /** Index of the named item, or undefined when this platform does not instrument it. */
  map(name: string): number | undefined {
    const index = items.findIndex((item) => item[0] === name);
    return index < 0 ? undefined : index + 1;
  },
  /** Name of the item at `what`, or undefined. */
  name(what: number | undefined): string | undefined {
    if (typeof what !== "number" || !Number.isInteger(what) || what < 1 || what > items.length) return undefined;
    return items[what - 1][0];
  },
});

export default Instrumentation;
