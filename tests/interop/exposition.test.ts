// Issue 2 item 8: renders of a registry holding every metric type and hostile label values, checked by real tools:
// - `promtool check metrics` (Prometheus 2.42, Debian) must print nothing and exit 0 on the 0.0.4 render
//   (promtool 2.42 only parses the 0.0.4 text format, so OpenMetrics is checked by the parsers below and by a real
//   Prometheus server in prometheus-scrape.test.ts);
// - prometheus_client's parsers (Debian python3-prometheus-client, /usr/bin/python3) must accept the 0.0.4 and the
//   OpenMetrics renders, and what they parsed (family names, types, HELP, UNIT, sample names, label values after
//   unescaping, values incl. NaN/±Inf) must equal what the test set.
import { negotiate } from "../../modules/format/index";
import type { Format } from "../../modules/format/index";
import type { Registry } from "../../modules/client/index";
import { buildHostileRegistry, parseValue, sampleKey, valueMatches, type ExpectedFamily } from "./support/hostile";
import {
  promtoolCheckMetrics,
  pythonParse,
  requirePythonClient,
  requireTool,
  type ParsedFamily,
} from "./support/tools";

beforeAll(() => {
  requireTool("promtool", ["--version"], "prometheus");
  requirePythonClient();
});

const OM: Format = negotiate("application/openmetrics-text; version=1.0.0").format;
const TEXT: Format = negotiate("text/plain; version=0.0.4").format;

/** Renders through the streaming reader with a small chunk (splits UTF-8 sequences), decoded once at the end. */
async function renderChunked(registry: Registry, format: Format, chunk: number): Promise<string> {
  await registry.collect();
  const reader = registry.reader(format);
  const buf = new Uint8Array(chunk);
  const parts: Uint8Array[] = [];
  for (let i = 0; i < 1_000_000; i++) {
    const n = reader.read(buf);
    if (n === 0) return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(parts));
    parts.push(buf.slice(0, n));
  }
  throw new Error("reader never finished");
}

/** Compares what a parser returned with the model: same families in order, same samples (any order within a family). */
function compare(parsed: ParsedFamily[], expected: ExpectedFamily[]): string[] {
  const problems: string[] = [];
  const got = parsed.map((f) => `${f.name}:${f.type}`);
  const want = expected.map((f) => `${f.name}:${f.type}`);
  if (JSON.stringify(got) !== JSON.stringify(want))
    problems.push(`families differ:\n  got  ${JSON.stringify(got)}\n  want ${JSON.stringify(want)}`);
  for (const e of expected) {
    const p = parsed.find((f) => f.name === e.name);
    if (!p) continue;
    if (e.help !== "*" && p.documentation !== e.help)
      problems.push(`${e.name}: HELP ${JSON.stringify(p.documentation)} != ${JSON.stringify(e.help)}`);
    if (p.unit !== e.unit) problems.push(`${e.name}: UNIT ${JSON.stringify(p.unit)} != ${JSON.stringify(e.unit)}`);
    const left = new Map(p.samples.map((s) => [sampleKey(s.name, s.labels), s]));
    if (left.size !== p.samples.length) problems.push(`${e.name}: duplicate samples`);
    for (const s of e.samples) {
      const k = sampleKey(s.name, s.labels);
      const a = left.get(k);
      if (!a) {
        problems.push(`${e.name}: missing sample ${k}`);
        continue;
      }
      left.delete(k);
      if (!valueMatches(s.value, parseValue(a.value)))
        problems.push(`${e.name}: ${k} value ${a.value}, want ${JSON.stringify(s.value)}`);
      if (a.timestamp !== null) problems.push(`${e.name}: ${k} has a timestamp ${a.timestamp}`);
    }
    for (const k of left.keys()) problems.push(`${e.name}: unexpected sample ${k}`);
  }
  return problems;
}

describe("Prometheus text 0.0.4 render of every metric type with hostile labels", () => {
  const { registry, expected } = buildHostileRegistry();
  let text = "";

  beforeAll(async () => {
    text = await registry.metrics();
  });

  test("the string API and the streaming reader (7-byte chunks) give the same bytes", async () => {
    expect(registry.contentType).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(TEXT.contentType).toBe(registry.contentType);
    expect(await renderChunked(registry, TEXT, 7)).toBe(text);
  });

  test("promtool check metrics: exit 0, no lint complaint", async () => {
    const r = await promtoolCheckMetrics(text);
    expect({ code: r.code, output: r.stdout + r.stderr }).toEqual({ code: 0, output: "" });
  });

  test("prometheus_client.parser reads back exactly what was set", async () => {
    const parsed = await pythonParse(text, "0.0.4");
    expect(compare(parsed, expected("text"))).toEqual([]);
  });
});

describe("OpenMetrics 1.0.0 render of every metric type with hostile labels", () => {
  const { registry, expected } = buildHostileRegistry();
  let text = "";

  beforeAll(async () => {
    text = await registry.metrics(OM);
  });

  test("negotiated content type, # EOF last, the streaming reader (5-byte chunks) gives the same bytes", async () => {
    expect(OM.contentType).toBe("application/openmetrics-text; version=1.0.0; charset=utf-8");
    expect(text.endsWith("\n# EOF\n")).toBe(true);
    expect(await renderChunked(registry, OM, 5)).toBe(text);
  });

  test("prometheus_client.openmetrics.parser (strict) reads back exactly what was set", async () => {
    const parsed = await pythonParse(text, "openmetrics");
    expect(compare(parsed, expected("openmetrics"))).toEqual([]);
  });
});

describe("the checks can fail", () => {
  // Guards against a vacuous lane: the same tools must reject renders that real exporters have shipped.
  test("promtool complains about ESPHome's '#TYPE' without a space and a missing HELP", async () => {
    const r = await promtoolCheckMetrics("#TYPE esphome_temperature gauge\nesphome_temperature 21.5\n");
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/no help text/);
  });

  test("prometheus_client rejects an unescaped quote and a label value with a raw newline", async () => {
    await expect(pythonParse('# TYPE a gauge\na{l="x"y"} 1\n', "0.0.4")).rejects.toThrow(/parser rejected/);
    await expect(pythonParse('# TYPE a gauge\na{l="x\ny"} 1\n# EOF\n', "openmetrics")).rejects.toThrow(
      /parser rejected/,
    );
  });

  test("the comparison notices a wrong unescaping", () => {
    const { expected } = buildHostileRegistry();
    const fams = expected("text");
    const parsed: ParsedFamily[] = fams.map((f) => ({
      name: f.name,
      type: f.type,
      documentation: f.help === "*" ? "" : f.help,
      unit: f.unit,
      samples: f.samples.map((s) => ({
        name: s.name,
        labels: Object.fromEntries(Object.entries(s.labels).map(([k, v]) => [k, v.replace(/\n/g, "\\n")])),
        value: String(typeof s.value === "number" ? s.value : s.value.approx),
        timestamp: null,
      })),
    }));
    expect(compare(parsed, fams).join("\n")).toMatch(/missing sample/);
  });
});
