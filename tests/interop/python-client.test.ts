// Differential check against the Python client (Debian python3-prometheus-client 0.16, /usr/bin/python3): the same
// Counter, Gauge, Histogram, Info and Enum with the same hostile label values and special numbers, rendered by
// prometheus_client itself and by us, must parse (with prometheus_client's parsers) to the same families, HELP, UNIT,
// samples, label values and values, in 0.0.4 and in OpenMetrics.
// Intended divergences, normalised here and documented in docs/testing.md (interop lane):
// - `le` in 0.0.4: we print le="1" (as prom-client and client_golang), client_python prints le="1.0"
//   (compared as numbers);
// - `_created`: client_python always exports it (in 0.0.4 as separate `*_created` gauge families); we do only in
//   OpenMetrics and only when the registry is built with { created: true } (a device may have no clock);
// - the default label `site` is a registry default label on our side and an ordinary label on client_python's.
import { negotiate } from "../../modules/format/index";
import {
  BUCKETS,
  buildHostileRegistry,
  DEFAULT_LABEL,
  HOSTILE,
  HOSTILE_HELP,
  NUMBERS,
  OBSERVATIONS,
  parseValue,
  sampleKey,
  valueMatches,
} from "./support/hostile";
import { pythonParse, PYTHON, REPO_ROOT, requirePythonClient, run, type ParsedFamily } from "./support/tools";
import { join } from "node:path";

beforeAll(() => {
  requirePythonClient();
});

function numberSpec(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (n === Infinity) return "+Inf";
  if (n === -Infinity) return "-Inf";
  return Object.is(n, -0) ? "-0" : String(n);
}

async function pythonRender(format: "0.0.4" | "openmetrics"): Promise<string> {
  const spec = {
    hostile: HOSTILE,
    site: DEFAULT_LABEL.site,
    help: HOSTILE_HELP,
    numbers: NUMBERS.map(([k, v]) => [k, numberSpec(v)]),
    buckets: BUCKETS,
    observations: OBSERVATIONS,
  };
  const r = await run(PYTHON, [join(REPO_ROOT, "tests/interop/support/python_exposition.py"), format], {
    input: JSON.stringify(spec),
  });
  if (r.code !== 0) throw new Error(`client_python exposition failed: ${r.stderr}`);
  return r.stdout;
}

function normalise(f: ParsedFamily) {
  const samples = f.samples
    .filter((s) => !s.name.endsWith("_created"))
    .map((s) => ({ ...s, labels: "le" in s.labels ? { ...s.labels, le: String(parseValue(s.labels.le)) } : s.labels }));
  return { name: f.name, type: f.type, documentation: f.documentation, unit: f.unit, samples };
}

describe.each(["0.0.4", "openmetrics"] as const)("client_python and ours agree (%s)", (format) => {
  test("same families, HELP, UNIT, samples, label values and values", async () => {
    const theirs = (await pythonParse(await pythonRender(format), format))
      .filter((f) => !f.name.endsWith("_created"))
      .map(normalise);
    const { registry } = buildHostileRegistry();
    const fmt = negotiate(
      format === "0.0.4" ? "text/plain; version=0.0.4" : "application/openmetrics-text; version=1.0.0",
    ).format;
    const ours = (await pythonParse(await registry.metrics(fmt), format)).map(normalise);
    expect(theirs.map((f) => f.name)).toEqual([
      "interop_requests",
      "interop_temperature_celsius",
      "interop_request_duration_seconds",
      format === "0.0.4" ? "interop_build_info" : "interop_build",
      "interop_link_state",
    ]);
    const problems: string[] = [];
    for (const t of theirs) {
      const o = ours.find((f) => f.name === t.name);
      if (!o) {
        problems.push(`${t.name}: not in our render`);
        continue;
      }
      for (const k of ["type", "documentation", "unit"] as const) {
        if (o[k] !== t[k]) problems.push(`${t.name}: ${k} ours ${JSON.stringify(o[k])} theirs ${JSON.stringify(t[k])}`);
      }
      const mine = new Map(o.samples.map((s) => [sampleKey(s.name, s.labels), s.value]));
      for (const s of t.samples) {
        const k = sampleKey(s.name, s.labels);
        const v = mine.get(k);
        if (v === undefined) {
          problems.push(`${t.name}: ${k} missing in ours`);
          continue;
        }
        mine.delete(k);
        if (!valueMatches(parseValue(s.value), parseValue(v)))
          problems.push(`${t.name}: ${k} ours ${v} theirs ${s.value}`);
      }
      for (const k of mine.keys()) problems.push(`${t.name}: ${k} only in ours`);
    }
    expect(problems).toEqual([]);
  });
});
