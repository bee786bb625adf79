/**
 * Host (Node) implementation of Moddable's `time` module, the part device code uses: `Time.ticks`, a monotonic
 * millisecond count (on the device: since boot; here: since the process started), and `Time.delta`.
 */
import { performance } from "node:perf_hooks";

const Time = {
  get ticks(): number {
    return Math.floor(performance.now());
  },
  delta(start: number, end?: number): number {
    return (end === undefined ? Math.floor(performance.now()) : end) - start;
  },
};

export default Time;
