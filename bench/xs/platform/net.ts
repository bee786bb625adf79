/**
 * The fake network of the XS cost benchmark: one client connection to the server under test, driven by the bench
 * (bench/xs/paths/request.ts) through the stand-ins for `embedded:io/socket/listener` (./listener.ts) and
 * `embedded:io/socket/tcp` (./tcp.ts), which the bundle uses instead of the platform's modules.
 *
 * Behaves like a Moddable socket where it matters to the server: callbacks are delivered from a later turn of the
 * event loop (xsnap's setImmediate: a macrotask, after the promise jobs, as a device's socket callbacks), readable
 * before writable, `this` being the socket; the writable budget is BUDGET bytes per turn (Moddable's sockets write at
 * most 1536 bytes at once), announced with onWritable when the connection is adopted and after each turn in which
 * something was written; writing more than the budget throws.
 *
 * It is inside the measured difference, so it is cheap (on XS a promise hop costs ~6 400 instructions, a
 * setImmediate turn ~1 600, reading one element of a Uint8Array ~700): it counts bytes, and looks at the last 5
 * bytes of a write (for the final chunk "0\r\n\r\n" of a chunked response) only when it can be the last one:
 * always during the warm-up (`expect` = 0), afterwards only when the count reaches the size of the warm-up's
 * response (the bench sets `expect`; every response of a scenario has the same size, and a response that ends
 * elsewhere is reported). No per-byte loop over a response; copies of the written bytes only while `capture` is set.
 */
export const BUDGET = 1536;
const END = 0x300d0a0d0a; // "0\r\n\r\n" as a 40-bit number
const LOW32 = 0x100000000;

const resolved = Promise.resolve();
const immediate = (globalThis as unknown as { setImmediate?: (f: () => void) => void }).setImmediate;
function promiseJob(f: () => void): void {
  resolved.then(f);
}
/** runs f from a later turn: xsnap's setImmediate, else (elsewhere) a promise job */
export const later: (f: () => void) => void = immediate !== undefined ? immediate : promiseJob;

/** The listener the server created (the last one), and the connection it adopted. */
export const net: {
  listener: FakeListenerLike | undefined;
  socket: FakeSocket | undefined;
  /** called once the server has adopted the connection (from TCP's constructor) */
  onAdopted: ((socket: FakeSocket) => void) | undefined;
} = { listener: undefined, socket: undefined, onAdopted: undefined };

export interface FakeListenerLike {
  /** a client connects: the connection waits in the listener's queue and onReadable(1) is delivered */
  connect(): void;
}

/** What `Listener.prototype.read()` returns: a connection not adopted yet. */
export class Pending {
  close(): void {}
}

type Callback = (bytes: number) => void;

// what the next turn delivers (FakeSocket.pending)
const READABLE = 1;
const WRITABLE = 2;
const DONE = 4;

export class FakeSocket {
  // XS finds a property by walking the object's property list: the fields used on every write come first
  writable = 0;
  /** bytes of the current response written so far */
  written = 0;
  /** size of every response (the warm-up's), 0 = not known yet: then the tail of every write is looked at */
  expect = 0;
  /** what the next turn delivers (READABLE | WRITABLE | DONE); 0 when no turn is scheduled */
  pending = WRITABLE; // the budget is announced when the connection is adopted
  /** copies of the writes while set (warm-up only) */
  capture: Uint8Array[] | null = null;
  closed = false;
  readonly turn: () => void;
  onWritable: Callback | undefined;
  onReadable: Callback | undefined;
  readable = 0;
  /** the bytes the client sent, not read yet */
  request: ArrayBuffer | undefined = undefined;
  tail = 0;
  /** the bench's callback when a response is complete (its size in bytes) */
  onResponse: (bytes: number) => void = ignore;

  /** ECMA-419: the `target` option becomes the instance's `target` */
  target: unknown;

  constructor(options: { onReadable?: Callback; onWritable?: Callback; target?: unknown }) {
    this.target = options.target;
    this.turn = () => {
      this.deliver();
    };
    this.onWritable = options.onWritable;
    this.onReadable = options.onReadable;
    later(this.turn);
  }

  deliver(): void {
    const p = this.pending;
    this.pending = 0;
    if (this.closed) return;
    if (p & READABLE) {
      if (this.onReadable) this.onReadable(this.readable); // a method call: `this` is the socket
    }
    if (p & WRITABLE) {
      this.writable = BUDGET;
      if (this.onWritable) this.onWritable(BUDGET);
    }
    if (p & DONE) {
      const bytes = this.written;
      this.written = 0;
      this.onResponse(bytes);
    }
  }

  /** the client sends `request` of `bytes` bytes (the same buffer may be sent again: the server only reads it) */
  send(request: ArrayBuffer, bytes: number): void {
    this.request = request;
    this.readable = bytes;
    const p = this.pending;
    if (p === 0) later(this.turn);
    this.pending = p | READABLE;
  }

  read(count?: number): ArrayBuffer | undefined {
    if (this.closed) throw new Error("fake tcp: read after close");
    const r = this.request;
    const readable = this.readable;
    if (r === undefined || readable === 0) return undefined;
    if (count === undefined || count === readable) {
      this.request = undefined;
      this.readable = 0;
      return r;
    }
    if (count > readable || count <= 0)
      throw new Error("fake tcp: read(" + String(count) + ") with " + String(readable) + " readable");
    // a partial read (the server reads at most 512 bytes at once; the bench's request is shorter)
    const part = r.slice(r.byteLength - readable, r.byteLength - readable + count);
    this.readable = readable - count;
    if (readable === count) this.request = undefined;
    return part;
  }

  write(data: Uint8Array): number {
    const n = data.length;
    const writable = this.writable; // -1 once closed
    if (n > writable)
      throw new Error(
        this.closed
          ? "fake tcp: write after close"
          : "fake tcp: write of " + String(n) + " bytes would block (budget " + String(writable) + ")",
      );
    this.writable = writable - n;
    const written = this.written + n;
    this.written = written;
    const expect = this.expect;
    let p = this.pending;
    if (p === 0) later(this.turn);
    p |= WRITABLE;
    if (expect === 0) {
      // warm-up: copies if asked; follow the last 5 bytes written (a final chunk may be split across writes)
      if (this.capture !== null) this.capture.push(data.slice());
      let tail = this.tail;
      if (n >= 5)
        tail = (((data[n - 5] * 256 + data[n - 4]) * 256 + data[n - 3]) * 256 + data[n - 2]) * 256 + data[n - 1];
      else for (let i = 0; i < n; i++) tail = (tail % LOW32) * 256 + data[i];
      this.tail = tail;
      if (tail === END) {
        p |= DONE;
        this.tail = 0;
      }
    } else if (written >= expect) {
      // the size of the warm-up's response: this write must end with (the end of) "0\r\n\r\n"
      let tail = 0;
      let want = END;
      if (n >= 5)
        tail = (((data[n - 5] * 256 + data[n - 4]) * 256 + data[n - 3]) * 256 + data[n - 2]) * 256 + data[n - 1];
      else {
        for (let i = 0; i < n; i++) tail = tail * 256 + data[i];
        want = END % Math.pow(256, n);
      }
      if (written !== expect) fail("a response longer than the warm-up's (" + String(expect) + " bytes)");
      else if (tail !== want)
        fail("a response of " + String(expect) + " bytes (as the warm-up's) that does not end with the final chunk");
      else p |= DONE;
    }
    this.pending = p;
    return writable - n;
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.writable = -1;
    fail("the server closed the connection");
  }
}

function ignore(): void {}

/**
 * A failure of the bench itself (not of the code measured): printed at once (the server swallows exceptions from
 * its socket calls); the run then stops without its result line and bench/xs/run.mjs reports the BENCH-FAIL lines.
 */
export function fail(why: string): void {
  (globalThis as unknown as { print(s: string): void }).print("BENCH-FAIL " + why);
}
