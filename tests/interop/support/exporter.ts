// `npm start` (the exporter on the host platform) as a child process on a free port.
import { freePort, httpGet, pollUntil, Proc } from "./tools";

export interface Exporter {
  proc: Proc;
  port: number;
  url: string;
  metricsUrl: string;
  stop(): Promise<void>;
}

/** URL line that `npm start` prints once it listens, e.g. "... http://127.0.0.1:9100/metrics". */
const URL_LINE = /http:\/\/(?:127\.0\.0\.1|localhost):(\d+)(\/[^\s"'<>]*)?/;

/**
 * Starts `npm start` with PORT=<free port> (plus `env`), waits for the URL line it prints, then until GET on the
 * metrics path answers `readyStatus` (200; 401 when auth is configured).
 */
export async function startExporter(
  env: Record<string, string> = {},
  timeoutMs = 45000,
  readyStatus = 200,
): Promise<Exporter> {
  const port = await freePort();
  const proc = new Proc("npm start", "npm", ["start", "--silent"], {
    env: { ...process.env, ...env, PORT: String(port), NO_COLOR: "1", FORCE_COLOR: "0" },
  });
  const stop = () => proc.stop();
  try {
    const m = await proc.waitFor(URL_LINE, timeoutMs);
    if (Number(m[1]) !== port) {
      throw new Error(`npm start printed ${m[0]} but PORT=${port} was set. Output:\n${proc.tail()}`);
    }
    const path = m[2] && m[2] !== "/" ? m[2] : "/metrics";
    const url = `http://127.0.0.1:${port}`;
    const metricsUrl = url + path;
    // The URL line may be printed just before the socket is bound: wait (bounded) until /metrics answers 200.
    await pollUntil(
      `GET ${metricsUrl} == ${readyStatus}`,
      async () => {
        if (proc.exited) throw new Error(`npm start exited: ${JSON.stringify(proc.exited)}\n${proc.tail()}`);
        return (await httpGet(metricsUrl, {}, 2000)).status === readyStatus ? true : undefined;
      },
      10000,
      100,
    );
    return { proc, port, url, metricsUrl, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
