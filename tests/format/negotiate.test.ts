import { negotiate } from "../../modules/format/index";

const T004 = "text/plain; version=0.0.4; charset=utf-8";
const OM100 = "application/openmetrics-text; version=1.0.0; charset=utf-8";
const OM001 = "application/openmetrics-text; version=0.0.1; charset=utf-8";
const T100 = (e: string) => "text/plain; version=1.0.0; charset=utf-8; escaping=" + e;

const TABLE: Array<[string | undefined, string, string]> = [
  [undefined, T004, "no header"],
  ["", T004, "empty header"],
  ["*/*", T004, "wildcard"],
  ["text/*", T004, "text wildcard"],
  ["text/plain", T004, "text/plain without version"],
  ["text/html", T004, "nothing acceptable → fallback"],
  ["application/json", T004, "nothing acceptable → fallback"],
  ["application/openmetrics-text", OM100, "OpenMetrics without version"],
  ["application/openmetrics-text; version=1.0.0", OM100, "OpenMetrics 1.0.0"],
  ["application/openmetrics-text; version=0.0.1", OM001, "OpenMetrics 0.0.1 only"],
  ["application/openmetrics-text; version=2.0.0", T004, "unknown OpenMetrics version → fallback"],
  [
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
    OM100,
    "Prometheus 2.42",
  ],
  [
    "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
    OM100 + "; escaping=allow-utf-8",
    "Prometheus 3 (OpenMetrics first)",
  ],
  [
    "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.9,text/plain;version=0.0.4;q=0.3",
    T100("allow-utf-8"),
    "text 1.0.0 with UTF-8",
  ],
  ["text/plain;version=1.0.0", T100("underscores"), "text 1.0.0 default escaping"],
  ["text/plain;version=1.0.0;escaping=dots", T100("dots"), "dots"],
  ["text/plain;version=1.0.0;escaping=values", T100("values"), "values"],
  ["text/plain;version=1.0.0;escaping=bogus", T100("underscores"), "unknown escaping → underscores"],
  ["text/plain;version=0.0.4;escaping=dots", T004 + "; escaping=dots", "0.0.4 with dots"],
  ["text/plain;version=0.0.4;q=0.5,application/openmetrics-text;q=0.4", T004, "higher q wins"],
  ["text/plain;version=0.0.4;q=0.3,application/openmetrics-text;q=0.4", OM100, "higher q wins (2)"],
  ["application/openmetrics-text;q=0,*/*", T004, "q=0 excludes OpenMetrics; wildcard gives 0.0.4"],
  ["text/plain;q=0,*/*", OM100, "q=0 excludes text/plain; wildcard gives the next format"],
  ["text/plain;q=0", T004, "only exclusions → fallback"],
  ["text/plain, application/openmetrics-text", T004, "tie: first in header"],
  ["application/openmetrics-text, text/plain", OM100, "tie: first in header (2)"],
  ["*/*;q=0.9,application/openmetrics-text;q=0.5", T004, "wildcard with higher q"],
  ["APPLICATION/OpenMetrics-Text; VERSION=1.0.0", OM100, "case-insensitive type and parameter names"],
  ['application/openmetrics-text; version="1.0.0"', OM100, "quoted parameter value"],
  ["  application/openmetrics-text ;  version=1.0.0 ; q=1.0 ", OM100, "whitespace"],
  ["application/openmetrics-text;q=2,text/plain", T004, "invalid q ignores the range"],
  ["application/openmetrics-text;q=0.1234,text/plain;q=0.05", T004, "q with 4 decimals is invalid"],
  ["application/openmetrics-text;q=abc", T004, "garbage q"],
  [",,,;;;", T004, "garbage"],
  ["*/plain", T004, "invalid wildcard"],
  [
    "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3",
    T004,
    "protobuf not offered",
  ],
];

describe("Accept negotiation", () => {
  for (const [accept, ct, why] of TABLE) {
    it(`${why}: ${JSON.stringify(accept)}`, () => {
      const r = negotiate(accept);
      expect(r.contentType).toBe(ct);
      expect(r.format.contentType).toBe(ct);
    });
  }
  it("is bounded on a huge header", () => {
    let h = "";
    for (let i = 0; i < 2000; i++) h += "text/html;q=0.1,";
    h += "application/openmetrics-text";
    expect(negotiate(h).contentType).toBe(T004); // beyond the first 4096 characters / 64 ranges
  });
});
