/**
 * embedded:io/socket/tcp on the host, over real TCP on 127.0.0.1 with node:net peers.
 * Imported through its Moddable specifier, exactly as device code imports it.
 */
import * as net from "node:net";
import { createHash } from "node:crypto";
import TCP from "embedded:io/socket/tcp";
import Listener from "embedded:io/socket/listener";
import { configureSockets, PROFILES } from "../../host/io/tcp";
import { Peer, bytes, deferred, listen, text } from "./helpers";
import { nextTurn, until } from "../support/wait";

let restore: ReturnType<typeof configureSockets>;
const cleanups: Array<() => void> = [];
beforeEach(() => {
  restore = configureSockets({ profile: "esp32" });
});
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  configureSockets(restore);
});

/** Listener + one adopted server socket per connection, created with `options`. */
function serve(options: (peer: { index: number }) => Record<string, unknown>): {
  listener: Listener;
  sockets: TCP[];
  accepted: Promise<TCP>;
} {
  const sockets: TCP[] = [];
  const first = deferred<TCP>();
  const listener = listen((pending) => {
    const socket = new TCP({ from: pending, ...options({ index: sockets.length }) } as any);
    sockets.push(socket);
    first.resolve(socket);
  });
  cleanups.push(() => {
    for (const s of sockets) s.close();
    listener.close();
  });
  return { listener, sockets, accepted: first.promise };
}

function peer(port: number): Peer {
  const p = new Peer(port);
  cleanups.push(() => p.destroy());
  return p;
}

describe("reading", () => {
  test("onReadable reports the total bytes readable; read(n), read(buffer) and read() consume them", async () => {
    const counts: number[] = [];
    const done = deferred<string[]>();
    const { listener } = serve(() => ({
      onReadable(this: TCP, count: number) {
        counts.push(count);
        if (count < 11) return; // leave it: the next arrival reports the running total
        const parts: string[] = [];
        parts.push(text(this.read(5)));
        const buffer = new Uint8Array(4);
        const n = (this.read as (b: Uint8Array) => unknown)(buffer);
        parts.push(String(n), Buffer.from(buffer).toString("latin1"));
        parts.push(text(this.read()));
        parts.push(String(this.read()));
        done.resolve(parts);
      },
    }));
    const client = peer(listener.port);
    await client.connected;
    client.write("hel");
    await until(() => counts.length > 0);
    client.write("lo world");
    expect(await done.promise).toEqual(["hello", "4", " wor", "ld", "undefined"]);
    expect(counts[counts.length - 1]).toBe(11);
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeGreaterThan(counts[i - 1]);
  });

  test("reading more than is readable, or nothing, throws; with nothing readable read returns undefined", async () => {
    const results = deferred<unknown[]>();
    const { listener } = serve(() => ({
      onReadable(this: TCP, count: number) {
        if (count < 3) return;
        const out: unknown[] = [];
        for (const attempt of [
          () => this.read(4),
          () => this.read(0),
          () => this.read(-1),
          () => (this.read as any)(new Uint8Array(4)),
        ]) {
          try {
            attempt();
            out.push("no error");
          } catch (error) {
            out.push((error as Error).name);
          }
        }
        out.push(text(this.read(3)));
        out.push(this.read(), (this.read as any)(new Uint8Array(1)), this.read(1));
        results.resolve(out);
      },
    }));
    const client = peer(listener.port);
    client.write("abc");
    expect(await results.promise).toEqual([
      "RangeError",
      "RangeError",
      "RangeError",
      "RangeError",
      "abc",
      undefined,
      undefined,
      undefined,
    ]);
  });

  test("read(buffer) fills a DataView or ArrayBuffer", async () => {
    const got = deferred<string>();
    const { listener } = serve(() => ({
      onReadable(this: TCP, count: number) {
        if (count < 6) return;
        const ab = new ArrayBuffer(2);
        (this.read as any)(ab);
        const dv = new DataView(new ArrayBuffer(8), 2, 4);
        (this.read as any)(dv);
        got.resolve(Buffer.from(ab).toString() + "|" + Buffer.from(dv.buffer, 2, 4).toString());
      },
    }));
    peer(listener.port).write("xyz123");
    expect(await got.promise).toBe("xy|z123");
  });

  test("bytes announced and left unread are not announced again; the next arrival reports them with the new ones", async () => {
    const counts: number[] = [];
    const { listener } = serve(() => ({
      onReadable(this: TCP, count: number) {
        counts.push(count);
        if (counts.length === 1) this.read(4); // leave 6 unread
      },
    }));
    const client = peer(listener.port);
    client.write("0123456789");
    await until(() => counts.length === 1);
    for (let i = 0; i < 20; i++) await nextTurn();
    expect(counts).toEqual([10]);
    client.write("abcde");
    await until(() => counts.length === 2);
    expect(counts).toEqual([10, 11]);
  });

  test('format "number" reads and writes single bytes', async () => {
    const got: number[] = [];
    const done = deferred();
    const { listener } = serve(() => ({
      format: "number",
      onReadable(this: TCP, count: number) {
        for (let i = 0; i < count; i++) got.push(this.read() as number);
        expect(this.read()).toBeUndefined();
        if (got.length === 3) {
          this.write(0x41);
          this.write(0x142); // only the low byte is written
          done.resolve();
        }
      },
    }));
    const client = peer(listener.port);
    client.write(Uint8Array.of(1, 2, 255));
    await done.promise;
    expect(got).toEqual([1, 2, 255]);
    await client.receivedAtLeast(2);
    expect([...Buffer.concat(client.chunks)]).toEqual([0x41, 0x42]);
  });

  test("a large upload is announced in windows no larger than the receive buffer and arrives intact", async () => {
    configureSockets({ readBuffer: 1000 });
    const payload = Buffer.alloc(200_000, 0);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31 + (i >> 8)) & 0xff;
    const received: Buffer[] = [];
    let total = 0;
    let largest = 0;
    const done = deferred();
    const { listener } = serve(() => ({
      onReadable(this: TCP, count: number) {
        largest = Math.max(largest, count);
        // consume what was announced, in uneven pieces
        while (count > 0) {
          const chunk = this.read(Math.min(count, 333)) as ArrayBuffer;
          count -= chunk.byteLength;
          received.push(Buffer.from(chunk));
          total += chunk.byteLength;
        }
        if (total === payload.length) done.resolve();
      },
    }));
    peer(listener.port).write(payload);
    await done.promise;
    expect(largest).toBeLessThanOrEqual(1000);
    expect(Buffer.concat(received).equals(payload)).toBe(true);
  });
});

describe("writing and backpressure", () => {
  test("onWritable announces the budget; writing beyond it throws; the budget comes back after a drain", async () => {
    configureSockets({ writeBuffer: 4096 });
    const budgets: number[] = [];
    const outcome = deferred<unknown[]>();
    const { listener } = serve(() => ({
      onWritable(this: TCP, count: number) {
        budgets.push(count);
        if (budgets.length === 1) {
          const out: unknown[] = [];
          try {
            this.write(new Uint8Array(count + 1));
            out.push("no error");
          } catch (error) {
            out.push(/would block/.test((error as Error).message));
          }
          out.push(this.write(new Uint8Array(count - 10)) as unknown); // returns the remaining budget
          try {
            this.write(new Uint8Array(11));
            out.push("no error");
          } catch (error) {
            out.push(/would block/.test((error as Error).message));
          }
          out.push(this.write(new Uint8Array(10)) as unknown);
          outcome.resolve(out);
        }
      },
    }));
    const client = peer(listener.port);
    expect(await outcome.promise).toEqual([true, 10, true, 0]);
    expect(budgets[0]).toBe(4096);
    await until(() => budgets.length >= 2);
    expect(budgets[1]).toBe(4096); // drained to the OS: full budget again
    await client.receivedAtLeast(4096);
    expect(client.received).toBe(4096);
  });

  test("a slow reader stalls the writer within its budget; onWritable resumes when the reader drains; nothing is lost", async () => {
    configureSockets({ writeBuffer: 16384 });
    const total = 48 * 1024 * 1024; // well beyond what loopback buffers hold while the reader is paused
    const pattern = (offset: number, length: number) => {
      const b = Buffer.allocUnsafe(length);
      for (let i = 0; i < length; i++) b[i] = ((offset + i) * 7 + ((offset + i) >> 13)) & 0xff;
      return b;
    };
    const expected = createHash("sha256");
    let written = 0;
    let writableCalls = 0;
    let lastReturned = -1;
    let overBudget = 0;
    const { listener } = serve(() => ({
      onWritable(this: TCP, budget: number) {
        writableCalls++;
        while (budget > 0 && written < total) {
          const n = Math.min(budget, 16384, total - written);
          if (n > budget) overBudget++;
          const chunk = pattern(written, n);
          expected.update(chunk);
          budget = this.write(chunk) as unknown as number;
          written += n;
          lastReturned = budget;
        }
      },
    }));
    const client = new Peer(listener.port);
    cleanups.push(() => client.destroy());
    await client.connected;
    client.socket.pause();
    // Stalled: the budget is used up and stays used up over several turns of the event loop (the OS accepts
    // nothing more), although the writer has much more to send.
    let still = 0;
    await until(() => {
      still = lastReturned === 0 && written < total ? still + 1 : 0;
      return still >= 50;
    });
    const stalledAt = written;
    const callsAtStall = writableCalls;
    expect(stalledAt).toBeLessThan(total);
    const got = createHash("sha256");
    client.socket.on("data", (chunk: Buffer) => got.update(chunk));
    client.chunks.length = 0;
    client.socket.resume();
    await client.receivedAtLeast(total);
    expect(writableCalls).toBeGreaterThan(callsAtStall);
    expect(written).toBe(total);
    expect(overBudget).toBe(0);
    expect(got.digest("hex")).toBe(expected.digest("hex"));
  }, 60_000);

  test("writes are copied: reusing the buffer after write does not change what is sent", async () => {
    const { listener } = serve(() => ({
      onWritable(this: TCP) {
        const b = bytes("first");
        this.write(b);
        b.set(bytes("XXXXX"));
        this.close();
      },
    }));
    const client = peer(listener.port);
    await client.closed;
    expect(client.text()).toBe("first");
  });

  test("the Linux-port profile: 1536-byte write budget and receive window", async () => {
    configureSockets({ profile: "lin" });
    expect(PROFILES.lin).toEqual({ writeBuffer: 1536, readBuffer: 1536, pollInterval: 20, linErrors: true });
    const budgets: number[] = [];
    const reads: number[] = [];
    let got = 0;
    const done = deferred();
    const { listener } = serve(() => ({
      onWritable(this: TCP, count: number) {
        budgets.push(count);
        if (budgets.length === 1) expect(() => this.write(new Uint8Array(1537))).toThrow(/would block/);
      },
      onReadable(this: TCP, count: number) {
        reads.push(count);
        got += (this.read() as ArrayBuffer).byteLength;
        if (got === 10_000) done.resolve();
      },
    }));
    peer(listener.port).write(Buffer.alloc(10_000, 1));
    await done.promise;
    expect(budgets[0]).toBe(1536);
    expect(Math.max(...reads)).toBeLessThanOrEqual(1536);
    expect(reads.length).toBeGreaterThanOrEqual(Math.ceil(10_000 / 1536));
  });
});

describe("errors and closing", () => {
  test("a peer that closes: its bytes are readable first, then onError, once", async () => {
    const events: string[] = [];
    const errored = deferred();
    const { listener, accepted } = serve(() => ({
      onReadable(this: TCP, count: number) {
        events.push(`readable ${count}`); // not read here
      },
      onError(this: TCP) {
        events.push("error");
        errored.resolve();
      },
    }));
    const client = peer(listener.port);
    client.socket.end("bye");
    const socket = await accepted;
    await client.closed; // the FIN has long reached the host socket
    await nextTurn();
    await nextTurn();
    expect(events).toEqual(["readable 3"]); // the error waits for the unread bytes
    events.push(`read ${text(socket.read())}`);
    await errored.promise;
    await nextTurn();
    expect(events).toEqual(["readable 3", "read bye", "error"]);
  });

  test("a peer reset gives onError; writes after it are ignored", async () => {
    const errored = deferred();
    let errors = 0;
    let writeOutcome = "";
    const { listener, accepted } = serve(() => ({
      onError(this: TCP) {
        errors++;
        try {
          this.write(bytes("late"));
          writeOutcome = "ignored";
        } catch (error) {
          writeOutcome = (error as Error).message;
        }
        errored.resolve();
      },
    }));
    const client = peer(listener.port);
    await client.connected;
    await accepted;
    client.socket.resetAndDestroy();
    await errored.promise;
    await nextTurn();
    expect(errors).toBe(1);
    expect(writeOutcome).toBe("ignored");
  });

  test("lin error model: a peer's FIN is not reported; the write after it returns undefined and the socket goes quiet, without onError", async () => {
    configureSockets({ profile: "lin" });
    const events: string[] = [];
    const first = deferred<TCP>();
    const later: Array<() => void> = [];
    const { listener } = serve(({ index }) => ({
      onReadable(this: TCP, count: number) {
        events.push(`${index} readable ${count}`);
        this.read();
        if (index === 0) first.resolve(this);
        else for (const f of later.splice(0)) f();
      },
      onWritable(this: TCP) {
        events.push(`${index} writable`);
      },
      onError(this: TCP) {
        events.push(`${index} error`);
      },
    }));
    const client = peer(listener.port);
    client.socket.end("request"); // the request, then FIN: both reach the host socket together
    const socket = await first.promise;
    const before = events.filter((e) => e.startsWith("0 "));
    expect(socket.write(bytes("response")) as unknown).toBeUndefined(); // the peer is gone: the write fails
    expect(socket.write(bytes("more")) as unknown).toBeUndefined();
    // a second connection's round trips on the same 20 ms poll grid: anything pending for the first is delivered by then
    const other = peer(listener.port);
    for (const word of ["a", "b", "c"]) {
      const seen = new Promise<void>((resolve) => later.push(resolve));
      other.write(word);
      await seen;
    }
    expect(before).not.toContain("0 error"); // the FIN alone was not reported
    expect(events.filter((e) => e.startsWith("0 "))).toEqual(before); // nothing after the failed write, no onError
    // a reset is reported, as the Linux port's read reports it
    const errored = until(() => events.includes("1 error"), { what: "the reset reported" });
    other.socket.resetAndDestroy();
    await errored;
  });

  test("close is idempotent; read and write throw after it; no callback follows it", async () => {
    let readables = 0;
    const closedInside = deferred<TCP>();
    const { listener } = serve(() => ({
      onReadable(this: TCP) {
        readables++;
        this.read();
        this.close();
        this.close();
        closedInside.resolve(this);
      },
      onError() {
        throw new Error("onError after close");
      },
    }));
    const client = peer(listener.port);
    client.write("one");
    const socket = await closedInside.promise;
    client.write("two"); // may arrive, or meet a closed socket: nothing may be delivered either way
    await client.closed;
    await nextTurn();
    await nextTurn();
    expect(readables).toBe(1);
    expect(() => socket.read()).toThrow(/closed/);
    expect(() => socket.write(bytes("x"))).toThrow(/closed/);
    expect(socket.remoteAddress).toBeUndefined();
  });

  test("close sends what was written, then FIN", async () => {
    const { listener } = serve(() => ({
      onWritable(this: TCP, count: number) {
        this.write(Buffer.alloc(Math.min(count, 5000), 0x61));
        this.close();
      },
    }));
    const client = peer(listener.port);
    await client.closed;
    expect(client.received).toBe(5000);
    expect(client.ended).toBe(true);
    expect(client.error).toBeUndefined();
  });

  test("closing with unread received bytes resets the connection, as a TCP stack does", async () => {
    const { listener, accepted } = serve(() => ({
      onReadable(this: TCP) {
        this.close(); // nothing read
      },
    }));
    const client = peer(listener.port);
    client.write("unread");
    await accepted;
    await client.closed;
    expect(client.error?.code).toBe("ECONNRESET");
  });

  test("callbacks never run inside read/write/close: always from a later turn", async () => {
    let inside = false;
    let violations = 0;
    const done = deferred();
    const guard = <T>(f: () => T): T => {
      inside = true;
      try {
        return f();
      } finally {
        inside = false;
      }
    };
    let writes = 0;
    const { listener } = serve(() => ({
      onReadable(this: TCP) {
        if (inside) violations++;
        guard(() => this.read());
        if (writes++ < 5) guard(() => this.write(bytes("echo")));
        else {
          guard(() => this.close());
          done.resolve();
        }
      },
      onWritable() {
        if (inside) violations++;
      },
      onError() {
        if (inside) violations++;
      },
    }));
    const client = peer(listener.port);
    client.socket.on("data", () => client.write("more"));
    client.write("go");
    await done.promise;
    expect(violations).toBe(0);
  });
});

describe("client sockets", () => {
  test("connects by address: onWritable first, then exchanges data; remote address and port", async () => {
    const server = net.createServer((s) => s.on("data", (d) => s.end(Buffer.from(d.toString().toUpperCase()))));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => server.close());
    const port = (server.address() as net.AddressInfo).port;
    const events: string[] = [];
    const done = deferred();
    const socket = new TCP({
      address: "127.0.0.1",
      port,
      nodelay: true,
      onWritable(count) {
        events.push(`writable ${count > 0}`);
        if (events.length === 1) this.write(bytes("hello"));
      },
      onReadable() {
        events.push(`read ${text(this.read())}`);
      },
      onError() {
        events.push("error");
        done.resolve();
      },
    });
    cleanups.push(() => socket.close());
    expect(() => socket.write(bytes("too early"))).toThrow(/not ready/);
    await done.promise;
    expect(events[0]).toBe("writable true");
    expect(events).toContain("read HELLO");
    expect(events[events.length - 1]).toBe("error"); // the server closed: the peer's FIN is an error
    expect(socket.remoteAddress).toBe("127.0.0.1");
    expect(socket.remotePort).toBe(port);
  });

  test("a refused connection gives onError", async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const errored = deferred();
    let writables = 0;
    const socket = new TCP({
      host: "127.0.0.1",
      port,
      onError: () => errored.resolve(),
      onWritable: () => void writables++,
    });
    cleanups.push(() => socket.close());
    await errored.promise;
    expect(writables).toBe(0);
  });

  test("target is kept; format can be switched at run time", async () => {
    const target = { name: "t" };
    const got = deferred<unknown[]>();
    const { listener } = serve(() => ({
      target,
      onReadable(this: TCP, count: number) {
        if (count < 3) return;
        this.format = "number";
        const first = this.read();
        this.format = "buffer";
        got.resolve([this.target, first, text(this.read()), this.format]);
      },
    }));
    const l = new Listener({ port: 0, target });
    l.close();
    expect(l.target).toBe(target);
    peer(listener.port).write("abc");
    expect(await got.promise).toEqual([target, 0x61, "bc", "buffer"]);
  });

  test("bad options throw at once", () => {
    expect(() => new TCP({ address: "127.0.0.1", port: 0 })).toThrow(RangeError);
    expect(() => new TCP({ address: "127.0.0.1", port: 70000 })).toThrow(RangeError);
    expect(() => new TCP({ port: 80 } as any)).toThrow(TypeError);
    expect(() => new TCP({ address: "127.0.0.1", port: 80, format: "string" } as any)).toThrow(RangeError);
    expect(() => new TCP({ address: "127.0.0.1", port: 80, onReadable: 5 } as any)).toThrow(TypeError);
    expect(() => new TCP({ from: {} } as any)).toThrow(TypeError);
  });
});
