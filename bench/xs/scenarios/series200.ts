/**
 * A registry of 200 series (sample lines) of a busy sensor node: counters with and without labels, labelled gauges,
 * one histogram (default 11 buckets: 14 series) and one summary (7 quantiles: 9 series).
 *   counters: 1 + 40 + 40 = 81 series; gauges: 1 + 40 + 40 + 15 = 96; histogram 14; summary 9.
 * Values are fixed (no randomness): integers for counters, fractional readings for gauges, so that number
 * formatting is exercised as on a device. The summary gets a fixed clock (`now`), so that its sliding window never
 * rotates during a run (a rotation would change the work of a render between runs).
 */
import { Registry, Counter, Gauge, Histogram, Summary } from "../api";

export const SERIES = 200;
const CLOCK = 1_700_000_000_000;

export function build(): Registry {
  const registry = new Registry({ selfMetrics: false });
  const registers = [registry];
  const now = () => CLOCK;

  const restarts = new Counter({ name: "exporter_restarts_total", help: "Restarts of the exporter.", registers });
  const reads = new Counter({ name: "sensor_reads_total", help: "Sensor reads.", labelNames: ["sensor"], registers });
  const errors = new Counter({
    name: "sensor_read_errors_total",
    help: "Sensor read errors by kind.",
    labelNames: ["sensor", "kind"],
    registers,
  });
  const up = new Gauge({ name: "exporter_up", help: "1 while the exporter runs.", registers });
  const temperature = new Gauge({
    name: "sensor_temperature_celsius",
    help: "Temperature.",
    labelNames: ["sensor", "address"],
    registers,
  });
  const humidity = new Gauge({
    name: "sensor_humidity_ratio",
    help: "Relative humidity (0..1).",
    labelNames: ["sensor"],
    registers,
  });
  const pressure = new Gauge({
    name: "sensor_pressure_pascals",
    help: "Air pressure.",
    labelNames: ["sensor"],
    registers,
  });
  const duration = new Histogram({
    name: "sensor_read_duration_seconds",
    help: "Duration of a sensor read.",
    registers,
    now,
  });
  const latency = new Summary({ name: "http_request_duration_seconds", help: "Duration of a scrape.", registers, now });

  restarts.inc(3);
  up.set(1);
  for (let i = 0; i < 40; i++) {
    const sensor = "sensor-" + String(i);
    reads.inc({ sensor }, 1000 + i * 37);
    errors.inc({ sensor, kind: i % 2 === 0 ? "crc" : "timeout" }, i % 7);
    temperature.set({ sensor, address: "0x" + (0x40 + i).toString(16) }, 18.25 + i * 0.173);
    humidity.set({ sensor }, 0.3 + i * 0.0117);
    if (i < 15) pressure.set({ sensor }, 98000 + i * 13.7);
  }
  for (let i = 0; i < 100; i++) {
    duration.observe((i % 50) / 1000 + 0.0007 * i);
    latency.observe(0.002 + (i % 23) * 0.00031);
  }
  return registry;
}
