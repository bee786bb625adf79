// Each series caches its rendered label block for one name escaping. Two readers in different escapings, read in
// turns chunk by chunk, must each produce exactly the bytes of their own format's string render.
import { Registry, Counter, Gauge, Histogram } from "../../modules/client/index";
import { negotiate } from "../../modules/format/index";
import { utf8Decode } from "../support/utf8";

function drainInTurns(readers: { read(buf: Uint8Array): number }[], chunk: number): string[] {
  const outs: number[][] = readers.map(() => []);
  const done = readers.map(() => false);
  const buf = new Uint8Array(chunk);
  while (done.some((d) => !d)) {
    for (let i = 0; i < readers.length; i++) {
      if (done[i]) continue;
      const n = readers[i].read(buf);
      if (n === 0) done[i] = true;
      for (let k = 0; k < n; k++) outs[i].push(buf[k]);
    }
  }
  return outs.map((o) => utf8Decode(Uint8Array.from(o)));
}

describe("readers in different escapings, interleaved", () => {
  test("each gets its own format's bytes (label-block cache never leaks across escapings)", async () => {
    const r = new Registry({ selfMetrics: false });
    r.setDefaultLabels({ "site.name": "lab" });
    const g = new Gauge({
      name: "room.temperature_celsius",
      help: "t",
      labelNames: ["sensor.id", "model"],
      registers: [r],
    });
    const c = new Counter({ name: "reads_total", help: "r", labelNames: ["sensor.id"], registers: [r] });
    const h = new Histogram({
      name: "read_seconds",
      help: "h",
      labelNames: ["bus.port"],
      buckets: [0.1, 1],
      registers: [r],
    });
    for (let i = 0; i < 20; i++) {
      g.set({ "sensor.id": "s" + i, model: "si7021" }, i + 0.5);
      c.inc({ "sensor.id": "s" + i }, i);
    }
    h.observe({ "bus.port": "0" }, 0.5);
    await r.collect();
    const accepts = [
      "text/plain;version=1.0.0;escaping=allow-utf-8",
      "text/plain;version=0.0.4",
      "application/openmetrics-text;version=1.0.0;escaping=dots",
      "text/plain;version=1.0.0;escaping=values",
    ];
    const formats = accepts.map((a) => negotiate(a).format);
    for (const chunk of [1, 7, 64, 512]) {
      const got = drainInTurns(
        formats.map((f) => r.reader(f)),
        chunk,
      );
      for (let i = 0; i < formats.length; i++) expect(got[i]).toBe(r.render(formats[i]));
    }
    // the renders differ by escaping, so a leaked cache would have shown
    expect(r.render(formats[0])).not.toBe(r.render(formats[1]));
    expect(r.render(formats[0])).toContain('"sensor.id"="s3"');
    expect(r.render(formats[1])).toContain('sensor_id="s3"');
  });
});
