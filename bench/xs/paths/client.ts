/**
 * One round of the remote-write client (modules/push/remote-write-client.ts) as the device runs it: collect, every
 * sample stamped and written as a snappy block, queued in the store-and-forward buffer, sent (the forwarder's send
 * timer run by the bench) through a fake transport that answers 204 at once. Clock: synchronized, 15 s per round.
 * (The only code of the bench that calls the push client: adapt it here when its API changes.)
 */
import { runDue } from "../platform/timer";
import { RemoteWriteClient } from "../api";
import type { Registry } from "../api";

export interface ClientBench {
  round(): Promise<void>;
  /** bytes of the last request body */
  body(): number;
  sent(): number;
}

export function remoteWriteClient(registry: Registry): ClientBench {
  let body = 0;
  let t = 1_700_000_000_000;
  const client = new RemoteWriteClient({
    url: { scheme: "http", host: "127.0.0.1", port: 9090, path: "/api/v1/write" },
    interval: 15000,
    labels: { instance: "esp32-poe", job: "esp32-poe" },
    bufferBytes: 16384,
    registry,
    transport: {
      request(req, done) {
        body = (req.body as Uint8Array).length;
        done({ status: 204 });
      },
      abort() {},
    },
    clock: { now: () => (t += 15000), synchronized: true },
  });
  client.start();
  return {
    async round() {
      client.round();
      await undefined; // the round's collect settles
      runDue(); // the forwarder's send
    },
    body: () => body,
    sent: () => client.stats.samplesSent,
  };
}
