// Runs a child process with a time limit and collects its output (used by the XS lane and the XS cost benchmark).
import { spawn } from "node:child_process";

/** Resolves with { code, signal, timedOut, stdout (Buffer), stderr (string), ms }; killed after timeoutMs. */
export function runProcess(cmd, args, cwd, timeoutMs) {
  return new Promise((done) => {
    const t0 = Date.now();
    const child = spawn(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    const out = [];
    const err = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.stdout.on("data", (d) => out.push(d));
    child.stderr.on("data", (d) => err.push(d));
    child.on("error", (e) => err.push(Buffer.from(String(e))));
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      done({
        code,
        signal,
        timedOut,
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err).toString("utf8"),
        ms: Date.now() - t0,
      });
    });
  });
}
