/**
 * The registry of our ancestor's README example (prometheus_express by ssube, README "For those unfamiliar with
 * Prometheus"): 4 gauges, 6 series, with the README's values. The README's output also shows a
 * `{sensor="None"}` series for each labelled gauge (prometheus_express reports an all-None default series); those two
 * lines are left out, as the 616-byte body of issue 8 does: our labelled gauges have no default series.
 * The 0.0.4 text body is 616 bytes.
 */
import { Registry, Gauge } from "../api";

export const EXPECTED_BODY_BYTES = 616;

export function build(): Registry {
  const registry = new Registry({ selfMetrics: false });
  const registers = [registry];
  const gas = new Gauge({ name: "prom_express_gas", help: "gas from the bme680 sensor", registers });
  const humidity = new Gauge({
    name: "prom_express_humidity",
    help: "humidity from both sensors",
    labelNames: ["sensor"],
    registers,
  });
  const pressure = new Gauge({ name: "prom_express_pressure", help: "pressure from the bme680 sensor", registers });
  const temperature = new Gauge({
    name: "prom_express_temperature",
    help: "temperature from both sensors",
    labelNames: ["sensor"],
    registers,
  });
  gas.set(1060948);
  humidity.set({ sensor: "bme680" }, 49.4062);
  humidity.set({ sensor: "si7021" }, 49.7976);
  pressure.set(983.25);
  temperature.set({ sensor: "bme680" }, 24.7359);
  temperature.set({ sensor: "si7021" }, 24.3325);
  return registry;
}
