/**
 * main.ts itself on the host platform (host/modules.json: network-monitor = host/network.ts, always up on 127.0.0.1;
 * simulated I2C chips): it starts, serves its metrics over real TCP with sensor and device series, and stops cleanly.
 * Its configuration comes from manifest.json through host/mc-config.ts, with the port overridden as
 * `mcconfig port=<n>` would (MC_CONFIG_port, a string).
 */
import { spawn } from "node:child_process";
import * as http from "node:http";
import * as path from "node:path";
import { freePort, httpGet as get } from "../support/net";
import { Signal, until } from "../support/wait";

const TOKEN = "tok-SECRET-0123456789";
const PASSWORD = "pw-SECRET-9876";

describe("main.ts on the host platform", () => {
  const lines: string[] = [];
  const logged = new Signal();
  const logShows = (predicate: () => boolean, what: string) => until(predicate, { on: logged, what });
  let main: { stop(): void } | undefined;
  const saved = process.env.MC_CONFIG_port;

  beforeAll(() => {
    jest.spyOn(console, "log").mockImplementation((line: unknown) => {
      lines.push(String(line));
      logged.notify();
    });
  });

  afterAll(() => {
    main?.stop();
    if (saved === undefined) delete process.env.MC_CONFIG_port;
    else process.env.MC_CONFIG_port = saved;
    jest.restoreAllMocks();
  });

  test("starts, logs each step, serves sensor and device metrics, stops", async () => {
    const port = await freePort();
    process.env.MC_CONFIG_port = String(port);
    jest.isolateModules(() => {
      main = require("../../main");
    });
    await logShows(() => lines.some((l) => l.startsWith("listening: ")), "'listening'");
    expect(lines).toContain(`listening: http://127.0.0.1:${String(port)}/metrics`);
    expect(lines[0]).toMatch(/^starting .* exporter 0\.1\.0: port \d+, path \/metrics, hostname esp32-poe$/);
    expect(lines).toContain("network: link up, address 127.0.0.1");

    // sensors report once their first reads complete (simulated chips, real conversion times)
    await logShows(
      () => lines.filter((l) => / up$/.test(l) && l.startsWith("sensor ")).length === 2,
      "'sensor ... up' for both sensors",
    );
    const res = await get(port, "/metrics");
    expect(res.status).toBe(200);
    expect(res.body).toMatch(
      /^exporter_build_info\{version="0\.1\.0",moddable="unknown",xs="unknown",board="simulator",platform="host"\} 1$/m,
    );
    expect(res.body).toContain('device_network_up{interface="host"} 1');
    expect(res.body).toMatch(/^sensor_up\{sensor="office",model="si7021",address="0x40"\} 1$/m);
    expect(res.body).toMatch(/^sensor_temperature_celsius\{sensor="lab",model="bme680",address="0x77"\} [0-9.]+$/m);
    expect(res.body).toMatch(/^exporter_scrapes_total 1$/m);

    main!.stop();
    main = undefined;
    await expect(get(port, "/metrics")).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });

  test("an invalid configuration is reported with every problem and starts nothing", async () => {
    const port = await freePort();
    lines.length = 0;
    process.env.MC_CONFIG_port = "nine";
    process.env.MC_CONFIG_hostname = "bad_name";
    try {
      jest.isolateModules(() => {
        main = require("../../main");
      });
    } finally {
      delete process.env.MC_CONFIG_hostname;
    }
    expect(lines[0]).toMatch(/^invalid configuration/);
    expect(lines[0]).toContain('port: got "nine", expected an integer from 1 to 65535');
    expect(lines[0]).toContain('hostname: got "bad_name"');
    expect((main as { configProblems?: readonly string[] }).configProblems).toHaveLength(2);
    expect(lines.some((l) => l.startsWith("listening") || l.startsWith("sensors"))).toBe(false);
    await expect(get(port, "/metrics")).rejects.toMatchObject({ code: "ECONNREFUSED" });
    main!.stop(); // clears the reminder timer: jest would otherwise report an open handle
    main = undefined;
  });
});

describe("main.ts never prints a secret", () => {
  const lines: string[] = [];
  const logged = new Signal();
  let main: { stop(): void } | undefined;

  beforeAll(() => {
    jest.spyOn(console, "log").mockImplementation((line: unknown) => {
      lines.push(String(line));
      logged.notify();
    });
  });

  afterAll(() => {
    main?.stop();
    delete process.env.MC_CONFIG_auth;
    delete process.env.MC_CONFIG_port;
    jest.restoreAllMocks();
  });

  test("an invalid configuration with a bearer token and a password: logged problems hold neither", () => {
    process.env.MC_CONFIG_port = "nine";
    process.env.MC_CONFIG_auth = JSON.stringify({ bearer: TOKEN, password: PASSWORD });
    jest.isolateModules(() => {
      main = require("../../main");
    });
    const text = lines.join("\n");
    expect(text).toContain('port: got "nine"');
    expect(text).toContain(
      'auth: got {"bearer":"<redacted>","password":"<redacted>"}, expected both auth.username and auth.password',
    );
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(PASSWORD);
    main!.stop();
    main = undefined;
  });

  test("a running exporter with auth: its logs, landing page and metrics (exporter_build_info) hold no secret", async () => {
    lines.length = 0;
    const port = await freePort();
    process.env.MC_CONFIG_port = String(port);
    process.env.MC_CONFIG_auth = JSON.stringify({ bearer: TOKEN, username: "prometheus", password: PASSWORD });
    const listening = until(() => lines.some((l) => l.startsWith("listening: ")), { on: logged, what: "'listening'" });
    jest.isolateModules(() => {
      main = require("../../main");
    });
    const get = (path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.get(
          { host: "127.0.0.1", port, path, agent: false, headers: { Authorization: `Bearer ${TOKEN}` } },
          (res) => {
            let body = "";
            res.setEncoding("utf8");
            res.on("data", (c: string) => (body += c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on("error", reject);
      });
    await listening;
    const landing = await get("/");
    const metrics = await get("/metrics");
    expect(landing.status).toBe(200);
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/^exporter_build_info\{/m);
    for (const text of [lines.join("\n"), landing.body, metrics.body]) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(PASSWORD);
    }
    main!.stop();
    main = undefined;
  });
});

describe("main.ts with remote write and a Pushgateway configured", () => {
  const lines: string[] = [];
  const logged = new Signal();
  let main: { stop(): void } | undefined;

  beforeAll(() => {
    jest.spyOn(console, "log").mockImplementation((line: unknown) => {
      lines.push(String(line));
      logged.notify();
    });
  });

  afterAll(() => {
    main?.stop();
    delete process.env.MC_CONFIG_port;
    delete process.env.MC_CONFIG_remoteWrite;
    delete process.env.MC_CONFIG_pushgateway;
    jest.restoreAllMocks();
  });

  test("the clock is set, both clients push (to a closed port: retried), their self-metrics are served, no secret shows", async () => {
    const port = await freePort();
    process.env.MC_CONFIG_port = String(port);
    // port 9 on 127.0.0.1: nothing listens, every push fails and is retried
    process.env.MC_CONFIG_remoteWrite = JSON.stringify({
      url: "http://127.0.0.1:9/api/v1/write",
      interval: 1000,
      bearer: TOKEN,
    });
    process.env.MC_CONFIG_pushgateway = JSON.stringify({
      url: "http://127.0.0.1:9",
      interval: 1000,
      username: "u",
      password: PASSWORD,
    });
    jest.isolateModules(() => {
      main = require("../../main");
    });
    await until(
      () =>
        lines.some((l) => /^remote_write: .*; retrying in \d+ ms/.test(l)) &&
        lines.some((l) => /^pushgateway: .*; retrying in \d+ ms/.test(l)),
      { on: logged, what: "both pushes failing and retried" },
    );
    expect(lines).toContain("clock: the system clock (already set)");
    const res = await get(port, "/metrics");
    expect(res.body).toContain("device_clock_synchronized 1\n");
    expect(res.body).toMatch(/^exporter_push_samples_retried_total\{target="remote_write"\} [1-9]/m);
    expect(res.body).toMatch(/^exporter_push_samples_retried_total\{target="pushgateway"\} [1-9]/m);
    expect(res.body).toContain('exporter_push_queue_capacity_bytes{target="remote_write"} 16384\n');
    for (const text of [lines.join("\n"), res.body]) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(PASSWORD);
    }
    main!.stop();
    main = undefined;
    await expect(get(port, "/metrics")).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });
});

describe("npm start with an invalid configuration (a real child process)", () => {
  const root = path.resolve(__dirname, "..", "..");

  /** Runs `npm start -- ...args`; resolves with its exit status and output once it exits (its process group is killed after 60 s). */
  function npmStart(
    args: string[],
    env: Record<string, string>,
  ): Promise<{ code: number | null; signal: string | null; output: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn("npm", ["start", "--", ...args], {
        cwd: root,
        env: { ...process.env, ...env, NO_COLOR: "1" },
        stdio: ["ignore", "pipe", "pipe"],
        detached: true, // its own process group: npm's child (node) is killed with it
      });
      let output = "";
      child.stdout.on("data", (d) => (output += d));
      child.stderr.on("data", (d) => (output += d));
      // a bound, not a synchronisation: a process that never exits fails the test instead of hanging it
      const limit = setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          // already gone
        }
      }, 60000);
      child.on("error", reject);
      child.on("close", (code, signal) => {
        clearTimeout(limit);
        resolve({ code, signal, output });
      });
    });
  }

  test("exits with status 1 after printing every problem, and prints no secret", async () => {
    // the secret comes from the environment: npm itself echoes its command line (unless --silent)
    const r = await npmStart(["port=nine", "hostname=bad_name"], {
      MC_CONFIG_auth: JSON.stringify({ bearer: TOKEN, password: PASSWORD }),
    });
    expect({ code: r.code, signal: r.signal }).toEqual({ code: 1, signal: null });
    expect(r.output).toContain("invalid configuration");
    expect(r.output).toContain('port: got "nine", expected an integer from 1 to 65535');
    expect(r.output).toContain('hostname: got "bad_name"');
    expect(r.output).toContain('auth: got {"bearer":"<redacted>","password":"<redacted>"}');
    expect(r.output).not.toContain(TOKEN);
    expect(r.output).not.toContain(PASSWORD);
    expect(r.output).not.toMatch(/listening|sensors:/);
  }, 90000);
});
