// XS lane stand-in for Moddable's "timer" module: xsnap has no timers, so time is virtual. Tests move it with
// globalThis.__xsTimers.advance(ms) (tests/push/on-xs.test.ts); callbacks run in due order, as the device runs them.
/* eslint-disable @typescript-eslint/no-explicit-any */
interface Entry {
  id: number;
  due: number;
  repeat: number;
  callback: (t: unknown) => void;
}
const state = { now: 0, next: 1, timers: [] as Entry[] };

function set(callback: (t: unknown) => void, interval = 0, repeat = 0): Entry {
  const e: Entry = {
    id: state.next++,
    due: state.now + Math.max(0, interval | 0),
    repeat: repeat > 0 ? repeat : 0,
    callback,
  };
  state.timers.push(e);
  return e;
}
function clear(e: Entry | undefined): void {
  const i = e ? state.timers.indexOf(e) : -1;
  if (i >= 0) state.timers.splice(i, 1);
}
function advance(ms: number): void {
  const end = state.now + ms;
  for (;;) {
    let first: Entry | undefined;
    for (const e of state.timers)
      if (e.due <= end && (!first || e.due < first.due || (e.due === first.due && e.id < first.id))) first = e;
    if (!first) break;
    state.now = first.due;
    if (first.repeat > 0) first.due += first.repeat;
    else clear(first);
    first.callback(first);
  }
  state.now = end;
}
(globalThis as any).__xsTimers = {
  advance,
  count: () => state.timers.length,
  clearAll: () => {
    state.timers.length = 0;
  },
};
const Timer = {
  set,
  clear,
  repeat: (cb: (t: unknown) => void, ms: number) => set(cb, ms, ms),
  schedule: (e: Entry, ms = 0, repeat = 0) => {
    clear(e);
    e.due = state.now + ms;
    e.repeat = repeat;
    state.timers.push(e);
  },
};
export default Timer;
