/**
 * The floor under the whole-request figure: the same fake connection and driver as ./request.ts, answered by a
 * no-op "server" that reads the request and writes, from the same callback, the bytes the real server wrote for
 * the same request (captured in the warm-up), in writes of the same sizes, within the socket's budget. What this
 * costs per request is the fake sockets' and the driver's share of the whole-request figure (plus the least any
 * server does: its callbacks are called, it reads once and writes as often as the real one).
 */
import TCP from "../platform/tcp";
import { Pending } from "../platform/net";
import type { FakeSocket } from "../platform/net";
import { SIZE, requestBuffer } from "./request";
import type { Client } from "./request";

export function replayClient(parts: Uint8Array[]): Client {
  const request = requestBuffer();
  const total = parts.length;
  const sizes = parts.map((p) => p.length);
  let next = total; // index of the next part to write; total = idle
  let writable = 0;
  let socket: FakeSocket;
  function pump(): void {
    while (next < total && sizes[next] <= writable) {
      writable -= sizes[next];
      socket.write(parts[next++]);
    }
  }
  function respond(): void {
    next = 0;
    pump();
  }
  socket = new TCP({
    from: new Pending(),
    onReadable(bytes: number) {
      socket.read(bytes);
      respond();
    },
    onWritable(bytes: number) {
      writable = bytes;
      pump();
    },
  });
  let left = 0;
  let finished: (bytes: number) => void = () => {};
  socket.onResponse = (n: number) => {
    if (--left > 0) socket.send(request, SIZE);
    else finished(n);
  };
  return {
    socket,
    run(count: number, done: (bytes: number) => void) {
      left = count;
      finished = done;
      socket.send(request, SIZE);
    },
  };
}
