/**
 * One render through the path the HTTP server uses: `await registry.collect()` when some metric has a collect
 * callback (the ancestor's and the 200-series registries have none: the server then renders at once), then the
 * format's pull reader into a 1024-byte buffer until it returns 0. Returns the body size in bytes (a promise only
 * when it had to wait for collect).
 * (The only code of the bench that calls the exposition API for a render: adapt it here when the API changes.)
 */
import { PROMETHEUS_TEXT_0_0_4 } from "../api";
import type { Format, Registry } from "../api";

export function render(registry: Registry, buffer: Uint8Array): number | Promise<number> {
  if (registry.collects()) return registry.collect().then(() => read(registry, buffer));
  return read(registry, buffer);
}

function read(registry: Registry, buffer: Uint8Array): number {
  const reader = registry.reader(PROMETHEUS_TEXT_0_0_4);
  let bytes = 0;
  for (let n = reader.read(buffer); n > 0; n = reader.read(buffer)) bytes += n;
  return bytes;
}

/** The string API, `registry.metrics()` (collect, then the whole body as one string): for comparison. */
export async function renderString(registry: Registry): Promise<number> {
  return (await registry.metrics(PROMETHEUS_TEXT_0_0_4)).length;
}

/** The body as text (for the bench's checks, outside the measured loop). */
export async function renderText(registry: Registry, format: Format = PROMETHEUS_TEXT_0_0_4): Promise<string> {
  await registry.collect();
  return registry.render(format);
}
