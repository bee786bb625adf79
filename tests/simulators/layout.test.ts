/**
 * Where the chip simulators live and how they are reached: simulators/ is device-safe code that the Node host
 * (host/io/i2c.ts), the simulator firmware (manifest.json platforms.lin, modules/board/lin/sim-i2c.ts) and the tests
 * import directly, and no test shares the host's global bus.
 */
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.join(__dirname, "..", "..");
const read = (file: string) => fs.readFileSync(path.join(root, file), "utf8");
const importsOf = (source: string) =>
  [...source.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"/gm)].map((m) => m[1]);

function listTs(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = dir + "/" + entry.name;
    if (entry.isDirectory()) out.push(...listTs(rel));
    else if (entry.name.endsWith(".ts")) out.push(rel);
  }
  return out;
}

test("the simulator firmware names the simulators by module specifier: no climbing paths, no shim", () => {
  const manifest = JSON.parse(read("manifest.json")) as { platforms: { lin: { modules?: Record<string, string> } } };
  expect(manifest.platforms.lin.modules).toEqual({ "simulators/*": "./simulators/*" });
  const board = JSON.parse(read("modules/board/lin/manifest.json")) as { modules: Record<string, string> };
  expect(board.modules["embedded:io/i2c"]).toBe("./sim-i2c");
  for (const file of Object.values(board.modules)) expect(file).not.toMatch(/^\.\.\/\.\.\//); // never out of modules/board
  expect(fs.existsSync(path.join(root, "modules/board/lin/i2c-shim.js"))).toBe(false);
  const imports = importsOf(read("modules/board/lin/sim-i2c.ts"));
  expect(imports).toEqual(expect.arrayContaining(["simulators/bus", "simulators/devices", "simulators/i2c"]));
  expect(imports.filter((s) => s.startsWith("."))).toEqual([]);
});

test("simulators/ is device code: it imports only itself and sensors/, never Node", () => {
  const files = listTs("simulators");
  expect(files.length).toBeGreaterThanOrEqual(5);
  for (const file of files)
    for (const specifier of importsOf(read(file)))
      expect([file, specifier.startsWith("./") || specifier.startsWith("../sensors/")]).toEqual([file, true]);
});

test("no test uses the host's global bus (each makes its own) but the host's own i2c test", () => {
  const users = listTs("tests").filter(
    (file) => file !== "tests/simulators/layout.test.ts" && /\b(defaultBus|busForPort)\b/.test(read(file)),
  );
  expect(users).toEqual(["tests/host/i2c.test.ts"]);
});
