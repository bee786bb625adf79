/**
 * The Node loader behind `npm start` (node --import tsx/esm --import ./host/register.mjs <main>): device code imports
 * the host modules by their Moddable specifiers and its own TypeScript modules relatively without extensions.
 */
import { spawn } from "node:child_process";
import * as net from "node:net";
import * as path from "node:path";
import { createInterface } from "node:readline";
import { Signal, until } from "../support/wait";

const root = path.resolve(__dirname, "..", "..");

function run(args: string[], env: Record<string, string> = {}) {
  const child = spawn(
    process.execPath,
    ["--import", "tsx/esm", "--import", "./host/register.mjs", "tests/host/fixtures/main.ts", ...args],
    {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const lines = createInterface({ input: child.stdout });
  const printed: string[] = [];
  let taken = 0;
  const output = new Signal();
  lines.on("line", (line) => {
    printed.push(line);
    output.notify();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      output.end(new Error(`exited before printing; stderr:\n${stderr}`));
      resolve(code);
    }),
  );
  return {
    child,
    exited,
    stderr: () => stderr,
    line: async () => {
      const index = taken++;
      await until(() => printed.length > index, { on: output, what: "a line" });
      return printed[index];
    },
  };
}

async function exchange(port: number, message: string): Promise<string> {
  const socket = net.connect({ host: "127.0.0.1", port });
  socket.on("connect", () => socket.write(message));
  let reply = "";
  socket.on("data", (d) => (reply += d));
  await new Promise((resolve) => socket.on("close", resolve));
  return reply;
}

test("main runs under the loader: specifiers mapped, extensionless TS import, config override from argv", async () => {
  const app = run(["port=0"]);
  try {
    const info = JSON.parse(await app.line());
    expect(info).toMatchObject({ configPort: "0", frozen: true, heap: "number" });
    expect(info.port).toBeGreaterThan(0);
    expect(await exchange(info.port, "loader")).toBe("hello loader");
    expect(await app.line()).toBe("done");
    expect(await app.exited).toBe(0); // nothing left running: the listener and socket closed, the timer fired
  } finally {
    app.child.kill();
  }
}, 30_000);

test("PORT overrides the manifest's port, as a string", async () => {
  const app = run([], { PORT: "0", MC_MANIFEST: path.join(__dirname, "fixtures", "manifests", "manifest.json") });
  try {
    const info = JSON.parse(await app.line());
    expect(info.configPort).toBe("0");
    expect(await exchange(info.port, "port")).toBe("hello port");
    expect(await app.exited).toBe(0);
  } finally {
    app.child.kill();
  }
}, 30_000);

test("a listener that cannot bind stops start-up with a clear EADDRINUSE error", async () => {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const busy = (probe.address() as net.AddressInfo).port;
  // MC_CONFIG_port points at a port in use: the Listener constructor must throw EADDRINUSE synchronously
  const app = run([], { MC_CONFIG_port: String(busy) });
  try {
    expect(await app.exited).not.toBe(0);
    expect(app.stderr()).toMatch(/EADDRINUSE/);
    expect(app.stderr()).toMatch(String(busy));
  } finally {
    app.child.kill();
    probe.close();
  }
}, 30_000);

test("a bad host socket setting stops start-up with a clear message", async () => {
  const app = run(["port=0"], { HOST_SOCKET_PROFILE: "esp8266" });
  try {
    expect(await app.exited).not.toBe(0);
    expect(app.stderr()).toMatch(/HOST_SOCKET_PROFILE=esp8266: expected one of esp32, lin/);
  } finally {
    app.child.kill();
  }
}, 30_000);
