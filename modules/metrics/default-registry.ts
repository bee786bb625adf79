import type { Registry } from "./registry";

// Holds the default registry without an import cycle (metric.ts → here; registry.ts sets it when it loads).
let current: Registry | undefined;

export function setDefaultRegistry(r: Registry): void {
  current = r;
}

export function defaultRegistry(): Registry {
  if (current === undefined) throw new Error("No default registry: import the metrics library from modules/metrics/index");
  return current;
}
