// The Prometheus configuration the README prints is valid for the real Prometheus tools: the scrape configuration
// (with the mDNS file_sd job added to its scrape_configs) passes `promtool check config`, and the alert examples, put
// in a rule group, pass `promtool check rules`. Extracted from README.md as printed.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, requireTool, run, tempDir } from "./support/tools";

const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");

/** The YAML code blocks of the README, in order. */
function yamlBlocks(): string[] {
  return [...readme.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
}

function indent(text: string, spaces: number): string {
  return text
    .split("\n")
    .map((line) => (line === "" ? line : " ".repeat(spaces) + line))
    .join("\n");
}

let dir: ReturnType<typeof tempDir>;

beforeAll(() => {
  requireTool("promtool", ["--version"], "prometheus");
  dir = tempDir("readme-config-");
});

afterAll(() => dir?.remove());

test("the README's scrape configuration, with its mDNS job, passes promtool check config", async () => {
  const blocks = yamlBlocks();
  const main = blocks.find((b) => b.startsWith("global:"));
  const mdns = blocks.find((b) => b.includes("file_sd_configs:"));
  expect(main).toBeDefined();
  expect(mdns).toBeDefined();
  const file = join(dir.path, "prometheus.yml");
  writeFileSync(file, main! + mdns!);
  const r = await run("promtool", ["check", "config", file]);
  expect({ code: r.code, output: r.stdout + r.stderr }).toEqual({
    code: 0,
    output: expect.stringContaining("SUCCESS"),
  });
  // the check can fail: a job without a name is refused
  writeFileSync(file, main!.replace("job_name: moddable\n", "scrape_interval: 15s\n"));
  expect((await run("promtool", ["check", "config", file])).code).not.toBe(0);
});

test("the README's alert examples pass promtool check rules", async () => {
  const alerts = yamlBlocks().find((b) => b.startsWith("- alert:"));
  expect(alerts).toBeDefined();
  const file = join(dir.path, "rules.yml");
  writeFileSync(file, "groups:\n  - name: readme\n    rules:\n" + indent(alerts!, 6));
  const r = await run("promtool", ["check", "rules", file]);
  expect({ code: r.code, output: r.stdout + r.stderr }).toEqual({
    code: 0,
    output: expect.stringContaining("SUCCESS: 2 rules found"),
  });
  writeFileSync(
    file,
    "groups:\n  - name: readme\n    rules:\n" + indent(alerts!.replace("sensor_up == 0", "sensor_up =="), 6),
  );
  expect((await run("promtool", ["check", "rules", file])).code).not.toBe(0);
});
