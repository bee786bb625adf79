// Support for the interop lane: run the real Prometheus tools (promtool, prometheus, wrk, Python's prometheus_client)
// as child processes on 127.0.0.1, bounded in time, and clean them all up.
// The lane installs nothing: .ci/run does (apt-get install prometheus wrk python3-prometheus-client ...). A missing tool
// fails with a message that says which Debian package provides it.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { request } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Signal, until } from "../../support/wait";

export const REPO_ROOT = resolve(__dirname, "../../..");
/** Debian's python3 (with python3-prometheus-client), not whatever python3 comes first on PATH. */
export const PYTHON = "/usr/bin/python3";
const PARSE_SCRIPT = join(__dirname, "parse_exposition.py");

const INSTALL_HINT =
  "(.ci/run installs it: apt-get install -y prometheus prometheus-pushgateway wrk python3-prometheus-client)";

/**
 * Runs `cmd versionArgs` and returns its first output line, or throws a clear error naming the Debian package.
 * `versionOutput`: for tools whose version option exits non-zero (wrk -v exits 1), the output that proves it works.
 */
export function requireTool(cmd: string, versionArgs: string[], debianPackage: string, versionOutput?: RegExp): string {
  const r = spawnSync(cmd, versionArgs, { encoding: "utf8", timeout: 15000 });
  const ok = versionOutput ? versionOutput.test((r.stdout || "") + (r.stderr || "")) : r.status === 0;
  if (r.error || !ok) {
    const why = r.error ? r.error.message : `exit ${r.status}: ${(r.stderr || r.stdout).trim()}`;
    throw new Error(
      `interop lane: '${cmd}' is not usable (${why}). Install Debian package '${debianPackage}' ${INSTALL_HINT}`,
    );
  }
  return ((r.stdout || "") + (r.stderr || "")).trim().split("\n")[0];
}

export function requirePythonClient(): string {
  return requireTool(
    PYTHON,
    [
      "-c",
      "import prometheus_client, sys; print('prometheus_client', prometheus_client.__file__, 'python', sys.version.split()[0])",
    ],
    "python3-prometheus-client",
  );
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export { freePort } from "../../support/net";

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion with optional stdin, killed after timeoutMs. */
export function run(
  cmd: string,
  args: string[],
  opts: { input?: string; timeoutMs?: number; cwd?: string } = {},
): Promise<RunResult> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? REPO_ROOT, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "",
      stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
    }, opts.timeoutMs ?? 30000);
    child.once("error", (e) => {
      clearTimeout(timer);
      rej(e);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      res({ code, signal, stdout, stderr });
    });
    child.stdin.on("error", () => {
      /* the tool may exit before reading everything; its exit status tells */
    });
    child.stdin.end(opts.input ?? "");
  });
}

/** `promtool check metrics` on a text exposition (stdin). Clean = exit 0 and no output at all. */
export async function promtoolCheckMetrics(text: string): Promise<RunResult> {
  return run("promtool", ["check", "metrics"], { input: text, timeoutMs: 30000 });
}

export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: string;
  timestamp: string | null;
}
export interface ParsedFamily {
  name: string;
  type: string;
  documentation: string;
  unit: string;
  samples: ParsedSample[];
}

/** Parses with prometheus_client's own parser (Debian's /usr/bin/python3). Throws with the parser's message on error. */
export async function pythonParse(text: string, format: "0.0.4" | "openmetrics"): Promise<ParsedFamily[]> {
  const r = await run(PYTHON, [PARSE_SCRIPT, format], { input: text, timeoutMs: 30000 });
  let out: { families?: ParsedFamily[]; error?: string };
  try {
    out = JSON.parse(r.stdout);
  } catch {
    throw new Error(`python parser (${format}) crashed: exit ${r.code}\n${r.stderr}`);
  }
  if (out.error !== undefined || !out.families)
    throw new Error(`prometheus_client ${format} parser rejected the render: ${out.error}`);
  return out.families;
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function httpGet(url: string, headers: Record<string, string> = {}, timeoutMs = 5000): Promise<HttpResult> {
  return new Promise((res, rej) => {
    const req = request(url, { method: "GET", headers, agent: false, timeout: timeoutMs }, (resp) => {
      let body = "";
      resp.setEncoding("utf8");
      resp.on("data", (d: string) => {
        body += d;
      });
      resp.on("end", () => res({ status: resp.statusCode ?? 0, headers: resp.headers, body }));
      resp.on("error", rej);
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${url}: no answer within ${timeoutMs} ms`)));
    req.on("error", rej);
    req.end();
  });
}

/**
 * Polls `probe` (an API call that observes state, e.g. Prometheus's query API) every intervalMs until it returns a
 * value other than undefined, or fails after timeoutMs with the last observation in the message.
 */
export async function pollUntil<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = "(no observation yet)";
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
      last = "condition not met";
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    if (Date.now() >= deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${String(last)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A long-running child process in its own process group (so `npm start`'s grandchildren die with it). */
export class Proc {
  readonly child: ChildProcess;
  output = "";
  exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private printed = new Signal();
  private exitPromise: Promise<void>;

  constructor(
    readonly name: string,
    cmd: string,
    args: string[],
    opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
  ) {
    this.child = spawn(cmd, args, {
      cwd: opts.cwd ?? REPO_ROOT,
      env: opts.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    live.add(this);
    const onData = (d: string) => {
      this.output += d;
      if (this.output.length > 1_000_000) this.output = this.output.slice(-500_000);
      this.printed.notify();
    };
    this.child.stdout!.setEncoding("utf8").on("data", onData);
    this.child.stderr!.setEncoding("utf8").on("data", onData);
    this.exitPromise = new Promise((res) => {
      const done = (code: number | null, signal: NodeJS.Signals | null) => {
        if (!this.exited) this.exited = { code, signal };
        live.delete(this);
        this.printed.end(new Error(`${this.name} exited (code ${String(code)}, signal ${String(signal)}) first`));
        res();
      };
      this.child.once("exit", done);
      this.child.once("error", (e) => {
        this.output += `\n[spawn error] ${e.message}\n`;
        done(null, null);
      });
    });
  }

  /** Resolves with the first match of `pattern` in the output; rejects if the process exits first or on timeout. */
  async waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    let m: RegExpMatchArray | null = null;
    await until(() => (m = this.output.match(pattern)) !== null, {
      on: this.printed,
      what: `${this.name} printing ${pattern}`,
      timeoutMs,
      detail: () => `Output:\n${this.tail()}`,
    });
    return m!;
  }

  tail(chars = 4000): string {
    return this.output.length > chars ? "..." + this.output.slice(-chars) : this.output;
  }

  /** SIGTERM to the whole group, SIGKILL if it has not exited after graceMs. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.exited) return;
    const pid = this.child.pid;
    if (pid === undefined) return;
    const signalGroup = (sig: NodeJS.Signals) => {
      try {
        process.kill(-pid, sig);
      } catch {
        /* already gone */
      }
    };
    signalGroup("SIGTERM");
    const timer = setTimeout(() => signalGroup("SIGKILL"), graceMs);
    await this.exitPromise;
    clearTimeout(timer);
    signalGroup("SIGKILL"); // grandchildren that ignored SIGTERM after their parent left
  }
}

const live = new Set<Proc>();
/** Safety net: if jest dies before afterAll, no group is left behind. */
process.once("exit", () => {
  for (const p of live) {
    if (p.child.pid !== undefined) {
      try {
        process.kill(-p.child.pid, "SIGKILL");
      } catch {
        /* gone */
      }
    }
  }
});

export interface WrkResult {
  requests: number;
  seconds: number;
  non2xx3xx: number;
  socketErrors: { connect: number; read: number; write: number; timeout: number };
  requestsPerSec: number;
  raw: string;
}

/**
 * Loads `url` (127.0.0.1 only) with wrk for a bounded time and parses its summary. wrk prints the
 * "Non-2xx or 3xx responses" and "Socket errors" lines only when they are non-zero.
 */
export async function wrk(
  url: string,
  opts: { threads?: number; connections?: number; seconds?: number; headers?: string[] } = {},
): Promise<WrkResult> {
  if (!/^http:\/\/127\.0\.0\.1:\d+\//.test(url)) throw new Error(`wrk only against 127.0.0.1, not ${url}`);
  const seconds = opts.seconds ?? 3;
  const args = [`-t${opts.threads ?? 1}`, `-c${opts.connections ?? 16}`, `-d${seconds}s`, "--timeout", "2s"];
  for (const h of opts.headers ?? []) args.push("-H", h);
  args.push(url);
  const r = await run("wrk", args, { timeoutMs: (seconds + 15) * 1000 });
  const raw = r.stdout + r.stderr;
  const m = raw.match(/(\d+) requests in ([\d.]+)(ms|s|m)/);
  if (r.code !== 0 || !m) throw new Error(`wrk failed (exit ${r.code}):\n${raw}`);
  const se = raw.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  const non = raw.match(/Non-2xx or 3xx responses: (\d+)/);
  const rps = raw.match(/Requests\/sec:\s+([\d.]+)/);
  const unit = m[3] === "ms" ? 0.001 : m[3] === "m" ? 60 : 1;
  return {
    requests: Number(m[1]),
    seconds: Number(m[2]) * unit,
    non2xx3xx: non ? Number(non[1]) : 0,
    socketErrors: se
      ? { connect: Number(se[1]), read: Number(se[2]), write: Number(se[3]), timeout: Number(se[4]) }
      : { connect: 0, read: 0, write: 0, timeout: 0 },
    requestsPerSec: rps ? Number(rps[1]) : 0,
    raw,
  };
}
