// The README's metrics-library example must run as printed: extract it, run it on Node (tsx), check its output.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = join(__dirname, "..");

test("the README's API example runs and prints the exposition it describes", () => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const start = readme.indexOf("### Example\n\n```ts\n");
  expect(start).toBeGreaterThanOrEqual(0);
  const from = start + "### Example\n\n```ts\n".length;
  const code = readme.slice(from, readme.indexOf("```", from)).split('"./modules/').join('"../modules/');
  mkdirSync(join(root, ".cache"), { recursive: true });
  const file = join(root, ".cache", `readme-example-${process.pid}.ts`);
  writeFileSync(file, code);
  let out: string;
  try {
    out = execFileSync(process.execPath, ["--import", "tsx/esm", "--import", "./host/register.mjs", file], {
      cwd: root,
      encoding: "utf8",
      timeout: 20000,
    });
  } finally {
    rmSync(file, { force: true });
  }
  const lines = out.split("\n");
  expect(lines).toContain('sensor_temperature_celsius{sensor="office",instance="esp32-poe"} 21.5');
  expect(lines).toContain('sensor_temperature_celsius{sensor="lab",instance="esp32-poe"} 19.25');
  expect(lines).toContain('sensor_reads_total{sensor="lab",instance="esp32-poe"} 0');
  expect(lines).toContain('read_duration_seconds_count{instance="esp32-poe"} 1');
  expect(lines).toContain('scrape_seconds{instance="esp32-poe",quantile="0.99"} 0.012');
  expect(lines).toContain('link{instance="esp32-poe",link="up"} 1');
  expect(lines).toContain('uptime_seconds{instance="esp32-poe"} 123');
});
