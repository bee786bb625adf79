import {
  escapeHelp,
  escapeLabelValue,
  escapeName,
  PROMETHEUS_TEXT_0_0_4,
  OPENMETRICS_1_0_0,
  PROMETHEUS_TEXT_1_0_0,
  makeFormat,
} from "../../modules/format/index";
import { Registry, Gauge } from "../../modules/client/index";
import { renderAll, renderChecked, family } from "../support/check";

// [input, 0.0.4/1.0.0 HELP, OpenMetrics HELP, label value]
const STRINGS: Array<[string, string, string, string]> = [
  ["plain", "plain", "plain", "plain"],
  ["back\\slash", "back\\\\slash", "back\\\\slash", "back\\\\slash"],
  ['q"uote', 'q"uote', 'q\\"uote', 'q\\"uote'],
  ["new\nline", "new\\nline", "new\\nline", "new\\nline"],
  ["\\n literal", "\\\\n literal", "\\\\n literal", "\\\\n literal"],
  ['all \\ " \n', 'all \\\\ " \\n', 'all \\\\ \\" \\n', 'all \\\\ \\" \\n'],
  ["tab\tcr\r", "tab\tcr\r", "tab\tcr\r", "tab\tcr\r"],
  ["été 😀 ✓", "été 😀 ✓", "été 😀 ✓", "été 😀 ✓"],
  ["", "", "", ""],
  ["{}=,#", "{}=,#", "{}=,#", "{}=,#"],
];

describe("escaping tables", () => {
  for (const [s, help, omHelp, lv] of STRINGS) {
    it(JSON.stringify(s), () => {
      expect(escapeHelp(s, false)).toBe(help);
      expect(escapeHelp(s, true)).toBe(omHelp);
      expect(escapeLabelValue(s)).toBe(lv);
    });
  }
  it("hostile help and label values survive every format's render and re-parse", () => {
    const r = new Registry({ selfMetrics: false });
    STRINGS.forEach(([s], i) => {
      const g = new Gauge({ name: "m" + i, help: s.length > 0 ? s : "empty", labelNames: ["v"], registers: [r] });
      g.set({ v: s }, i);
    });
    renderAll(r);
    for (const f of [PROMETHEUS_TEXT_0_0_4, OPENMETRICS_1_0_0, PROMETHEUS_TEXT_1_0_0]) {
      const fams = renderChecked(r, f).families;
      STRINGS.forEach(([s], i) => {
        const fam = family(fams, "m" + i);
        expect(fam.help).toBe(s.length > 0 ? s : "empty");
        expect(fam.samples[0].labels.v).toBe(s);
      });
    }
  });
});

// [name, underscores, dots, values]  (metric names; ':' allowed)
const NAMES: Array<[string, string, string, string]> = [
  ["http_requests_total", "http_requests_total", "http__requests__total", "http_requests_total"],
  ["my.metric", "my_metric", "my_dot_metric", "U__my_2e_metric"],
  ["a:b", "a:b", "a:b", "a:b"],
  ["9lives", "_lives", "__lives", "U___39_lives"],
  ["temp-°C", "temp__C", "temp____C", "U__temp_2d__b0_C"],
  ["emoji😀x", "emoji_x", "emoji__x", "U__emoji_1f600_x"],
];

describe("name escaping schemes", () => {
  for (const [n, u, d, v] of NAMES) {
    it(n, () => {
      expect(escapeName(n, "allow-utf-8")).toBe(n);
      expect(escapeName(n, "underscores")).toBe(u);
      expect(escapeName(n, "dots")).toBe(d);
      expect(escapeName(n, "values")).toBe(v);
    });
  }
  it("label names do not keep ':'", () => {
    expect(escapeName("a:b", "underscores", false)).toBe("a_b");
  });
  it("UTF-8 names: quoted in text 1.0.0 (allow-utf-8), escaped in 0.0.4 and OpenMetrics", () => {
    const r = new Registry({ selfMetrics: false });
    const g = new Gauge({ name: "my.temp", help: "T.", labelNames: ["sensor.name", "ok"], registers: [r] });
    g.set({ "sensor.name": 'a"b', ok: "y" }, 1);
    renderAll(r);
    expect(renderChecked(r, PROMETHEUS_TEXT_1_0_0).text).toBe(
      '# HELP "my.temp" T.\n# TYPE "my.temp" gauge\n{"my.temp","sensor.name"="a\\"b",ok="y"} 1\n',
    );
    expect(renderChecked(r, PROMETHEUS_TEXT_0_0_4).text).toBe(
      '# HELP my_temp T.\n# TYPE my_temp gauge\nmy_temp{sensor_name="a\\"b",ok="y"} 1\n',
    );
    expect(renderChecked(r, makeFormat("text", "0.0.4", "dots")).text).toContain(
      'my_dot_temp{sensor_dot_name="a\\"b",ok="y"} 1\n',
    );
    expect(renderChecked(r, makeFormat("openmetrics", "1.0.0", "values")).text).toContain(
      'U__my_2e_temp{U__sensor_2e_name="a\\"b",ok="y"} 1\n',
    );
  });
  it("legacy names are never quoted in text 1.0.0", () => {
    const r = new Registry({ selfMetrics: false });
    new Gauge({ name: "plain_name", help: "P.", registers: [r] });
    expect(renderChecked(r, PROMETHEUS_TEXT_1_0_0).text).toBe(
      "# HELP plain_name P.\n# TYPE plain_name gauge\nplain_name 0\n",
    );
  });
});
