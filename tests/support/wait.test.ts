/** The one helper for waiting in tests (tests/support/wait.ts). */
import { Signal, nextTurn, until } from "./wait";

/** Whether `p` has settled, and how, after the promise callbacks now due have run. */
async function state(p: Promise<unknown>): Promise<"pending" | "resolved" | "rejected"> {
  let s: "pending" | "resolved" | "rejected" = "pending";
  p.then(
    () => (s = "resolved"),
    () => (s = "rejected"),
  );
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return s;
}

describe("until, on a signal", () => {
  test("resolves at once when the condition already holds", async () => {
    expect(await state(until(() => true, { on: new Signal() }))).toBe("resolved");
  });

  test("re-checks at each notify, and only then", async () => {
    const signal = new Signal();
    let n = 0;
    const p = until(() => n >= 2, { on: signal });
    n = 2; // changed, but nobody said so
    expect(await state(p)).toBe("pending");
    n = 1;
    signal.notify();
    expect(await state(p)).toBe("pending");
    n = 2;
    signal.notify();
    expect(await state(p)).toBe("resolved");
  });

  test("end() re-checks, then fails what still waits, with the reason and what was awaited", async () => {
    const signal = new Signal();
    let done = false;
    const met = until(() => done, { on: signal });
    const unmet = until(() => false, { on: signal, what: "a reply", detail: () => "log: x" });
    done = true;
    signal.end(new Error("socket closed"));
    expect(await state(met)).toBe("resolved");
    await expect(unmet).rejects.toThrow("socket closed: a reply\nlog: x");
    // after the end: a condition that holds resolves, one that does not fails at once
    expect(await state(until(() => true, { on: signal }))).toBe("resolved");
    await expect(until(() => false, { on: signal })).rejects.toThrow("socket closed");
  });

  test("timeoutMs fails a wait that nothing ends, with its detail", async () => {
    jest.useFakeTimers();
    try {
      const p = until(() => false, {
        on: new Signal(),
        what: "'listening'",
        timeoutMs: 10_000,
        detail: () => "log: starting",
      });
      const outcome = expect(p).rejects.toThrow("not within 10000 ms: 'listening'\nlog: starting");
      jest.advanceTimersByTime(9_999);
      expect(await state(p)).toBe("pending");
      jest.advanceTimersByTime(1);
      await outcome;
    } finally {
      jest.useRealTimers();
    }
  });
});

describe("until, once per event-loop turn", () => {
  test("resolves in the turn after the state changed", async () => {
    let ready = false;
    const p = until(() => ready);
    await nextTurn();
    expect(await state(p)).toBe("pending");
    ready = true;
    await nextTurn();
    await nextTurn();
    expect(await state(p)).toBe("resolved");
  });

  test("gives up after `turns` turns", async () => {
    await expect(until(() => false, { turns: 3, what: "never" })).rejects.toThrow(
      "not within 3 event-loop turns: never",
    );
  });

  test("a condition that throws fails the wait", async () => {
    let calls = 0;
    const boom = () => {
      if (++calls > 1) throw new Error("boom");
      return false;
    };
    await expect(until(boom)).rejects.toThrow("boom");
  });
});
