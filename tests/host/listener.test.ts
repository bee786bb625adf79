/** embedded:io/socket/listener on the host, over real TCP on 127.0.0.1. */
import * as net from "node:net";
import Listener from "embedded:io/socket/listener";
import TCP from "embedded:io/socket/tcp";
import { MAX_PENDING } from "../../host/io/listener";
import { Peer, bytes, deferred, text } from "./helpers";
import { nextTurn, until } from "../support/wait";

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});
function track<T extends { close(): void } | { destroy(): void }>(thing: T): T {
  cleanups.push(() => ("close" in thing ? thing.close() : thing.destroy()));
  return thing;
}

test("binds synchronously: port 0 gives a bound port at once; onReadable counts pending connections", async () => {
  const counts: number[] = [];
  const listener = track(new Listener({ port: 0, onReadable: (n) => void counts.push(n) }));
  expect(listener.port).toBeGreaterThan(0);
  expect(listener.format).toBe("socket/tcp");
  const peers = [1, 2, 3].map(() => track(new Peer(listener.port)));
  await Promise.all(peers.map((p) => p.connected));
  await until(() => counts.length > 0 && counts[counts.length - 1] === 3);
  for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeGreaterThan(counts[i - 1]);
  const first = listener.read();
  expect(first).toBeInstanceOf(TCP);
  first!.close();
  listener.read()!.close();
  listener.read()!.close();
  expect(listener.read()).toBeUndefined();
});

test("many pending connections: each is adopted with new TCP({from}) and served, in arrival order", async () => {
  const N = 40;
  const served: string[] = [];
  const sockets: TCP[] = [];
  const listener = track(
    new Listener({
      port: 0,
      onReadable(count) {
        if (count < N) return; // let them queue up
        for (let pending = this.read(); pending; pending = this.read()) {
          const socket: TCP = new TCP({
            from: pending,
            onReadable() {
              const name = text(this.read());
              served.push(name);
              this.write(bytes(`hi ${name}`));
            },
          });
          expect(pending.closed).toBe(true); // adoption closes the pending instance
          sockets.push(socket);
        }
      },
    }),
  );
  cleanups.push(() => {
    for (const s of sockets) s.close();
  });
  const peers: Peer[] = [];
  for (let i = 0; i < N; i++) {
    const peer = track(new Peer(listener.port));
    peers.push(peer);
    await peer.connected; // connect in a known order
    peer.write(`p${i}`); // written before the server has accepted: waits in the OS
  }
  await Promise.all(peers.map((p, i) => p.receivedAtLeast(`hi p${i}`.length)));
  for (const [i, p] of peers.entries()) expect(p.text()).toBe(`hi p${i}`);
  expect(sockets.map((s) => s.remotePort)).toEqual(peers.map((p) => p.socket.localPort));
  expect(new Set(served).size).toBe(N);
});

test("a connection that resets while pending reports onError once adopted", async () => {
  let announced = 0;
  const listener = track(new Listener({ port: 0, onReadable: (n) => void (announced = n) }));
  const peer = new Peer(listener.port);
  await peer.connected;
  await until(() => announced === 1);
  const pending = listener.read()!;
  peer.socket.resetAndDestroy();
  await peer.closed;
  await nextTurn();
  const errored = deferred();
  let readables = 0;
  const socket = new TCP({ from: pending, onError: () => errored.resolve(), onReadable: () => void readables++ });
  cleanups.push(() => socket.close());
  await errored.promise;
  expect(readables).toBe(0);
});

test("a port in use throws from the constructor with the system error code", () => {
  const first = track(new Listener({ port: 0 }));
  let error: (Error & { code?: string }) | undefined;
  try {
    track(new Listener({ port: first.port }));
  } catch (e) {
    error = e as Error & { code?: string };
  }
  expect(error?.code).toBe("EADDRINUSE");
  expect(error?.message).toMatch(String(first.port));
});

test("bad options throw: port, format, address, onReadable", () => {
  expect(() => new Listener({ port: -1 })).toThrow(RangeError);
  expect(() => new Listener({ port: 65536 })).toThrow(RangeError);
  expect(() => new Listener({ port: 0, format: "buffer" as any })).toThrow(RangeError);
  expect(() => new Listener({ port: 0, address: "not an address" })).toThrow(TypeError);
  expect(() => new Listener({ port: 0, onReadable: 1 as any })).toThrow(TypeError);
});

test("binds 127.0.0.1 when no address is given", async () => {
  const listener = track(new Listener({ port: 0 }));
  const probe = net.connect({ host: "127.0.0.1", port: listener.port });
  track(probe);
  await new Promise<void>((resolve, reject) => {
    probe.once("connect", () => resolve());
    probe.once("error", reject);
  });
  await until(() => {
    const pending = listener.read();
    if (pending) {
      expect(pending.remoteAddress).toBe("127.0.0.1");
      pending.close();
    }
    return pending !== undefined;
  });
});

test("close is idempotent, closes waiting connections, stops accepting, and read throws after it", async () => {
  let readables = 0;
  const listener = new Listener({ port: 0, onReadable: () => void readables++ });
  const port = listener.port;
  const peer = track(new Peer(port));
  await peer.connected;
  await until(() => readables > 0);
  listener.close();
  listener.close();
  await peer.closed; // the waiting connection was closed
  expect(() => listener.read()).toThrow(/closed/);
  const refused = deferred<string | undefined>();
  net.connect({ host: "127.0.0.1", port }).on("error", (e: Error & { code?: string }) => refused.resolve(e.code));
  expect(await refused.promise).toBe("ECONNREFUSED");
  await nextTurn();
  expect(readables).toBe(1);
});

test(`at most ${MAX_PENDING} connections wait; more are reset`, async () => {
  let last = 0;
  const listener = track(new Listener({ port: 0, onReadable: (n) => void (last = n) }));
  const peers: Peer[] = [];
  for (let i = 0; i < MAX_PENDING + 5; i++) peers.push(track(new Peer(listener.port)));
  await until(() => last === MAX_PENDING && peers.filter((p) => p.error).length === 5);
  expect(peers.filter((p) => p.error?.code === "ECONNRESET")).toHaveLength(5);
  for (let pending = listener.read(); pending; pending = listener.read()) pending.close();
});

describe("without node's synchronous bind (fallback to net.Server's asynchronous listen)", () => {
  let spy: jest.SpyInstance;
  beforeEach(() => {
    spy = jest.spyOn(process as any, "binding").mockImplementation(() => {
      throw new Error("no process.binding");
    });
  });
  afterEach(() => spy.mockRestore());

  test("the listener still accepts; its port is known once listening", async () => {
    let announced = 0;
    const listener = track(new Listener({ port: 0, onReadable: (n) => void (announced = n) }));
    expect(spy).toHaveBeenCalled();
    await until(() => listener.port > 0);
    const peer = track(new Peer(listener.port));
    await peer.connected;
    await until(() => announced === 1);
    listener.read()!.close();
  });

  test("a bind failure is reported through onError", async () => {
    const first = track(new Listener({ port: 0 }));
    await until(() => first.port > 0);
    const failed = deferred();
    track(new Listener({ port: first.port, onError: () => failed.resolve() }));
    await failed.promise;
  });
});
