import { Registry, Counter, Gauge } from "../../modules/client/index";
import { negotiate } from "../../modules/format/index";

describe("core smoke", () => {
  it("renders a counter and a gauge in 0.0.4", () => {
    const r = new Registry({ selfMetrics: false });
    const c = new Counter({ name: "a_total", help: "A.", labelNames: ["x"], registers: [r] });
    c.inc({ x: "1" }, 2);
    new Gauge({ name: "b", help: "B.", registers: [r] }).set(3);
    expect(r.render()).toBe(
      '# HELP a_total A.\n# TYPE a_total counter\na_total{x="1"} 2\n# HELP b B.\n# TYPE b gauge\nb 3\n',
    );
  });
  it("negotiates OpenMetrics for Prometheus 2.42's Accept", () => {
    expect(
      negotiate(
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
      ).contentType,
    ).toBe("application/openmetrics-text; version=1.0.0; charset=utf-8");
  });
});
