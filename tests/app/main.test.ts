/**
 * main.ts itself on the host platform (host/modules.json: network-monitor = host/network.ts, always up on 127.0.0.1;
 * simulated I2C chips): it starts, serves its metrics over real TCP with sensor and device series, and stops cleanly.
 * Its configuration comes from manifest.json through host/mc-config.ts, with the port overridden as
 * `mcconfig port=<n>` would (MC_CONFIG_port, a string).
 */
import { freePort, httpGet as get } from "../support/net";

describe("main.ts on the host platform", () => {
  const lines: string[] = [];
  const waiters: { predicate: () => boolean; resolve: () => void }[] = [];
  const until = (predicate: () => boolean) =>
    predicate() ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ predicate, resolve }));
  let main: { stop(): void } | undefined;
  const saved = process.env.MC_CONFIG_port;

  beforeAll(() => {
    jest.spyOn(console, "log").mockImplementation((line: unknown) => {
      lines.push(String(line));
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (waiters[i].predicate()) {
          waiters[i].resolve();
          waiters.splice(i, 1);
        }
      }
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
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      main = require("../../main");
    });
    await until(() => lines.some((l) => l.startsWith("listening: ")));
    expect(lines).toContain(`listening: http://127.0.0.1:${String(port)}/metrics`);
    expect(lines[0]).toMatch(/^starting .* exporter 0\.1\.0: port \d+, path \/metrics, hostname esp32-poe$/);
    expect(lines).toContain("network: link up, address 127.0.0.1");

    // sensors report once their first reads complete (simulated chips, real conversion times)
    await until(() => lines.filter((l) => / up$/.test(l) && l.startsWith("sensor ")).length === 2);
    const res = await get(port, "/metrics");
    expect(res.status).toBe(200);
    expect(res.body).toMatch(/^exporter_build_info\{version="0\.1\.0",moddable="unknown",xs="unknown",board="simulator",platform="host"\} 1$/m);
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
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        main = require("../../main");
      });
    } finally {
      delete process.env.MC_CONFIG_hostname;
    }
    expect(lines[0]).toMatch(/^invalid configuration/);
    expect(lines[0]).toContain('port: got "nine", expected an integer from 1 to 65535');
    expect(lines[0]).toContain('hostname: got "bad_name"');
    expect(lines.some((l) => l.startsWith("listening") || l.startsWith("sensors"))).toBe(false);
    await expect(get(port, "/metrics")).rejects.toMatchObject({ code: "ECONNREFUSED" });
    main!.stop(); // clears the reminder timer: jest would otherwise report an open handle
    main = undefined;
  });
});
