#!/usr/bin/env node
// XS cost benchmark (`npm run bench:xs`): what one scrape costs on the XS engine (issue 8), in figures that are
// deterministic for a given engine binary and input.
//
// Method
//   Engine: the lane's own xsnap (XS 13.3 from @agoric/xsnap, release build, bench/xs/engine.mjs) with two host
//   functions (bench/xs/xsbench.c): benchHeap(i) reads XS's heap counters (slots in use, chunk bytes in use, slot
//   size), benchCollecting(on) switches the garbage collector. A second build with `gcc -m32` gives the heap figures
//   of a 32-bit engine like the ESP32's (16-byte slots instead of 32); it runs under qemu-i386 when the kernel cannot
//   run 32-bit programs.
//   Code: bench/xs/main.ts and the real modules (modules/metrics, modules/format, modules/http, modules/promhttp), bundled with esbuild
//   into one IIFE script (tests/xs/bundle.mjs, as the XS test lane). Platform modules are stand-ins
//   (bench/xs/platform/): fake ECMA-419 sockets that deliver `GET /metrics HTTP/1.1` on one keep-alive connection,
//   take writes within a 1536-byte budget per turn, and signal the final chunk; timers that never fire.
//   Instructions: the script runs under `valgrind --tool=callgrind` twice, with n = N and n = N + K iterations after
//   the same setup and one checked warm-up; (total(N+K) − total(N)) / K is the cost of one iteration: start-up,
//   parsing, setup and first-iteration warm-up cancel out. The collector is off during the iterations (the heap
//   grows instead), so the figure is the code's own cost, without garbage collection (whose cost depends on the
//   heap size; it is reported as allocation). The fake sockets' own work (a promise job per turn, a few numbers per
//   write) is inside the difference; it is small (see docs/bench-xs.md).
//   Heap per iteration: collector off, counters read before and after n iterations: slots taken and chunk bytes
//   (aligned, with their headers) allocated, divided by n; bytes = slots × slot size + chunk bytes. Checked at every
//   run (selfcheck: 1000 objects {a, b} must count 3 slots each, 1000 new 100-byte strings one chunk each).
//   Heap growth: live heap (after a full, compacting collection) after `first` requests and after `total`.
//   Per series: live heap after the first render with B series of one labelled metric, then with B + K; / K.
//   Remote write (issue 11; report only, no goal): one batch of the registry's samples (bench/xs/paths/push.ts),
//   as a WriteRequest (encode), compressed by SnappyCompressor (push), or written as a snappy block by
//   SnappyRequestWriter (direct); heap allocated per batch and the live state (label sets, buffers).
//
// Usage: node bench/xs/run.mjs [--only ancestor|series200|series[,...]] [--check] [--profile] [--results FILE]
//   --check      exit 1 when a figure exceeds its goal by more than 10 % (the CI lane bench-xs)
//   --only       run a subset: scenario names (ancestor, series200) and/or "series" (the per-series heap figures)
//   --profile    (alias --callgrind-annotate) keep the callgrind outputs in .cache/bench-xs/profile/ and print the
//                C functions with the highest cost per iteration (callgrind_annotate of both runs, subtracted), and
//                the JS functions with the most samples of XS's own profiler (xsnap -p, a .cpuprofile kept there)
//   --results    write {passed, failed} (figures within / over their goals) as JSON, for .ci/summary.mjs
//   XS_BENCH_KEEP=1 keeps the bundle and the preludes.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { benchEngine } from "./engine.mjs";
import { platformPlugin, xsBundleOptions } from "../../tests/xs/bundle.mjs";
import { runProcess as runChild } from "../../tests/xs/process.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..", "..");
const work = join(root, ".cache", "bench-xs");
const runDir = join(work, "run-" + process.pid);
const profileDir = join(work, "profile");
const log = (line = "") => process.stdout.write(line + "\n");
const rel = (p) => relative(root, p).split("\\").join("/");

// ------------------------------------------------------------------------------------------------ options

const argv = process.argv.slice(2);
const opts = { check: false, profile: false, only: null, results: null };
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === "--check") opts.check = true;
  else if (a === "--profile" || a === "--callgrind-annotate") opts.profile = true;
  else if (a === "--only") opts.only = (argv[++i] || "").split(",").filter(Boolean);
  else if (a.startsWith("--only=")) opts.only = a.slice(7).split(",").filter(Boolean);
  else if (a === "--results") opts.results = resolve(argv[++i]);
  else {
    log(`bench:xs: unknown option ${a}`);
    log("usage: node bench/xs/run.mjs [--only ancestor|series200|series[,...]] [--check] [--profile] [--results FILE]");
    process.exit(2);
  }
}
const SCENARIOS = {
  ancestor: {
    title: "ancestor's registry (prometheus_express README example: 4 gauges, 6 series)",
    // iterations: N (both runs) and K (extra iterations of the second run)
    render: { n: 2, k: 20 },
    string: { n: 2, k: 20 },
    request: { n: 2, k: 10 },
    scrape: { n: 2, k: 10 },
    replay: { n: 2, k: 10 },
    encode: { n: 2, k: 20 },
    push: { n: 2, k: 20 },
    direct: { n: 2, k: 20 },
    client: { n: 2, k: 20 },
    heap: { warm: 3, n: 20, first: 10, total: 1000 },
    profileN: { render: 10000, request: 3000 }, // iterations of the JS profiles (--profile): ~2 s natively each
  },
  series200: {
    title: "200-series registry (counters, labelled gauges, 1 histogram, 1 summary)",
    render: { n: 1, k: 3 },
    string: { n: 1, k: 3 },
    request: { n: 1, k: 3 },
    scrape: { n: 1, k: 3 },
    replay: { n: 1, k: 3 },
    encode: { n: 1, k: 3 },
    push: { n: 1, k: 3 },
    direct: { n: 1, k: 3 },
    client: { n: 1, k: 3 },
    // 1 000 requests take ~10 s natively today, but ~10 times that on qemu-i386: the 32-bit run stops at 100
    heap: { warm: 2, n: 5, first: 10, total: 1000, total32: 100 },
    profileN: { render: 300, request: 300 },
  },
};
const PATHS = ["render", "string", "request", "scrape", "replay", "encode", "push", "direct", "client"];
const SERIES_KINDS = [
  { kind: "gauge", title: "labelled gauge series", base: 10, extra: 50 },
  { kind: "counter", title: "labelled counter series", base: 10, extra: 50 },
  { kind: "histogram", title: "histogram child (11 buckets)", base: 5, extra: 20 },
];
const known = [...Object.keys(SCENARIOS), "series"];
for (const o of opts.only || []) {
  if (!known.includes(o)) {
    log(`bench:xs: --only ${o}: not one of ${known.join(", ")}`);
    process.exit(2);
  }
}
const selected = (name) => !opts.only || opts.only.includes(name);

// Goals (issue 8, item 2). `scenario: null` = the per-series figures. --check fails a figure above goal × 1.1.
const GOALS = [
  { scenario: "ancestor", id: "render", goal: 72000, unit: "instructions" },
  { scenario: "ancestor", id: "request", goal: 93000, unit: "instructions" },
  { scenario: "series200", id: "perByte", goal: 120, unit: "instructions" },
  { scenario: "ancestor", id: "allocBytes", goal: 4096, unit: "bytes" },
  { scenario: "ancestor", id: "growthBytes", goal: 0, unit: "bytes" },
  { scenario: "series200", id: "growthBytes", goal: 0, unit: "bytes" },
  { scenario: null, id: "gauge", goal: 200, unit: "bytes" },
  { scenario: null, id: "counter", goal: 200, unit: "bytes" },
];
const TOLERANCE = 1.1;

// ------------------------------------------------------------------------------------------------ processes

async function runProcess(cmd, args, timeoutMs) {
  const r = await runChild(cmd, args, runDir, timeoutMs);
  return { ...r, stdout: r.stdout.toString("utf8") };
}

// The prelude sets the configuration. The two runs of a pair get preludes whose names and contents differ only in
// one letter and in the digits of n (padded with spaces), so that nothing but n differs between them: a longer or
// another file name or script would cost other instructions at start-up, which would not cancel out.
function prelude(config, name) {
  const file = join(runDir, `prelude-${name}.js`);
  const json = JSON.stringify(config).replace(/"n":(\d+)/, (_, n) => `"n":${n.padStart(8)}`);
  writeFileSync(file, `globalThis.BENCH = ${json};\n`);
  return file;
}

function parseResult(r, what) {
  const fails = r.stdout.split("\n").filter((l) => l.startsWith("BENCH-FAIL "));
  const line = r.stdout.split("\n").find((l) => l.startsWith("BENCH-RESULT "));
  if (!line || fails.length || r.code !== 0) {
    const why = [
      `${what}: ${r.timedOut ? "timed out" : line ? `exit ${r.code}` : `no result (exit ${r.code}${r.signal ? ", " + r.signal : ""})`}`,
      ...fails.map((l) => "  " + l.slice(11)),
      ...r.stderr
        .trim()
        .split("\n")
        .filter(Boolean)
        .slice(-6)
        .map((l) => "  " + l),
      ...r.stdout
        .trim()
        .split("\n")
        .filter((l) => l && !l.startsWith("BENCH-"))
        .slice(-6)
        .map((l) => "  " + l),
    ];
    throw new Error(why.join("\n"));
  }
  return JSON.parse(line.slice("BENCH-RESULT ".length));
}

/** runs the bundle on an engine ({path, run}) with a config; returns the parsed result */
async function xs(engine, config, what, timeoutMs = 300_000) {
  const cmd = engine.run.length ? engine.run[0] : engine.path;
  const args = engine.run.length ? [...engine.run.slice(1), engine.path] : [];
  const r = await runProcess(
    cmd,
    [...args, prelude(config, what.replace(/[^A-Za-z0-9_-]+/g, "-")), bundlePath],
    timeoutMs,
  );
  return parseResult(r, what);
}

/** runs the bundle under callgrind; returns { result, instructions, out }; pair: "a" or "b" (the run of the pair) */
async function callgrind(engine, config, what, pair) {
  const out = join(opts.profile ? profileDir : runDir, `${what.replace(/[^A-Za-z0-9_-]+/g, "-")}.callgrind`);
  const name = `${config.scenario}-${config.path}-${pair}`;
  const r = await runProcess(
    "valgrind",
    ["--tool=callgrind", `--callgrind-out-file=${out}`, engine.path, prelude(config, name), bundlePath],
    600_000,
  );
  const result = parseResult(r, what + " (under callgrind)");
  const text = existsSync(out) ? readFileSync(out, "utf8") : "";
  const m = /^(?:summary|totals):\s+(\d+)/m.exec(text);
  if (!m) throw new Error(`${what}: no instruction total in the callgrind output ${rel(out)}`);
  return { result, instructions: Number(m[1]), out };
}

async function pool(jobs, n) {
  const results = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, jobs.length) }, async () => {
      while (next < jobs.length) {
        const i = next++;
        try {
          results[i] = { ok: true, value: await jobs[i]() };
        } catch (e) {
          results[i] = { ok: false, error: e };
        }
      }
    }),
  );
  return results;
}

// ------------------------------------------------------------------------------------------------ profile

/** self cost per function from callgrind_annotate */
function annotate(file) {
  const r = spawnSync("callgrind_annotate", ["--threshold=100", file], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error || r.status !== 0)
    throw new Error(`callgrind_annotate ${rel(file)} failed: ${r.error ? r.error.message : r.stderr}`);
  const costs = new Map();
  for (const line of r.stdout.split("\n")) {
    const m = /^\s*([\d,]+)\s+(?:\([\s\d.]+%\)\s+)?(\S.*?)\s*$/.exec(line);
    if (!m || !m[2].includes(":")) continue;
    const name = m[2].replace(/\s+\[[^\]]*\]$/, "");
    costs.set(name, (costs.get(name) || 0) + Number(m[1].replace(/,/g, "")));
  }
  return costs;
}

/** the XS profiler's samples (xsnap -p, a .cpuprofile) by JS function, self time */
async function printJsProfile(engine, scenario, path, n) {
  const file = join(profileDir, `${scenario}-${path}.cpuprofile`);
  const cmd = engine.path;
  const config = { mode: "instr", scenario, path, n, collecting: true };
  const r = await runProcess(cmd, ["-p", file, prelude(config, `${scenario}-${path}-js`), bundlePath], 300_000);
  parseResult(r, `${scenario} ${path} (profiled)`);
  const profile = JSON.parse(readFileSync(file, "utf8"));
  const bundleLines = readFileSync(bundlePath, "utf8").split("\n");
  const where = (line) => {
    // the bundle keeps esbuild's "// path/file.ts" comments: the last one above the line names the source file
    for (let i = line; i >= 0; i--) {
      const m = /^\s*\/\/ (\S+\.ts)$/.exec(bundleLines[i] || "");
      if (m) return m[1];
    }
    return "";
  };
  const self = new Map();
  let total = 0;
  for (const node of profile.nodes) {
    const f = node.callFrame;
    const key = f.functionName + (f.lineNumber >= 0 && f.url ? `  (${where(f.lineNumber)})` : "");
    self.set(key, (self.get(key) || 0) + node.hitCount);
    total += node.hitCount;
  }
  const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, 20);
  log(
    `  profile: ${scenario} ${path} — JS functions by share of the XS profiler's samples (self; n=${n}, collector on; ${rel(file)})`,
  );
  for (const [name, hits] of rows) log(`    ${((100 * hits) / total).toFixed(1).padStart(5)} %  ${name}`);
}

function printProfile(title, small, large, k) {
  const a = annotate(small);
  const b = annotate(large);
  const rows = [];
  for (const [name, cost] of b) {
    const d = (cost - (a.get(name) || 0)) / k;
    if (d > 0) rows.push([name, d]);
  }
  rows.sort((x, y) => y[1] - x[1]);
  const total = rows.reduce((s, r) => s + r[1], 0);
  log(
    `  profile: ${title} — self instructions per iteration by C function (callgrind_annotate of both runs, subtracted; outputs kept in ${rel(profileDir)}/)`,
  );
  for (const [name, d] of rows.slice(0, 25))
    log(`    ${fmt(Math.round(d)).padStart(12)}  ${((100 * d) / total).toFixed(1).padStart(5)} %  ${name}`);
}

// ------------------------------------------------------------------------------------------------ figures

function fmt(n) {
  if (n === undefined || n === null || Number.isNaN(n)) return "—";
  const neg = n < 0;
  const s = String(Math.round(Math.abs(n))).replace(/\B(?=(\d{3})+(?!\d))/g, " ");
  return (neg ? "-" : "") + s;
}
function fmt1(n) {
  return n === undefined || Number.isNaN(n) ? "—" : n.toFixed(1);
}

const figures = new Map(); // "scenario.id" -> value
const problems = [];

function table(rows) {
  const widths = [0, 0, 0, 0];
  for (const r of rows)
    r.forEach((c, i) => {
      widths[i] = Math.max(widths[i], c.length);
    });
  const line = (r) =>
    "| " + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(" | ") + " |";
  log(line(rows[0]));
  log("|" + widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : "-".repeat(w + 1) + ":")).join("|") + "|");
  for (const r of rows.slice(1)) log(line(r));
}

function goalOf(scenario, id) {
  return GOALS.find((g) => g.scenario === scenario && g.id === id);
}
function verdict(scenario, id, value) {
  const g = goalOf(scenario, id);
  if (!g) return "";
  if (value === undefined || Number.isNaN(value)) return "no figure";
  const limit = g.goal === 0 ? 0 : g.goal * TOLERANCE;
  return value <= limit ? "ok" : "OVER";
}
function goalText(scenario, id) {
  const g = goalOf(scenario, id);
  if (!g) return "";
  return g.goal === 0 ? "0 (none)" : "≤ " + fmt(g.goal);
}

// ------------------------------------------------------------------------------------------------ main

let bundlePath;

async function main() {
  const t0 = Date.now();
  mkdirSync(runDir, { recursive: true });
  if (opts.profile) mkdirSync(profileDir, { recursive: true });
  if (spawnSync("valgrind", ["--version"]).status !== 0)
    throw new Error("valgrind is not installed (Debian: apt-get install valgrind)");

  // engines
  const e64 = benchEngine(root, 64, log);
  log(
    `bench:xs: engine ${e64.version} (64-bit, ${rel(e64.path)}, ${e64.cached ? "cached" : `built in ${e64.seconds.toFixed(0)} s`})`,
  );
  let e32 = null;
  try {
    e32 = benchEngine(root, 32, log);
    log(
      `bench:xs: engine ${e32.version} (32-bit, ${rel(e32.path)}${e32.run.length ? ", run with " + e32.run.join(" ") : ""}, ${e32.cached ? "cached" : `built in ${e32.seconds.toFixed(0)} s`})`,
    );
  } catch (e) {
    problems.push(
      "32-bit engine: " +
        e.message +
        " (Debian: apt-get install gcc-multilib, and qemu-user if the kernel cannot run 32-bit programs)",
    );
    log("bench:xs: no 32-bit engine: " + e.message);
  }

  // bundle
  const b = await esbuild
    .build({
      ...xsBundleOptions(),
      entryPoints: [{ in: join(here, "main.ts"), out: "bench" }],
      outdir: runDir,
      // the bench's fake sockets and timers; the XS lane's stand-ins for the rest (text/encoder: xsnap's TextEncoder)
      plugins: [platformPlugin(root, [join(here, "platform"), join(root, "tests", "xs", "platform")])],
    })
    .catch((e) => e);
  if (b.errors && b.errors.length)
    throw new Error(
      "bundling failed:\n" +
        b.errors.map((e) => `  ${e.text}${e.location ? ` (${e.location.file}:${e.location.line})` : ""}`).join("\n"),
    );
  bundlePath = join(runDir, "bench.cjs");

  // self-check of the heap counters, on both engines
  const engines = [["64-bit", e64], ...(e32 ? [["32-bit", e32]] : [])];
  for (const [name, engine] of engines) {
    const r = await xs(engine, { mode: "selfcheck" }, `selfcheck ${name}`);
    const word = r.slotSize / 4; // 8 on 64-bit, 4 on 32-bit: chunk sizes are rounded to size_t
    const stringChunk = Math.ceil(101 / word) * word + r.chunkHeader;
    const ok =
      r.objects.slots === 3000 &&
      r.objects.chunks === 0 &&
      r.strings.slots === 0 &&
      r.strings.chunks === 1000 * stringChunk;
    const line = `heap counters (${name}, ${r.slotSize}-byte slots): 1000 objects {a, b} → ${r.objects.slots} slots + ${r.objects.chunks} chunk bytes (expected 3000 + 0); 1000 strings of 100 bytes → ${r.strings.slots} slots + ${r.strings.chunks} chunk bytes (expected 0 + ${1000 * stringChunk})`;
    log(`bench:xs: ${ok ? "ok" : "WRONG"} ${line}`);
    if (!ok) problems.push("the heap counters do not count what they should: " + line);
  }

  // all measurements: callgrind pairs and heap runs, two at a time
  const jobs = [];
  const scenarioNames = Object.keys(SCENARIOS).filter(selected);
  const instr = {};
  const heaps = {};
  for (const s of scenarioNames) {
    const sc = SCENARIOS[s];
    instr[s] = {};
    for (const path of PATHS) {
      const { n, k } = sc[path];
      for (const count of [n, n + k]) {
        jobs.push(async () => {
          const what = `${s}-${path}-n${count}`;
          const r = await callgrind(e64, { mode: "instr", scenario: s, path, n: count }, what, count === n ? "a" : "b");
          (instr[s][path] ||= {})[count] = r;
          return r;
        });
      }
    }
    heaps[s] = {};
    for (const [name, engine] of engines) {
      const { total32, ...heap } = sc.heap;
      if (name === "32-bit" && total32) heap.total = total32;
      jobs.push(async () => {
        heaps[s][name] = {
          ...(await xs(engine, { mode: "heap", scenario: s, ...heap }, `${s} heap ${name}`)),
          total: heap.total,
        };
      });
    }
  }
  const seriesFigures = {};
  if (selected("series")) {
    for (const sk of SERIES_KINDS) {
      seriesFigures[sk.kind] = {};
      for (const [name, engine] of engines) {
        jobs.push(async () => {
          seriesFigures[sk.kind][name] = await xs(
            engine,
            { mode: "series", kind: sk.kind, base: sk.base, extra: sk.extra },
            `series ${sk.kind} ${name}`,
          );
        });
      }
    }
  }
  // longest first (the callgrind runs of the 200-series registry), so that two cores stay busy
  jobs.reverse();
  const done = await pool(jobs, 2);
  for (const d of done) if (!d.ok) problems.push(d.error.message);

  // tables
  for (const s of scenarioNames) {
    const sc = SCENARIOS[s];
    log();
    log(`== ${sc.title}`);
    const rows = [["figure", "value", "goal", ""]];
    const per = {};
    for (const path of PATHS) {
      const runs = instr[s][path] || {};
      const { n, k } = sc[path];
      if (runs[n] && runs[n + k]) per[path] = (runs[n + k].instructions - runs[n].instructions) / k;
      if (runs[n] && runs[n + k] && runs[n + k].result.heapGrewSlots)
        problems.push(`${s} ${path}: the heap grew during the measured iterations (its growth is in the figure)`);
    }
    const body =
      (instr[s].request && Object.values(instr[s].request)[0]?.result.body) ??
      (instr[s].render && Object.values(instr[s].render)[0]?.result.body);
    const response = instr[s].request && Object.values(instr[s].request)[0]?.result.response;
    figures.set(`${s}.render`, per.render);
    figures.set(`${s}.request`, per.request);
    const perByte = per.request !== undefined && body ? per.request / body : undefined;
    figures.set(`${s}.perByte`, perByte);
    rows.push(["body bytes (text 0.0.4)" + (s === "ancestor" ? "; issue 8: 616" : ""), fmt(body), "", ""]);
    rows.push(["response bytes (head + chunked body)", fmt(response), "", ""]);
    rows.push([
      `instructions per render (collect + reader into 1 KB; K=${sc.render.k})`,
      fmt(per.render),
      goalText(s, "render"),
      verdict(s, "render", per.render),
    ]);
    rows.push([`  for comparison: the string API, registry.metrics() (K=${sc.string.k})`, fmt(per.string), "", ""]);
    rows.push([
      `instructions per whole request (MetricsServer, fake sockets; K=${sc.request.k})`,
      fmt(per.request),
      goalText(s, "request"),
      verdict(s, "request", per.request),
    ]);
    rows.push([
      "instructions per body byte (whole request / body bytes)",
      fmt1(perByte),
      goalText(s, "perByte"),
      verdict(s, "perByte", perByte),
    ]);
    const scrapeResult = instr[s].scrape && Object.values(instr[s].scrape)[0]?.result;
    rows.push([
      `  for comparison: the request as Prometheus 2.42 sends it (6 headers; OpenMetrics, ${fmt(scrapeResult?.body)} body bytes; K=${sc.scrape.k})`,
      fmt(per.scrape),
      "",
      "",
    ]);
    rows.push([
      `  of the whole request: fake sockets and driver (no-op server replaying the writes; K=${sc.replay.k})`,
      fmt(per.replay),
      "",
      "",
    ]);
    // remote write (issue 11), report only: one batch of the registry's samples, see bench/xs/paths/push.ts
    const pushResult = instr[s].push && Object.values(instr[s].push)[0]?.result;
    if (pushResult)
      rows.push([
        `remote-write batch: samples, WriteRequest bytes, snappy bytes`,
        `${fmt(pushResult.samples)}, ${fmt(pushResult.request)}, ${fmt(pushResult.block)}`,
        "",
        "",
      ]);
    figures.set(`${s}.pushEncode`, per.encode);
    figures.set(`${s}.push`, per.push);
    rows.push([
      `instructions per remote-write batch, WriteRequest only (collect, gather, encode; K=${sc.encode.k})`,
      fmt(per.encode),
      "",
      "",
    ]);
    rows.push([`instructions per remote-write batch with snappy (K=${sc.push.k})`, fmt(per.push), "", ""]);
    const snappyCost = per.push !== undefined && per.encode !== undefined ? per.push - per.encode : undefined;
    rows.push(["  of which snappy compression (difference of the two)", fmt(snappyCost), "", ""]);
    if (pushResult && snappyCost !== undefined)
      rows.push(["  snappy instructions per WriteRequest byte", fmt1(snappyCost / pushResult.request), "", ""]);
    const directResult = instr[s].direct && Object.values(instr[s].direct)[0]?.result;
    figures.set(`${s}.pushDirect`, per.direct);
    rows.push([
      `instructions per remote-write batch written as a snappy block (SnappyRequestWriter; K=${sc.direct.k})`,
      fmt(per.direct),
      "",
      "",
    ]);
    if (directResult) rows.push(["  its snappy block bytes", fmt(directResult.block), "", ""]);
    const clientResult = instr[s].client && Object.values(instr[s].client)[0]?.result;
    rows.push([
      `instructions per round of the remote-write client (collect, stamp, snappy block, queue, send to a fake receiver; ${fmt(clientResult?.samples)} samples, ${fmt(clientResult?.request)} B request; K=${sc.client.k})`,
      fmt(per.client),
      "",
      "",
    ]);
    for (const [name] of engines) {
      const h = heaps[s][name];
      if (!h) continue;
      const bytes = (x) => x.slots * h.slotSize + x.chunks;
      const alloc = bytes(h.requestAlloc);
      const growth = bytes(h.liveTotal) - bytes(h.liveFirst);
      if (name === "64-bit") {
        figures.set(`${s}.allocBytes`, alloc);
        figures.set(`${s}.growthBytes`, growth);
      }
      const id = name === "64-bit" ? "allocBytes" : null;
      rows.push([
        `heap allocated per render, ${name} (slots + chunk bytes)`,
        `${fmt(h.renderAlloc.slots)} + ${fmt(h.renderAlloc.chunks)} B = ${fmt(bytes(h.renderAlloc))} B`,
        "",
        "",
      ]);
      rows.push([
        `heap allocated per request, ${name} (slots + chunk bytes)`,
        `${fmt(h.requestAlloc.slots)} + ${fmt(h.requestAlloc.chunks)} B = ${fmt(alloc)} B`,
        id && goalOf(s, id) ? "≤ 4 096 B" : "",
        id ? verdict(s, id, alloc) : "",
      ]);
      rows.push([
        `  of which fake sockets and driver (replay), ${name}`,
        `${fmt(h.replayAlloc.slots)} + ${fmt(h.replayAlloc.chunks)} B = ${fmt(bytes(h.replayAlloc))} B`,
        "",
        "",
      ]);
      const gid = name === "64-bit" ? "growthBytes" : null;
      rows.push([
        `live heap after ${fmt(h.total)} vs ${sc.heap.first} requests, ${name}`,
        `${fmt(h.liveTotal.slots - h.liveFirst.slots)} slots, ${fmt(h.liveTotal.chunks - h.liveFirst.chunks)} B chunks = ${fmt(growth)} B`,
        gid && goalOf(s, gid) ? "0 B" : "",
        gid ? verdict(s, gid, growth) : "",
      ]);
      if (h.clientAlloc) {
        rows.push([
          `heap allocated per round of the remote-write client, ${name}`,
          `${fmt(h.clientAlloc.slots)} + ${fmt(h.clientAlloc.chunks)} B = ${fmt(bytes(h.clientAlloc))} B`,
          "",
          "",
        ]);
        rows.push([
          `  the client's state (label-set cache, request buffer, queue, forwarder), live, ${name}`,
          `${fmt(h.clientState.slots)} slots + ${fmt(h.clientState.chunks)} B = ${fmt(bytes(h.clientState))} B`,
          "",
          "",
        ]);
      }
      if (h.pushAlloc) {
        rows.push([
          `heap allocated per remote-write batch with snappy, ${name}`,
          `${fmt(h.pushAlloc.slots)} + ${fmt(h.pushAlloc.chunks)} B = ${fmt(bytes(h.pushAlloc))} B`,
          "",
          "",
        ]);
        rows.push([
          `  push state (label sets, ${fmt(h.pushBuffers)} B of buffers and table), live, ${name}`,
          `${fmt(h.pushState.slots)} slots + ${fmt(h.pushState.chunks)} B = ${fmt(bytes(h.pushState))} B`,
          "",
          "",
        ]);
        rows.push([
          `heap allocated per batch written by SnappyRequestWriter, ${name}`,
          `${fmt(h.directAlloc.slots)} + ${fmt(h.directAlloc.chunks)} B = ${fmt(bytes(h.directAlloc))} B`,
          "",
          "",
        ]);
        rows.push([
          `  its state (label entries and sets, one ${fmt(h.pushRequestBytes)} B buffer), live, ${name}`,
          `${fmt(h.directState.slots)} slots + ${fmt(h.directState.chunks)} B = ${fmt(bytes(h.directState))} B`,
          "",
          "",
        ]);
      }
    }
    table(rows);
    if (opts.profile) {
      for (const path of PATHS) {
        const runs = instr[s][path] || {};
        const { n, k } = sc[path];
        if (runs[n] && runs[n + k]) printProfile(`${s} ${path}`, runs[n].out, runs[n + k].out, k);
      }
      for (const path of ["render", "request"]) {
        try {
          await printJsProfile(e64, s, path, sc.profileN[path]);
        } catch (e) {
          problems.push(e.message);
        }
      }
    }
  }

  if (selected("series")) {
    log();
    log(
      "== heap per extra series (live heap after the first render with B series, then B+K; 32-bit engine; 64-bit for comparison)",
    );
    const rows = [["figure", "32-bit", "64-bit", "goal (32-bit)", ""]];
    for (const sk of SERIES_KINDS) {
      const per = {};
      for (const [name] of engines) {
        const r = seriesFigures[sk.kind][name];
        if (!r) continue;
        const bytes = (x) => x.slots * r.slotSize + x.chunks;
        per[name] = (bytes(r.after) - bytes(r.before)) / sk.extra;
      }
      figures.set(`series.${sk.kind}`, per["32-bit"]);
      const goal = goalOf(null, sk.kind);
      rows.push([
        `bytes per extra ${sk.title} (B=${sk.base}, K=${sk.extra})`,
        fmt(per["32-bit"]),
        fmt(per["64-bit"]),
        goal ? "≤ " + fmt(goal.goal) : "",
        goal ? verdict(null, sk.kind, per["32-bit"]) : "",
      ]);
    }
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    const line = (r) =>
      "| " + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(" | ") + " |";
    log(line(rows[0]));
    log("|" + widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : "-".repeat(w + 1) + ":")).join("|") + "|");
    for (const r of rows.slice(1)) log(line(r));
  }

  // goals
  let passed = 0;
  let failed = 0;
  const over = [];
  for (const g of GOALS) {
    if (g.scenario ? !selected(g.scenario) : !selected("series")) continue;
    const key = g.scenario ? `${g.scenario}.${g.id}` : `series.${g.id}`;
    const v = figures.get(key);
    const limit = g.goal === 0 ? 0 : g.goal * TOLERANCE;
    if (v === undefined || Number.isNaN(v)) {
      failed++;
      over.push(`${key}: no figure`);
    } else if (v > limit) {
      failed++;
      over.push(
        `${key}: ${fmt(v)} ${g.unit}, goal ${fmt(g.goal)} (limit ${fmt(limit)}): ${g.goal ? (v / g.goal).toFixed(1) + "×" : "above 0"}`,
      );
    } else passed++;
  }
  log();
  for (const p of problems) log("bench:xs: PROBLEM " + p.split("\n").join("\n  "));
  log(`bench:xs: ${passed} figures within their goals (+10 %), ${failed} over${over.length ? ":" : ""}`);
  for (const o of over) log("  over goal: " + o);
  log(`bench:xs: took ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  if (opts.results) writeFileSync(opts.results, JSON.stringify({ passed, failed: failed + problems.length }) + "\n");
  if (!process.env.XS_BENCH_KEEP) rmSync(runDir, { recursive: true, force: true });
  if (problems.length) process.exit(1);
  if (opts.check && failed) process.exit(1);
}

main().catch((e) => {
  log("bench:xs: " + (e && e.stack ? e.stack : e));
  if (opts.results) writeFileSync(opts.results, JSON.stringify({ passed: 0, failed: 1 }) + "\n");
  if (!process.env.XS_BENCH_KEEP) rmSync(runDir, { recursive: true, force: true });
  process.exit(1);
});
