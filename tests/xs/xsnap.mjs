// Builds the standalone XS engine `xsnap` from the sources shipped in the npm package @agoric/xsnap (XS 13.3), with
// make and the C compiler, and caches the binary in .cache/xsnap/<package version>-<hash of the makefile and build
// flags>/xsnap. Nothing is downloaded and nothing is written inside node_modules (BUILD_DIR points into .cache).
// Set XSNAP=/path/to/xsnap to use a binary of your own instead.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, copyFileSync, chmodSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { createRequire } from "node:module";

const GOAL = "release";

function fail(message) {
  const e = new Error(message);
  e.xsSetup = true;
  throw e;
}

function have(cmd, args = ["--version"]) {
  const r = spawnSync(cmd, args, { stdio: "ignore" });
  return !r.error && r.status === 0;
}

/** Returns { path, cached, seconds, version } of a working xsnap binary, building it if needed. */
export function ensureXsnap(root, log = (line) => console.log(line)) {
  if (process.env.XSNAP) {
    if (!existsSync(process.env.XSNAP)) fail(`XSNAP=${process.env.XSNAP} does not exist`);
    return { path: process.env.XSNAP, cached: true, seconds: 0, version: probeVersion(process.env.XSNAP) };
  }
  const require = createRequire(join(root, "package.json"));
  let pkgJson;
  try {
    pkgJson = require.resolve("@agoric/xsnap/package.json");
  } catch {
    fail("the npm package @agoric/xsnap is not installed: run `npm ci` (it is a devDependency)");
  }
  const pkgDir = dirname(pkgJson);
  const version = JSON.parse(readFileSync(pkgJson, "utf8")).version;
  const makeDir = join(pkgDir, "xsnap-native", "xsnap", "makefiles", "lin");
  const makefile = join(makeDir, "xsnap.mk");
  const moddable = join(pkgDir, "moddable");
  if (!existsSync(makefile) || !existsSync(join(moddable, "xs", "sources", "xsAll.c")))
    fail(`@agoric/xsnap ${version} does not ship the XS sources where expected (${makefile}, ${moddable}/xs/sources)`);

  const key = createHash("sha256").update(readFileSync(makefile)).update(`GOAL=${GOAL}`).digest("hex").slice(0, 12);
  const cacheDir = resolve(root, ".cache", "xsnap", `${version}-${key}`);
  const bin = join(cacheDir, "xsnap");
  if (existsSync(bin)) return { path: bin, cached: true, seconds: 0, version: probeVersion(bin) };

  const missing = [];
  if (!have("make")) missing.push("make");
  const cc = process.env.CC || "cc";
  if (!have(cc)) missing.push(process.env.CC ? `CC=${cc}` : "a C compiler (cc/gcc)");
  if (missing.length)
    fail(`building the XS engine needs ${missing.join(" and ")}; on Debian: apt-get install -y make gcc`);

  log(`xs: building xsnap from @agoric/xsnap ${version} (make -j2, ${GOAL}); cached afterwards in ${cacheDir}`);
  const t0 = Date.now();
  const buildDir = `${cacheDir}.build-${process.pid}`; // per process: concurrent first runs do not collide
  rmSync(buildDir, { recursive: true, force: true });
  mkdirSync(buildDir, { recursive: true });
  const r = spawnSync(
    "make",
    ["-f", "xsnap.mk", "-j2", `GOAL=${GOAL}`, `MODDABLE=${moddable}`, `BUILD_DIR=${buildDir}`],
    { cwd: makeDir, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  const built = join(buildDir, "bin", "lin", GOAL, "xsnap");
  if (r.error || r.status !== 0 || !existsSync(built)) {
    process.stderr.write((r.stdout || "") + (r.stderr || ""));
    fail(`make of xsnap failed (exit ${r.status}${r.error ? ", " + r.error.message : ""}); output above`);
  }
  mkdirSync(cacheDir, { recursive: true });
  const tmp = bin + ".tmp" + process.pid;
  copyFileSync(built, tmp);
  chmodSync(tmp, 0o755);
  renameSync(tmp, bin); // atomic: a concurrent run sees either no binary or a whole one
  rmSync(buildDir, { recursive: true, force: true });
  const seconds = (Date.now() - t0) / 1000;
  return { path: bin, cached: false, seconds, version: probeVersion(bin) };
}

function probeVersion(bin) {
  const r = spawnSync(bin, ["-v"], { encoding: "utf8" });
  if (r.error || r.status !== 0) fail(`${bin} does not run: ${r.error ? r.error.message : "exit " + r.status}`);
  return r.stdout.trim();
}
