/**
 * The script of the XS cost benchmark, bundled by bench/xs/run.mjs into one IIFE for xsnap (the bench's own build,
 * bench/xs/engine.mjs, with the host functions benchHeap/benchCollecting). What to do comes from a one-line prelude
 * script run before it: `globalThis.BENCH = {...}` (see Config). Results are printed as one line
 * `BENCH-RESULT <json>`; a failure of the bench itself as `BENCH-FAIL <why>`.
 *
 * Modes:
 *   instr     — setup, one checked warm-up, then `n` iterations of a path (render | string | request | replay) with
 *               the collector off (string: registry.metrics(); replay: the fake sockets and driver alone, see
 *               paths/replay.ts; encode, push, direct: one remote-write batch without snappy, with snappy, and
 *               written as a snappy block by SnappyRequestWriter, see paths/push.ts).
 *               Run under callgrind with two values of n; the difference of the totals divided by the difference
 *               of n is the cost of one iteration (setup, warm-up and start-up cancel out).
 *   heap      — allocation per render and per request (collector off, counters read before and after), and the
 *               live heap (after a full collection) after `first` and after `total` requests.
 *   series    — live heap after the first render with `base` series of one labelled metric, and with `base+extra`.
 *   selfcheck — allocates 1000 objects {a, b} and 1000 strings of 100 bytes, to check what the counters count.
 */
import * as ancestor from "./scenarios/ancestor";
import * as series200 from "./scenarios/series200";
import { render, renderString, renderText } from "./paths/render";
import { connect, PROMETHEUS_REQUEST } from "./paths/request";
import type { Client } from "./paths/request";
import { replayClient } from "./paths/replay";
import { pusher } from "./paths/push";
import { remoteWriteClient } from "./paths/client";
import type { ClientBench } from "./paths/client";
import type { Pusher } from "./paths/push";
import { fail } from "./platform/net";
import { Registry, Counter, Gauge, Histogram, maxCompressedLength, OPENMETRICS_1_0_0 } from "./api";
import type { Format } from "./api";

interface Config {
  mode: "instr" | "heap" | "series" | "selfcheck";
  scenario?: "ancestor" | "series200";
  path?: "render" | "string" | "request" | "scrape" | "replay" | "encode" | "push" | "direct" | "client";
  n?: number;
  first?: number;
  total?: number;
  warm?: number;
  kind?: "gauge" | "counter" | "histogram";
  base?: number;
  extra?: number;
  /** instr: leave the collector on (the JS profile of --profile, run natively with many iterations) */
  collecting?: boolean;
}

declare const print: (...values: unknown[]) => void;
declare const gc: () => void;
declare const benchHeap: (what: number) => number;
declare const benchCollecting: (enable: boolean) => boolean;

const config = (globalThis as unknown as { BENCH: Config }).BENCH;
const SLOTS = 0;
const CHUNKS = 1;
const SLOT_SIZE = 2;
const CHUNK_HEADER = 3;
const HEAP_SLOTS = 4;

function result(value: object): void {
  print("BENCH-RESULT " + JSON.stringify(value));
}

/** request buffer of a remote-write batch: the default byte budget; the 200-series batch needs more */
function pushBytes(name: string | undefined): number {
  return name === "series200" ? 32768 : 16384;
}

function build(name: string | undefined): Registry {
  if (name === "ancestor") return ancestor.build();
  if (name === "series200") return series200.build();
  throw new Error("unknown scenario " + String(name));
}

interface Heap {
  slots: number;
  chunks: number;
}

// Counter readings go into this preallocated array (a number stored in a Float64Array allocates nothing), so that
// reading the counters does not itself allocate between two readings nor keep anything alive.
const marks = new Float64Array(40);

function mark(i: number): void {
  marks[2 * i] = benchHeap(SLOTS);
  marks[2 * i + 1] = benchHeap(CHUNKS);
}

/** a full (compacting) collection, then the counters into mark i: the live heap */
function markLive(i: number): void {
  gc();
  mark(i);
}

/** what was allocated between marks i and j, per iteration */
function between(i: number, j: number, per = 1): Heap {
  return { slots: (marks[2 * j] - marks[2 * i]) / per, chunks: (marks[2 * j + 1] - marks[2 * i + 1]) / per };
}

function at(i: number): Heap {
  return { slots: marks[2 * i], chunks: marks[2 * i + 1] };
}

/** Decodes a chunked HTTP/1.1 response (the warm-up's captured writes) and checks it; returns the body. */
function checkResponse(parts: Uint8Array[]): string {
  let total = 0;
  for (const p of parts) total += p.length;
  const all = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  let text = "";
  for (let i = 0; i < all.length; i++) text += String.fromCharCode(all[i]);
  const headEnd = text.indexOf("\r\n\r\n");
  const head = text.slice(0, headEnd);
  if (!head.startsWith("HTTP/1.1 200 OK\r\n")) throw new Error("response is not 200 OK: " + JSON.stringify(head));
  if (head.indexOf("Transfer-Encoding: chunked") < 0)
    throw new Error("response is not chunked: " + JSON.stringify(head));
  let body = "";
  let i = headEnd + 4;
  for (;;) {
    const eol = text.indexOf("\r\n", i);
    const size = parseInt(text.slice(i, eol), 16);
    if (!(size >= 0)) throw new Error("bad chunk size line at " + String(i));
    if (size === 0) {
      if (text.slice(eol, eol + 4) !== "\r\n\r\n" || eol + 4 !== text.length)
        throw new Error("bytes after the final chunk");
      break;
    }
    body += text.slice(eol + 2, eol + 2 + size);
    if (text.slice(eol + 2 + size, eol + 4 + size) !== "\r\n") throw new Error("chunk not followed by CRLF");
    i = eol + 4 + size;
  }
  // the body is UTF-8 bytes as Latin-1 code units; the scenarios' bodies are ASCII
  return body;
}

function requests(client: Client, count: number): Promise<number> {
  return new Promise((resolve) => {
    client.run(count, resolve);
  });
}

/** Warm-up request with the writes captured; checks the response against the string API's body. */
async function checkedRequest(
  client: Client,
  registry: Registry,
  format?: Format,
): Promise<{ body: number; response: number; parts: Uint8Array[] }> {
  const socket = client.socket;
  socket.capture = [];
  const response = await requests(client, 1);
  const parts = socket.capture;
  socket.capture = null;
  socket.expect = response; // from now on, only the write that reaches this size is looked at
  const body = checkResponse(parts);
  const expected = await renderText(registry, format);
  if (body !== expected) throw new Error("the response's body differs from registry.render()'s text");
  return { body: body.length, response, parts };
}

async function instr(): Promise<void> {
  const registry = build(config.scenario);
  const n = config.n as number;
  const buffer = new Uint8Array(1024);
  let body = 0;
  let response = 0;
  let client: Client | undefined;
  let push: Pusher | undefined;
  let extra = {};
  let rw: ClientBench | undefined;
  if (config.path === "client") {
    rw = remoteWriteClient(registry);
    await rw.round();
    await rw.round();
    if (rw.sent() === 0) throw new Error("the remote-write client sent nothing");
    extra = { request: rw.body(), samples: rw.sent() / 2 };
  } else if (config.path === "encode" || config.path === "push" || config.path === "direct") {
    push = await pusher(
      registry,
      config.path === "direct" ? "direct" : config.path === "push",
      pushBytes(config.scenario),
    );
    const first = await push.push();
    const again = await push.push();
    if (first !== again)
      throw new Error("two batches of the same registry differ in size: " + String(first) + ", " + String(again));
    extra = {
      request: push.request().length,
      block: config.path === "encode" ? undefined : push.block().length,
      samples: push.samples,
    };
  } else if (config.path === "render" || config.path === "string") {
    body = await render(registry, buffer);
    const text = await renderText(registry);
    if (text.length !== body)
      throw new Error("reader gave " + String(body) + " bytes, render() " + String(text.length));
    if ((await renderString(registry)) !== body) throw new Error("metrics() gave another length");
  } else {
    client = await connect(registry, config.path === "scrape" ? PROMETHEUS_REQUEST : undefined);
    const r = await checkedRequest(client, registry, config.path === "scrape" ? OPENMETRICS_1_0_0 : undefined);
    body = r.body;
    response = r.response;
    if (config.path === "replay") {
      client = replayClient(r.parts);
      client.socket.expect = response;
      if ((await requests(client, 1)) !== response) throw new Error("the replay wrote another number of bytes");
    }
  }
  gc();
  if (!config.collecting) benchCollecting(false);
  const heapBefore = benchHeap(HEAP_SLOTS);
  if (config.path === "render") {
    for (let i = 0; i < n; i++) {
      const r = render(registry, buffer);
      if (typeof r !== "number") await r;
    }
  } else if (config.path === "string") {
    for (let i = 0; i < n; i++) await renderString(registry);
  } else if (push !== undefined) {
    for (let i = 0; i < n; i++) await push.push();
  } else if (rw !== undefined) {
    const before = rw.sent();
    for (let i = 0; i < n; i++) await rw.round();
    if (rw.sent() - before !== n * (extra as { samples: number }).samples)
      throw new Error("a round was not sent whole");
  } else {
    const last = await requests(client as Client, n);
    if (last !== response) throw new Error("response of " + String(last) + " bytes, the first had " + String(response));
  }
  const grew = benchHeap(HEAP_SLOTS) - heapBefore;
  benchCollecting(true);
  result({ body, response, heapGrewSlots: grew, ...extra });
}

async function heap(): Promise<void> {
  const registry = build(config.scenario);
  const warm = config.warm as number;
  const n = config.n as number;
  const first = config.first as number;
  const total = config.total as number;
  const buffer = new Uint8Array(1024);
  for (let i = 0; i < warm; i++) await render(registry, buffer);
  gc();
  benchCollecting(false);
  mark(0);
  for (let i = 0; i < n; i++) {
    const r = render(registry, buffer);
    if (typeof r !== "number") await r;
  }
  mark(1);
  benchCollecting(true);

  const client = await connect(registry);
  const checked = await checkedRequest(client, registry);
  await requests(client, first - 1);
  markLive(2);
  benchCollecting(false);
  mark(3);
  await requests(client, n);
  mark(4);
  benchCollecting(true);
  await requests(client, total - first - n);
  markLive(5);
  // the fake sockets' and driver's share (see paths/replay.ts)
  const replay = replayClient(checked.parts);
  replay.socket.expect = checked.response;
  await requests(replay, 2);
  gc();
  benchCollecting(false);
  mark(6);
  await requests(replay, n);
  mark(7);
  benchCollecting(true);
  // one remote-write batch (paths/push.ts): its state (label sets, buffers, table), then allocation per batch
  const bytes = pushBytes(config.scenario);
  markLive(8);
  const push = await pusher(registry, true, bytes);
  await push.push();
  markLive(9);
  await push.push();
  gc();
  benchCollecting(false);
  mark(10);
  for (let i = 0; i < n; i++) await push.push();
  mark(11);
  benchCollecting(true);
  // the same with SnappyRequestWriter
  markLive(12);
  const direct = await pusher(registry, "direct", bytes);
  await direct.push();
  markLive(13);
  await direct.push();
  gc();
  benchCollecting(false);
  mark(14);
  for (let i = 0; i < n; i++) await direct.push();
  mark(15);
  benchCollecting(true);
  // one round of the remote-write client (paths/client.ts): its state, then allocation per round
  markLive(16);
  const rwc = remoteWriteClient(registry);
  await rwc.round();
  await rwc.round();
  markLive(17);
  benchCollecting(false);
  mark(18);
  for (let i = 0; i < n; i++) await rwc.round();
  mark(19);
  benchCollecting(true);
  const clientAlloc = between(18, 19, n);
  const clientState = between(16, 17);
  result({
    clientAlloc,
    clientState,
    pushState: between(8, 9),
    pushBuffers: bytes + maxCompressedLength(bytes) + 2 * 4096,
    pushRequestBytes: bytes,
    pushAlloc: between(10, 11, n),
    directState: between(12, 13),
    directAlloc: between(14, 15, n),
    slotSize: benchHeap(SLOT_SIZE),
    chunkHeader: benchHeap(CHUNK_HEADER),
    body: checked.body,
    renderAlloc: between(0, 1, n),
    requestAlloc: between(3, 4, n),
    liveFirst: at(2),
    liveTotal: at(5),
    replayAlloc: between(6, 7, n),
  });
}

/** One labelled metric with `count` series in a registry of its own. */
function grow(registry: Registry, kind: string, from: number, to: number): void {
  const metric = registry.getSingleMetric("bench_series");
  for (let i = from; i < to; i++) {
    const sensor = "sensor-" + String(i);
    if (kind === "gauge") (metric as Gauge).set({ sensor }, 20.5 + i * 0.125);
    else if (kind === "counter") (metric as Counter).inc({ sensor }, 1 + i);
    else (metric as Histogram).observe({ sensor }, 0.004 + i * 0.001);
  }
}

async function series(): Promise<void> {
  const kind = config.kind as string;
  const base = config.base as number;
  const extra = config.extra as number;
  const registry = new Registry({ selfMetrics: false, maxSeries: Infinity });
  const options = { name: "bench_series", help: "Series of the bench.", labelNames: ["sensor"], registers: [registry] };
  if (kind === "gauge") new Gauge(options);
  else if (kind === "counter") new Counter(options);
  else if (kind === "histogram") new Histogram(options);
  else throw new Error("unknown kind " + kind);
  const buffer = new Uint8Array(1024);
  grow(registry, kind, 0, base);
  await render(registry, buffer);
  markLive(0);
  grow(registry, kind, base, base + extra);
  await render(registry, buffer);
  markLive(1);
  result({ slotSize: benchHeap(SLOT_SIZE), chunkHeader: benchHeap(CHUNK_HEADER), before: at(0), after: at(1) });
}

function selfcheck(): void {
  const keep: unknown[] = new Array(1000).fill(0);
  const half = "x".repeat(50);
  const other = "y".repeat(50);
  gc();
  benchCollecting(false);
  mark(0);
  for (let i = 0; i < 1000; i++) keep[i] = { a: i, b: i };
  mark(1);
  for (let i = 0; i < 1000; i++) keep[i] = half + other;
  mark(2);
  benchCollecting(true);
  result({
    slotSize: benchHeap(SLOT_SIZE),
    chunkHeader: benchHeap(CHUNK_HEADER),
    objects: between(0, 1),
    strings: between(1, 2),
    kept: keep.length,
  });
}

async function main(): Promise<void> {
  if (config.mode === "instr") await instr();
  else if (config.mode === "heap") await heap();
  else if (config.mode === "series") await series();
  else if (config.mode === "selfcheck") selfcheck();
  else throw new Error("unknown mode " + String(config.mode));
}

main().catch((e: unknown) => {
  fail(String(e) + (e instanceof Error && e.stack ? "\n" + e.stack : ""));
});
