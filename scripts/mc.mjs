#!/usr/bin/env node
/**
 * Build (and flash, or run) the firmware with the user's Moddable SDK: a thin wrapper around `mcconfig` that checks
 * the toolchain first and says exactly what is missing.
 *
 *   node scripts/mc.mjs flash [name=value ...]   build for the Olimex ESP32-POE and flash it (mcconfig -m -p esp32)
 *   node scripts/mc.mjs build [name=value ...]   build for the board without flashing (mcconfig -m -p esp32 -t build)
 *   node scripts/mc.mjs sim   [name=value ...]   build for the Moddable simulator (mcconfig -m -p lin)
 *   node scripts/mc.mjs check                    only check the toolchain
 * Options (before the name=value pairs): --debug (-d, needs xsbug), --instrument (-i, heap figures in release
 * builds; default on), --no-instrument, --port=/dev/ttyUSB0 (UPLOAD_PORT), --out=<dir> (mcconfig -o).
 * name=value pairs are passed to mcconfig as config overrides (e.g. port=9200 hostname=greenhouse).
 * The project version (package.json) and the SDK version ($MODDABLE/tools/VERSION) are passed as `version=` and
 * `moddable=` unless given, so `exporter_build_info` shows them.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { basename, delimiter, join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const EXPECTED_SDK = "8.2";
const EXPECTED_IDF = "v6.0";

function which(command, path = process.env.PATH ?? "") {
  for (const dir of path.split(delimiter)) {
    if (dir && existsSync(join(dir, command))) return join(dir, command);
  }
  return undefined;
}

function fail(lines) {
  process.stderr.write(lines.map((l) => `mc: ${l}`).join("\n") + "\n");
  process.exit(2);
}

/** Returns the problems with the toolchain for `target` ("esp32" | "lin"), and the environment to run mcconfig in. */
export function checkToolchain(target, env = process.env) {
  const problems = [];
  const notes = [];
  const MODDABLE = env.MODDABLE;
  const sdkDocs =
    "https://github.com/Moddable-OpenSource/moddable/blob/public/documentation/Moddable%20SDK%20-%20Getting%20Started.md";
  let PATH = env.PATH ?? "";
  if (!MODDABLE)
    problems.push(
      `$MODDABLE is not set: install the Moddable SDK ${EXPECTED_SDK}.x and export MODDABLE=<its directory> (${sdkDocs})`,
    );
  else if (!existsSync(join(MODDABLE, "tools", "VERSION")))
    problems.push(`$MODDABLE=${MODDABLE} is not a Moddable SDK checkout (no tools/VERSION)`);
  else {
    const version = readFileSync(join(MODDABLE, "tools", "VERSION"), "utf8").trim();
    notes.push(`Moddable SDK ${version} at ${MODDABLE}`);
    if (!version.startsWith(EXPECTED_SDK + "."))
      notes.push(`warning: this project is built and tested with SDK ${EXPECTED_SDK}.x`);
    const bin = join(MODDABLE, "build", "bin", process.platform === "darwin" ? "mac" : "lin", "release");
    if (!which("mcconfig", PATH) && existsSync(join(bin, "mcconfig"))) PATH = bin + delimiter + PATH;
    if (!which("mcconfig", PATH))
      problems.push(
        `mcconfig not found: build the SDK tools (cd $MODDABLE/build/makefiles/lin && make) and add ${bin} to PATH`,
      );
  }
  // mcconfig runs `tsc` from PATH: prefer the project's TypeScript
  const localBin = join(root, "node_modules", ".bin");
  if (existsSync(join(localBin, "tsc"))) PATH = localBin + delimiter + PATH;
  else if (!which("tsc", PATH))
    problems.push("tsc not found: run `npm install` in the project (TypeScript is a dev dependency)");
  if (target === "esp32") {
    const IDF_PATH = env.IDF_PATH;
    const idfDocs = "https://github.com/Moddable-OpenSource/moddable/blob/public/documentation/devices/esp32.md";
    if (!IDF_PATH)
      problems.push(
        `$IDF_PATH is not set: install ESP-IDF ${EXPECTED_IDF} as the Moddable ESP32 guide says (${idfDocs}), then \`source $IDF_PATH/export.sh\``,
      );
    else if (!existsSync(join(IDF_PATH, "tools", "idf.py")))
      problems.push(`$IDF_PATH=${IDF_PATH} is not an ESP-IDF checkout (no tools/idf.py)`);
    else {
      notes.push(`ESP-IDF at ${IDF_PATH}`);
      if (!which("xtensa-esp32-elf-gcc", PATH) && !which("xtensa-esp-elf-gcc", PATH))
        problems.push("the ESP32 C compiler is not on PATH: run `source $IDF_PATH/export.sh` in this shell first");
    }
  }
  return { problems, notes, env: { ...env, PATH } };
}

function parse(argv) {
  const [command = "help", ...rest] = argv;
  const options = { debug: false, instrument: true, port: undefined, out: undefined, overrides: [] };
  for (const arg of rest) {
    if (arg === "--debug" || arg === "-d") options.debug = true;
    else if (arg === "--instrument" || arg === "-i") options.instrument = true;
    else if (arg === "--no-instrument") options.instrument = false;
    else if (arg.startsWith("--port=")) options.port = arg.slice(7);
    else if (arg.startsWith("--out=")) options.out = arg.slice(6);
    else if (/^[A-Za-z_][\w.]*=/.test(arg)) options.overrides.push(arg);
    else
      fail([
        `unknown argument ${JSON.stringify(arg)} (expected --debug, --no-instrument, --port=..., --out=... or name=value)`,
      ]);
  }
  return { command, options };
}

function main() {
  const { command, options } = parse(process.argv.slice(2));
  const targets = { flash: "esp32", build: "esp32", sim: "lin", check: process.env.IDF_PATH ? "esp32" : "lin" };
  const target = targets[command];
  if (!target) {
    process.stdout.write(
      "usage: node scripts/mc.mjs flash|build|sim|check [--debug] [--no-instrument] [--port=/dev/ttyUSB0] [--out=dir] [name=value ...]\n",
    );
    process.exit(command === "help" || command === "--help" ? 0 : 2);
  }
  const { problems, notes, env } = checkToolchain(target);
  for (const n of notes) process.stdout.write(`mc: ${n}\n`);
  if (problems.length) fail([`cannot build for ${target}:`, ...problems.map((p) => `  - ${p}`)]);
  if (command === "check") {
    process.stdout.write(`mc: toolchain for ${target} OK\n`);
    return;
  }

  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const sdkVersion = readFileSync(join(env.MODDABLE, "tools", "VERSION"), "utf8").trim();
  const overrides = [...options.overrides];
  if (!overrides.some((o) => o.startsWith("version="))) overrides.push(`version=${pkg.version}`);
  if (!overrides.some((o) => o.startsWith("moddable="))) overrides.push(`moddable=${sdkVersion}`);
  if (options.port) env.UPLOAD_PORT = options.port;

  const args = [];
  args.push("-m");
  if (command === "build") args.push("-t", "build");
  if (options.debug) args.push("-d");
  else if (options.instrument) args.push("-i");
  args.push("-p", target);
  if (options.out) args.push("-o", options.out);
  args.push(join(root, "manifest.json"), ...overrides);
  process.stdout.write(`mc: mcconfig ${args.join(" ")}\n`);
  const result = spawnSync("mcconfig", args, { cwd: root, env, stdio: "inherit" });
  if (result.error) fail([`could not run mcconfig: ${result.error.message}`]);
  if (result.status !== 0) process.exit(result.status ?? 1);
  if (command === "sim") {
    const so = simulatorBinary(options, env.MODDABLE);
    process.stdout.write(
      `mc: built for the simulator: ${so}\nmc: run it with ${join(env.MODDABLE, "build", "bin", "lin", "release", "mcsim")} ${so}\n`,
    );
  }
}

/**
 * Where `mcconfig -p lin` writes the simulator build: <output dir>/bin/lin/mc/<debug|instrument|release>/<project
 * folder>/mc.so, the output directory being --out (relative to the project, where mcconfig runs) or $MODDABLE/build
 * and the folder the one holding manifest.json (mcconfig's NAME).
 */
export function simulatorBinary(options, moddable) {
  const kind = options.debug ? "debug" : options.instrument ? "instrument" : "release";
  return join(
    options.out ? resolve(root, options.out) : join(moddable, "build"),
    "bin",
    "lin",
    "mc",
    kind,
    basename(resolve(root)),
    "mc.so",
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
