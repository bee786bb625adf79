#!/usr/bin/env node
// The XS lane (`npm run test:xs`): runs the portable metrics and exposition tests on the real XS engine and checks
// that XS renders the same bytes as Node.
//   1. builds xsnap (XS 13.3) from the npm package @agoric/xsnap, cached in .cache/xsnap/ (tests/xs/xsnap.mjs);
//   2. bundles each tests/metrics/**/*.test.ts, tests/format/**/*.test.ts, tests/push/on-xs.test.ts and tests/sensors/bme680-compensation.test.ts with the jest-compatible shim
//      (tests/xs/shim.ts) into an IIFE script (esbuild), runs it on XS and, as a control, on Node with the same shim;
//   3. bundles tests/xs/corpus.ts (every metric type, hostile labels, special numbers, every format, string API and
//      chunk reader at several chunk sizes), runs the same bundle on Node and on XS and compares stdout byte for byte.
// Usage: node tests/xs/run.mjs [test files...]   (XSNAP=/path/to/xsnap to skip the build; XS_KEEP=1 keeps outputs)
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { ensureXsnap } from "./xsnap.mjs";
import { runProcess } from "./process.mjs";
import { platformPlugin as xsPlatformPlugin, xsBundleOptions } from "./bundle.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..", "..");
const work = join(root, ".cache", "xs");
const SENTINEL = /^XS-SHIM-END passed=(\d+) failed=(\d+) skipped=(\d+)$/m;
const CORPUS_END = "XS-CORPUS-END";
// per run, so that concurrent runs (several people in one checkout) do not delete each other's bundles
const bundleDir = join(work, "bundles-" + process.pid);
const FILE_TIMEOUT_MS = 120_000;
const log = (line) => process.stdout.write(line + "\n");
const rel = (p) => relative(root, p).split("\\").join("/");

let passed = 0;
let failed = 0;

// ------------------------------------------------------------------------------------------------ which files

function walk(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

const args = process.argv.slice(2);
// `--results FILE`: also write {passed, failed} as JSON (read by .ci/summary.mjs).
let resultsFile;
{
  const i = args.indexOf("--results");
  if (i >= 0) {
    resultsFile = resolve(args[i + 1]);
    args.splice(i, 2);
  }
}
function writeResults(p, f) {
  if (resultsFile) writeFileSync(resultsFile, JSON.stringify({ passed: p, failed: f }) + "\n");
}
const testFiles = args.length
  ? args.map((a) => resolve(root, a))
  : [
      ...walk(join(root, "tests", "metrics")),
      ...walk(join(root, "tests", "format")),
      join(root, "tests", "push", "on-xs.test.ts"),
      join(root, "tests", "sensors", "bme680-compensation.test.ts"),
    ];
// The shim's own checks: selftest.ts must pass entirely, fixtures/failing.ts must report exactly its planted failures.
const selftest = join(here, "selftest.ts");
const failing = join(here, "fixtures", "failing.ts");
const corpus = join(here, "corpus.ts");

// ------------------------------------------------------------------------------------------------ bundling

const shim = join(here, "shim.ts");
// Device code imports platform modules by their Moddable specifier: stand-ins in tests/xs/platform/ (tests/xs/bundle.mjs).
const platformPlugin = xsPlatformPlugin(root, join(here, "platform"));

// Each test file gets a virtual entry: load the shim (installs describe/it/expect), import the test file lazily so
// that an exception at its top level is reported as a failure, then run the registered tests.
const entryPlugin = {
  name: "xs-entry",
  setup(build) {
    build.onResolve({ filter: /^xs-entry:/ }, (a) => ({
      path: a.path.slice("xs-entry:".length),
      namespace: "xs-entry",
    }));
    build.onLoad({ filter: /.*/, namespace: "xs-entry" }, (a) => ({
      resolveDir: root,
      loader: "ts",
      contents:
        `import { __xsRun, __xsLoadError } from ${JSON.stringify(shim)};\n` +
        `const file = ${JSON.stringify(rel(a.path))};\n` +
        `import(${JSON.stringify(a.path)}).then(() => __xsRun(file), (e) => __xsLoadError(file, e));\n`,
    }));
  },
};

function outName(file) {
  return rel(file)
    .replace(/\.ts$/, "")
    .replace(/[^A-Za-z0-9_.-]+/g, "__");
}

async function bundle(entries) {
  const result = await esbuild
    .build({
      ...xsBundleOptions(),
      entryPoints: entries.map((e) => ({ in: e.in, out: e.out })),
      outdir: bundleDir,
      alias: { "@jest/globals": shim },
      plugins: [entryPlugin, platformPlugin],
    })
    .catch((e) => e);
  const errors = result.errors ?? [];
  const byEntry = new Map();
  for (const e of entries) byEntry.set(e.out, join(bundleDir, e.out + ".cjs"));
  return { errors, byEntry };
}

// ------------------------------------------------------------------------------------------------ processes

function run(cmd, argv, timeoutMs = FILE_TIMEOUT_MS) {
  return runProcess(cmd, argv, root, timeoutMs);
}

async function pool(items, n, fn) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i], i);
      }
    }),
  );
  return results;
}

function parseShim(r) {
  const text = r.stdout.toString("utf8");
  const lines = text.split("\n");
  const m = SENTINEL.exec(text);
  const failures = [];
  let last = null;
  for (let i = 0; i < lines.length; i++) {
    if (/^(ok|not ok) \d+ - /.test(lines[i])) last = lines[i];
    if (lines[i].startsWith("not ok ")) {
      const block = [lines[i]];
      for (let j = i + 1; j < lines.length && lines[j].startsWith("#   "); j++) block.push(lines[j]);
      failures.push(block.join("\n"));
    }
  }
  const why = [];
  if (!m) {
    why.push(
      r.timedOut
        ? `killed after ${FILE_TIMEOUT_MS / 1000}s`
        : `ended without the end sentinel (exit ${r.code}${r.signal ? ", " + r.signal : ""})`,
    );
    why.push("last result printed: " + (last ?? "(none)") + " — the next test did not finish");
    const tail = (
      r.stderr +
      "\n" +
      lines
        .filter((l) => !/^(ok|not ok) \d+ - /.test(l))
        .slice(-8)
        .join("\n")
    ).trim();
    if (tail) why.push(tail);
  } else if (r.code !== 0) why.push(`exit code ${r.code}`);
  // xsnap reports a rejection nobody handled but still exits 0; Node exits 1 (unless the sentinel already printed)
  const rejection = /^unhandled rejection: .*$/im.exec(text + "\n" + r.stderr);
  if (rejection)
    why.push("a promise was rejected and never handled: " + rejection[0].replace(/^unhandled rejection: /i, ""));
  return {
    ms: r.ms,
    ok: !!m && Number(m[2]) === 0 && r.code === 0 && !rejection,
    complete: !!m && r.code === 0 && !rejection,
    passed: m ? Number(m[1]) : 0,
    failed: m ? Number(m[2]) : 0,
    skipped: m ? Number(m[3]) : 0,
    failures,
    why,
  };
}

// ------------------------------------------------------------------------------------------------ corpus diff

function firstDifference(a, b) {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i === n && a.length === b.length ? -1 : i;
}

function showDiff(nodeOut, xsOut) {
  const at = firstDifference(nodeOut, xsOut);
  const lineNo = nodeOut.subarray(0, at).toString("latin1").split("\n").length;
  const nl = nodeOut.toString("utf8").split("\n");
  const xl = xsOut.toString("utf8").split("\n");
  let header = "";
  for (let i = lineNo - 1; i >= 0; i--)
    if (nl[i] && nl[i].startsWith("== ")) {
      header = nl[i];
      break;
    }
  log(`  first difference in ${header || "the output"}, its line ${lineNo}:`);
  const from = Math.max(0, lineNo - 4);
  for (let i = from; i < lineNo + 3 && (i < nl.length || i < xl.length); i++) {
    if (nl[i] === xl[i]) log(`    ${String(i + 1).padStart(6)}   ${nl[i] ?? ""}`);
    else {
      log(`    ${String(i + 1).padStart(6)} node: ${nl[i] === undefined ? "(end)" : JSON.stringify(nl[i])}`);
      log(`    ${String(i + 1).padStart(6)}   xs: ${xl[i] === undefined ? "(end)" : JSON.stringify(xl[i])}`);
    }
  }
}

function splitSections(text) {
  const out = [];
  let cur = { title: "(preamble)", lines: [] };
  for (const line of text.split("\n")) {
    if (line.startsWith("== ")) {
      out.push(cur);
      cur = { title: line, lines: [] };
    } else cur.lines.push(line);
  }
  out.push(cur);
  return out.map((x) => ({ title: x.title, body: x.lines.join("\n") }));
}

// ------------------------------------------------------------------------------------------------ main

async function main() {
  const t0 = Date.now();
  let xs;
  try {
    xs = ensureXsnap(root, log);
  } catch (e) {
    log("xs: cannot get the XS engine: " + e.message);
    log("xs: 0 passed, 1 failed");
    process.exit(1);
  }
  log(`xs: engine ${xs.version} at ${rel(xs.path)} (${xs.cached ? "cached" : `built in ${xs.seconds.toFixed(1)} s`})`);
  rmSync(bundleDir, { recursive: true, force: true });
  mkdirSync(bundleDir, { recursive: true });

  const units = [
    { file: selftest, kind: "selftest" },
    { file: failing, kind: "failing" },
    ...testFiles.map((f) => ({ file: f, kind: "test" })),
  ].filter((u) => u.kind === "test" || existsSync(u.file));
  for (const u of units) {
    if (!existsSync(u.file)) {
      log(`xs: no such test file: ${rel(u.file)}`);
      process.exit(1);
    }
    u.out = outName(u.file);
  }
  if (!testFiles.length) log("xs: no test files under tests/metrics or tests/format yet");

  // Bundle each unit separately so that one broken file (an import that does not resolve) fails alone.
  const tb = Date.now();
  await pool(units, 2, async (u) => {
    const b = await bundle([{ in: "xs-entry:" + u.file, out: u.out }]);
    u.bundleErrors = b.errors;
    u.bundle = b.byEntry.get(u.out);
  });
  const corpusOut = existsSync(corpus) ? await bundle([{ in: corpus, out: "corpus" }]) : null;
  log(`xs: bundled ${units.length + (corpusOut ? 1 : 0)} files in ${((Date.now() - tb) / 1000).toFixed(1)} s`);

  // ---- unit tests: XS, and Node with the same shim as a control (tells an XS difference from a shim difference)
  log("");
  log("== tests on XS (node+shim as control)");
  await pool(units, 2, async (u) => {
    if (u.bundleErrors.length) return;
    u.xs = parseShim(await run(xs.path, [u.bundle]));
    u.node = parseShim(await run(process.execPath, [u.bundle]));
  });
  for (const u of units) {
    const name = rel(u.file);
    if (u.bundleErrors.length) {
      failed++;
      log(`FAIL ${name}: bundling failed`);
      for (const e of u.bundleErrors) log(`  ${e.text}${e.location ? ` (${e.location.file}:${e.location.line})` : ""}`);
      continue;
    }
    const { xs: x, node: n } = u;
    const control = n.complete ? `node+shim ${n.passed} passed, ${n.failed} failed` : "node+shim incomplete";
    if (u.kind === "failing") {
      // The planted failures prove the shim can fail: every test in fixtures/failing.ts must fail, on both engines.
      const ok = x.complete && x.passed === 0 && x.failed > 0 && x.failed === n.failed && n.passed === 0;
      if (ok) passed++;
      else failed++;
      log(
        `${ok ? "PASS" : "FAIL"} shim self-check: ${name} reports its ${x.failed} planted failures on XS (${control})`,
      );
      if (!ok) for (const f of x.failures.concat(x.why)) log("  " + f.split("\n").join("\n  "));
      continue;
    }
    passed += x.passed;
    failed += x.failed + (x.complete ? 0 : 1);
    if (x.skipped && process.env.CI) {
      // no skipped tests in CI (.only or .skip left in a file)
      failed++;
      x.ok = false;
      x.why.push(`${x.skipped} skipped test(s): skipping is not allowed in CI`);
    }
    log(
      `${x.ok ? "PASS" : "FAIL"} ${name}: XS ${x.passed} passed, ${x.failed} failed${x.skipped ? `, ${x.skipped} skipped` : ""} in ${x.ms} ms (${control})`,
    );
    for (const f of x.failures) {
      log("  " + f.split("\n").join("\n  "));
      const title = f.split("\n")[0].replace(/^not ok \d+ - /, "");
      const onNode = n.failures.some((g) => g.split("\n")[0].replace(/^not ok \d+ - /, "") === title);
      log(
        onNode
          ? "    (fails on Node with the shim too: a shim or test problem, not XS)"
          : "    (passes on Node with the shim: an XS difference)",
      );
    }
    for (const w of x.why) log("  " + w.split("\n").join("\n  "));
  }

  // ---- byte identity: the same corpus bundle on Node and on XS
  log("");
  log("== byte identity: tests/xs/corpus.ts on Node and on XS");
  if (!corpusOut) {
    failed++;
    log("FAIL tests/xs/corpus.ts is missing");
  } else if (corpusOut.errors.length) {
    failed++;
    log("FAIL tests/xs/corpus.ts: bundling failed");
    for (const e of corpusOut.errors) log(`  ${e.text}${e.location ? ` (${e.location.file}:${e.location.line})` : ""}`);
  } else {
    const bundlePath = corpusOut.byEntry.get("corpus");
    const [nodeRun, xsRun] = await Promise.all([run(process.execPath, [bundlePath]), run(xs.path, [bundlePath])]);
    mkdirSync(join(work, "corpus"), { recursive: true });
    writeFileSync(join(work, "corpus", "node.txt"), nodeRun.stdout);
    writeFileSync(join(work, "corpus", "xs.txt"), xsRun.stdout);
    const problems = [];
    for (const [name, r] of [
      ["node", nodeRun],
      ["xs", xsRun],
    ]) {
      const text = r.stdout.toString("utf8");
      if (r.code !== 0 || !text.trimEnd().endsWith(CORPUS_END))
        problems.push(
          `${name} run incomplete (exit ${r.code}${r.timedOut ? ", timed out" : ""})${r.stderr.trim() ? ": " + r.stderr.trim().split("\n").slice(0, 5).join("\n") : ""}`,
        );
      const internal = text.split("\n").filter((l) => l.startsWith("CHECK-FAIL "));
      for (const l of internal) problems.push(`${name}: ${l}`);
    }
    // Compare section by section ("== <title>" lines). Every section must be byte-identical, except "String(n)": the
    // engine's own conversion, compared for information only (its differences are listed as notes). What goes on the
    // wire (formatNumber, formatCanonical and every render) is strict.
    const ns = splitSections(nodeRun.stdout.toString("utf8"));
    const xsSections = splitSections(xsRun.stdout.toString("utf8"));
    const xsByTitle = new Map(xsSections.map((x) => [x.title, x]));
    let identical = 0;
    const differing = [];
    const notes = [];
    let hardNumbers = [];
    for (const sec of ns) {
      const other = xsByTitle.get(sec.title);
      if (!other) {
        differing.push(`${sec.title}: missing in the XS output`);
        continue;
      }
      if (sec.body === other.body) {
        identical++;
        continue;
      }
      if (sec.title === "== String(n)") {
        const a = sec.body.split("\n");
        const b = other.body.split("\n");
        const hard = [];
        for (let i = 0; i < Math.max(a.length, b.length); i++) {
          if (a[i] === b[i]) continue;
          const [ba, sa] = (a[i] ?? "").split(" ");
          const [bb, sb] = (b[i] ?? "").split(" ");
          if (ba === bb && sa !== undefined && sb !== undefined && Number(sa) === Number(sb))
            notes.push(`${ba}: node ${sa}, xs ${sb}`);
          else hard.push(i);
        }
        // The engine's own String(n) is information, not a verdict: the wire goes through formatNumber (next section).
        hardNumbers = hard.map(
          (i) =>
            `${(a[i] ?? "").split(" ")[0]}: node ${JSON.stringify((a[i] ?? "").split(" ")[1])}, xs ${JSON.stringify((b[i] ?? "").split(" ")[1])}`,
        );
        identical++;
        continue;
      }
      differing.push(sec.title);
    }
    if (xsSections.length !== ns.length) differing.push(`section count: node ${ns.length}, xs ${xsSections.length}`);
    // formatNumber promises ECMAScript Number::toString (with NaN, +Inf, -Inf and "0" for -0): on Node, V8's
    // String(n) is that reference, so the Node run's two number sections must agree line by line.
    const strN = ns.find((x) => x.title === "== String(n)");
    const fmtN = ns.find((x) => x.title === "== formatNumber(n) formatCanonical(n)");
    if (strN && fmtN) {
      const a = strN.body.split("\n");
      const b = fmtN.body.split("\n");
      const bad = [];
      const special = { NaN: "NaN", Infinity: "+Inf", "-Infinity": "-Inf", "-0": "0" };
      for (let i = 0; i < Math.min(a.length, b.length); i++) {
        const [bits, str] = a[i].split(" ");
        const [, fmt] = b[i].split(" ");
        if (str === undefined || fmt === undefined) continue;
        if ((special[str] ?? str) !== fmt) bad.push(`${bits}: String ${str}, formatNumber ${fmt}`);
      }
      if (bad.length) {
        failed++;
        log(
          `FAIL formatNumber differs from ECMAScript Number::toString (V8's String(n)) for ${bad.length} number(s) on Node, e.g.`,
        );
        for (const x of bad.slice(0, 5)) log("    " + x);
      } else {
        passed++;
        log(
          `PASS formatNumber equals ECMAScript Number::toString (V8's String(n)) for all ${a.length} numbers on Node`,
        );
      }
    }
    const identicalBytes = nodeRun.stdout.equals(xsRun.stdout);
    // each corpus section counts as one check; an incomplete or inconsistent run counts as one more failure
    passed += identical;
    failed += differing.length + (problems.length ? 1 : 0);
    if (problems.length === 0 && differing.length === 0) {
      log(
        `PASS corpus: ${ns.length} sections, ${nodeRun.stdout.length} bytes, ${identicalBytes ? "byte-identical" : "identical on the wire"} on Node and XS (node ${nodeRun.ms} ms, xs ${xsRun.ms} ms)`,
      );
    } else {
      log(
        `FAIL corpus: ${identical} of ${ns.length} sections identical (outputs: ${rel(join(work, "corpus"))}/node.txt, xs.txt)`,
      );
      for (const p of problems) log("  " + p.split("\n").join("\n  "));
      for (const d of differing.slice(0, 20)) log("  differs: " + d);
      if (differing.length > 20) log(`  ... and ${differing.length - 20} more sections`);
      if (!identicalBytes) {
        // the first difference outside tolerated String(n) lines
        // the first difference in each differing scenario (section titles are "<scenario> | <content type>")
        const shown = new Set();
        for (const sec of ns) {
          const scenario = sec.title.split(" | ")[0];
          if (!differing.includes(sec.title) || shown.has(scenario) || shown.size >= 4) continue;
          shown.add(scenario);

          showDiff(
            Buffer.from(sec.title + "\n" + sec.body),
            Buffer.from(sec.title + "\n" + (xsByTitle.get(sec.title)?.body ?? "")),
          );
        }
        if (shown.size === 0) showDiff(nodeRun.stdout, xsRun.stdout);
      }
    }
    const uniqueHard = [...new Set(hardNumbers)];
    if (uniqueHard.length) {
      log(
        `  note: XS's own String(n) is wrong for ${uniqueHard.length} number(s): a correct parser (V8, Go) reads XS's string as another double (XS rounds decimal ties half up, in String() and in Number()); formatNumber must not pass it through, e.g.`,
      );
      for (const h of uniqueHard.slice(0, 5)) log("    " + h);
    }
    const uniqueNotes = [...new Set(notes)];
    if (uniqueNotes.length) {
      log(
        `  note: String(n) differs for ${uniqueNotes.length} number(s) where XS's string is another spelling of the same double (not the shortest or not ties-to-even), e.g.`,
      );
      for (const n of uniqueNotes.slice(0, 5)) log("    " + n);
    }
  }

  if (!process.env.XS_KEEP) rmSync(bundleDir, { recursive: true, force: true });
  log("");
  log(`xs: lane took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  log(`xs: ${passed} passed, ${failed} failed`);
  writeResults(passed, failed);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
}

main().catch((e) => {
  if (!process.env.XS_KEEP) rmSync(bundleDir, { recursive: true, force: true });
  log("xs: runner error: " + (e && e.stack ? e.stack : e));
  log(`xs: ${passed} passed, ${failed + 1} failed`);
  writeResults(passed, failed + 1);
  process.exit(1);
});
