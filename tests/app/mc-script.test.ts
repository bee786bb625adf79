/**
 * scripts/mc.mjs (npm run build:sim / build:esp32 / flash / mc:check): clear messages when the Moddable SDK,
 * mcconfig or ESP-IDF is missing, and the mcconfig command line it runs. A fake SDK (tools/VERSION and an
 * `mcconfig` that prints its arguments) stands in for the real one.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";

const script = join(__dirname, "..", "..", "scripts", "mc.mjs");
let dir: string;

function run(args: string[], env: Record<string, string | undefined>) {
  const clean: Record<string, string> = { PATH: "/usr/bin:/bin" };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) clean[k] = v;
  const r = spawnSync(process.execPath, [script, ...args], { env: clean, encoding: "utf8" });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

function fakeSdk(version = "8.2.3"): string {
  const sdk = join(dir, `sdk-${version}`);
  const bin = join(sdk, "build", "bin", "lin", "release");
  mkdirSync(join(sdk, "tools"), { recursive: true });
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(sdk, "tools", "VERSION"), version + "\n");
  writeFileSync(join(bin, "mcconfig"), '#!/bin/sh\necho "FAKE-MCCONFIG $*"\n');
  chmodSync(join(bin, "mcconfig"), 0o755);
  return sdk;
}

function fakeIdf(withCompiler: boolean): { IDF_PATH: string; PATH: string } {
  const idf = join(dir, "idf");
  mkdirSync(join(idf, "tools"), { recursive: true });
  writeFileSync(join(idf, "tools", "idf.py"), "");
  const tools = join(dir, "xtensa");
  mkdirSync(tools, { recursive: true });
  if (withCompiler) {
    writeFileSync(join(tools, "xtensa-esp32-elf-gcc"), "#!/bin/sh\n");
    chmodSync(join(tools, "xtensa-esp32-elf-gcc"), 0o755);
  }
  return { IDF_PATH: idf, PATH: `${tools}:/usr/bin:/bin` };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "mc-script-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("scripts/mc.mjs", () => {
  test("no $MODDABLE: exit 2 and says how to install the SDK", () => {
    const r = run(["sim"], {});
    expect(r.status).toBe(2);
    expect(r.err).toContain("cannot build for lin");
    expect(r.err).toContain("$MODDABLE is not set");
    expect(r.err).toContain("Getting%20Started");
  });

  test("$MODDABLE that is not an SDK", () => {
    const r = run(["sim"], { MODDABLE: dir });
    expect(r.status).toBe(2);
    expect(r.err).toContain(`$MODDABLE=${dir} is not a Moddable SDK checkout`);
  });

  test("SDK without built tools: says to build them", () => {
    const sdk = join(dir, "unbuilt");
    mkdirSync(join(sdk, "tools"), { recursive: true });
    writeFileSync(join(sdk, "tools", "VERSION"), "8.2.3\n");
    const r = run(["sim"], { MODDABLE: sdk });
    expect(r.status).toBe(2);
    expect(r.err).toContain("mcconfig not found: build the SDK tools");
  });

  test("flash without ESP-IDF: names IDF v6.0 and its docs", () => {
    const r = run(["flash"], { MODDABLE: fakeSdk() });
    expect(r.status).toBe(2);
    expect(r.err).toContain("cannot build for esp32");
    expect(r.err).toContain("$IDF_PATH is not set: install ESP-IDF v6.0");
  });

  test("flash with ESP-IDF but without export.sh sourced: asks for it", () => {
    const idf = fakeIdf(false);
    const r = run(["flash"], { MODDABLE: fakeSdk(), ...idf });
    expect(r.status).toBe(2);
    expect(r.err).toContain("source $IDF_PATH/export.sh");
  });

  test("sim: runs mcconfig -m -i -p lin with version and SDK version as config overrides", () => {
    const r = run(["sim", "port=9200"], { MODDABLE: fakeSdk() });
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/FAKE-MCCONFIG -m -i -p lin \S+\/manifest\.json port=9200 version=0\.1\.0 moddable=8\.2\.3/);
  });

  test("sim: names the file the build writes, <out>/bin/lin/mc/<instrument|release|debug>/<project folder>/mc.so", () => {
    const sdk = fakeSdk();
    const folder = basename(join(__dirname, "..", ".."));
    const mcsim = join(sdk, "build", "bin", "lin", "release", "mcsim");
    const cases: [string[], string][] = [
      [[], join(sdk, "build", "bin", "lin", "mc", "instrument", folder, "mc.so")], // -i is the default
      [["--no-instrument"], join(sdk, "build", "bin", "lin", "mc", "release", folder, "mc.so")],
      [["--debug"], join(sdk, "build", "bin", "lin", "mc", "debug", folder, "mc.so")],
      [[`--out=${join(dir, "out")}`], join(dir, "out", "bin", "lin", "mc", "instrument", folder, "mc.so")],
    ];
    for (const [options, so] of cases) {
      const r = run(["sim", ...options], { MODDABLE: sdk });
      expect(r.status).toBe(0);
      expect(r.out).toContain(`mc: built for the simulator: ${so}\n`);
      expect(r.out).toContain(`mc: run it with ${mcsim} ${so}\n`);
    }
  });

  test("flash and build for the board; debug and upload port options", () => {
    const idf = fakeIdf(true);
    const sdk = fakeSdk();
    const flash = run(["flash", "--debug", "--port=/dev/ttyUSB7", "hostname=greenhouse"], { MODDABLE: sdk, ...idf });
    expect(flash.status).toBe(0);
    expect(flash.out).toMatch(
      /FAKE-MCCONFIG -m -d -p esp32 \S+\/manifest\.json hostname=greenhouse version=0\.1\.0 moddable=8\.2\.3/,
    );
    const build = run(["build"], { MODDABLE: sdk, ...idf });
    expect(build.out).toMatch(/FAKE-MCCONFIG -m -t build -i -p esp32 /);
  });

  test("another SDK version is accepted with a warning; unknown arguments are refused", () => {
    const r = run(["check"], { MODDABLE: fakeSdk("9.0.0") });
    expect(r.status).toBe(0);
    expect(r.out).toContain("warning: this project is built and tested with SDK 8.2.x");
    const bad = run(["sim", "--frobnicate"], { MODDABLE: fakeSdk() });
    expect(bad.status).toBe(2);
    expect(bad.err).toContain('unknown argument "--frobnicate"');
  });
});
