// Builds the standalone XS engine `xsnap` from the sources shipped in the npm package @agoric/xsnap (XS 13.3), with
// make and the C compiler, and caches the binary in .cache/xsnap/<package version>-<hash of the makefile and build
// flags>/xsnap. The package is not a dependency (its install script would compile XS on every `npm install`): on first
// use `npm pack` fetches the pinned version's tarball from the npm registry, its hash is checked, and it is unpacked
// into .cache/xsnap-src/<version>/package (see xsnapSources). Nothing else is downloaded.
// Set XSNAP=/path/to/xsnap to use a binary of your own instead.
// A variant (third argument of ensureXsnap) builds a modified copy instead: the package's xsnap folder (its sources
// and makefiles, not XS itself) is copied into the build directory, `prepare(dir)` edits the copy, and `cc` replaces
// the C compiler command (e.g. "gcc -m32"). Used by bench/xs (heap counters, a 32-bit build); cached separately.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  copyFileSync,
  chmodSync,
  cpSync,
} from "node:fs";
import { join, resolve } from "node:path";

const GOAL = "release";

// The XS sources: this exact tarball of the npm registry (the hash is the one npm records in package-lock.json).
const XSNAP_PACKAGE = "@agoric/xsnap";
const XSNAP_VERSION = "0.15.0";
const XSNAP_INTEGRITY =
  "sha512-ZBm4DZxbtfacxMHVVdJjZi0Y8zOxN77vpu1WwI5RWfPkaRh0aHkz/dVdTGKXalDNzWfz183lljKxlxl3/h0n+A==";

function fail(message) {
  const e = new Error(message);
  e.xsSetup = true;
  throw e;
}

function have(cmd, args = ["--version"]) {
  const r = spawnSync(cmd, args, { stdio: "ignore" });
  return !r.error && r.status === 0;
}

/**
 * Returns { path, cached, seconds, version } of a working xsnap binary, building it if needed.
 * variant: { name, key, cc, prepare(xsnapDir), fallbackRun } (all optional): `key` (a string) and `name` go into the
 * cache key; `prepare` edits the copied xsnap folder before make; `fallbackRun` is a command prefix to execute the
 * binary with (e.g. ["qemu-i386"]) when it does not run directly (a 32-bit binary on a kernel without 32-bit
 * support). The result's `run` is the prefix to use ([] when the binary runs directly).
 */
export function ensureXsnap(root, log = (line) => console.log(line), variant = null) {
  if (process.env.XSNAP && !variant) {
    if (!existsSync(process.env.XSNAP)) fail(`XSNAP=${process.env.XSNAP} does not exist`);
    return { path: process.env.XSNAP, cached: true, seconds: 0, ...probeVersion(process.env.XSNAP) };
  }
  const pkgDir = xsnapSources(root, log);
  const version = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")).version;
  const makeDir = join(pkgDir, "xsnap-native", "xsnap", "makefiles", "lin");
  const makefile = join(makeDir, "xsnap.mk");
  const moddable = join(pkgDir, "moddable");
  if (!existsSync(makefile) || !existsSync(join(moddable, "xs", "sources", "xsAll.c")))
    fail(`@agoric/xsnap ${version} does not ship the XS sources where expected (${makefile}, ${moddable}/xs/sources)`);

  const hash = createHash("sha256").update(readFileSync(makefile)).update(`GOAL=${GOAL}`);
  if (variant) hash.update(`variant=${variant.name || ""}\0${variant.key || ""}\0${variant.cc || ""}`);
  const key = hash.digest("hex").slice(0, 12);
  const cacheDir = resolve(
    root,
    ".cache",
    "xsnap",
    `${version}-${variant && variant.name ? variant.name + "-" : ""}${key}`,
  );
  const bin = join(cacheDir, "xsnap");
  const fallback = (variant && variant.fallbackRun) || null;
  if (existsSync(bin)) return { path: bin, cached: true, seconds: 0, ...probeVersion(bin, fallback) };

  const missing = [];
  if (!have("make")) missing.push("make");
  const cc = (variant && variant.cc) || process.env.CC || "cc";
  const ccWords = cc.split(" ");
  if (!have(ccWords[0], ["--version"])) missing.push(process.env.CC ? `CC=${cc}` : "a C compiler (cc/gcc)");
  if (missing.length)
    fail(`building the XS engine needs ${missing.join(" and ")}; on Debian: apt-get install -y make gcc`);

  const what = variant && variant.name ? ` (${variant.name} variant)` : "";
  log(`xs: building xsnap${what} from @agoric/xsnap ${version} (make -j2, ${GOAL}); cached afterwards in ${cacheDir}`);
  const t0 = Date.now();
  const buildDir = `${cacheDir}.build-${process.pid}`; // per process: concurrent first runs do not collide
  rmSync(buildDir, { recursive: true, force: true });
  mkdirSync(buildDir, { recursive: true });
  let makeCwd = makeDir;
  if (variant && variant.prepare) {
    // a modified copy of the package's xsnap folder (sources + makefiles); XS itself is used in place
    const copy = join(buildDir, "xsnap-src");
    cpSync(join(pkgDir, "xsnap-native", "xsnap"), copy, { recursive: true });
    variant.prepare(copy);
    makeCwd = join(copy, "makefiles", "lin");
  }
  const makeArgs = ["-f", "xsnap.mk", "-j2", `GOAL=${GOAL}`, `MODDABLE=${moddable}`, `BUILD_DIR=${buildDir}`];
  if (variant && variant.cc) makeArgs.push(`CC=${variant.cc}`);
  const r = spawnSync("make", makeArgs, { cwd: makeCwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
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
  return { path: bin, cached: false, seconds, ...probeVersion(bin, fallback) };
}

/**
 * The directory of the unpacked @agoric/xsnap package (package.json, xsnap-native/, moddable/), fetched on first use:
 * `npm pack @agoric/xsnap@<XSNAP_VERSION>` (no install script runs), the tarball's sha512 compared with
 * XSNAP_INTEGRITY, `tar -xzf` into a per-process directory, then renamed into .cache/xsnap-src/<version>/package, so
 * that a concurrent first run sees either nothing or the whole package.
 */
export function xsnapSources(root, log = (line) => console.log(line)) {
  const dir = resolve(root, ".cache", "xsnap-src", XSNAP_VERSION);
  const pkgDir = join(dir, "package");
  if (existsSync(join(pkgDir, "package.json"))) return pkgDir;

  const missing = ["npm", "tar"].filter((cmd) => !have(cmd));
  if (missing.length) fail(`fetching the XS sources needs ${missing.join(" and ")} on PATH`);
  const spec = `${XSNAP_PACKAGE}@${XSNAP_VERSION}`;
  log(`xs: fetching the XS sources: npm pack ${spec} (once; kept in ${dir})`);
  const work = `${dir}.fetch-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, "unpacked"), { recursive: true });
  try {
    const r = spawnSync("npm", ["pack", spec, "--pack-destination", work, "--silent"], { cwd: work, encoding: "utf8" });
    const tarballs = existsSync(work) ? readdirSync(work).filter((f) => f.endsWith(".tgz")) : [];
    if (r.error || r.status !== 0 || tarballs.length !== 1) {
      process.stderr.write((r.stdout || "") + (r.stderr || ""));
      fail(
        `npm pack ${spec} failed (exit ${r.status}${r.error ? ", " + r.error.message : ""}): is the npm registry reachable? ` +
          "(XSNAP=/path/to/xsnap uses a binary of your own)",
      );
    }
    const tarball = join(work, tarballs[0]);
    const integrity = "sha512-" + createHash("sha512").update(readFileSync(tarball)).digest("base64");
    if (integrity !== XSNAP_INTEGRITY)
      fail(
        `${tarballs[0]} from the registry is not the pinned ${spec}: its hash is ${integrity}, expected ${XSNAP_INTEGRITY}`,
      );
    const x = spawnSync("tar", ["-xzf", tarball, "-C", join(work, "unpacked")], { encoding: "utf8" });
    const unpacked = join(work, "unpacked", "package");
    if (x.error || x.status !== 0 || !existsSync(join(unpacked, "package.json")))
      fail(
        `tar -xzf ${tarball} failed: ${x.error ? x.error.message : (x.stderr || "").trim() || "no package/package.json"}`,
      );
    mkdirSync(dir, { recursive: true });
    try {
      renameSync(unpacked, pkgDir);
    } catch (e) {
      if (!existsSync(join(pkgDir, "package.json"))) throw e; // else a concurrent run placed it first: use that one
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return pkgDir;
}

/** { version, run }: run is [] when the binary runs directly, else the fallback prefix that made it run */
function probeVersion(bin, fallback = null) {
  const r = spawnSync(bin, ["-v"], { encoding: "utf8" });
  if (!r.error && r.status === 0) return { version: r.stdout.trim(), run: [] };
  if (fallback) {
    const f = spawnSync(fallback[0], [...fallback.slice(1), bin, "-v"], { encoding: "utf8" });
    if (!f.error && f.status === 0) return { version: f.stdout.trim(), run: fallback };
    fail(
      `${bin} does not run, directly (${r.error ? r.error.message : "exit " + r.status}) or with ${fallback.join(" ")} (${f.error ? f.error.message : "exit " + f.status})`,
    );
  }
  fail(`${bin} does not run: ${r.error ? r.error.message : "exit " + r.status}`);
}
