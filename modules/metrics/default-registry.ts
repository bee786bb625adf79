import type { Registry } from "./registry";

// Holds the default registry without an import cycle (metric.ts → here; registry.ts installs the factory when it
// loads). The registry itself is created on first use, at run time: created while the module loads, it would be
// preloaded into flash on a Moddable build and its maps would be read-only.
let factory: (() => Registry) | undefined;
let current: Registry | undefined;

export function setDefaultRegistryFactory(create: () => Registry): void {
  factory = create;
}

export function defaultRegistry(): Registry {
  if (current === undefined) {
    if (factory === undefined) throw new Error("No default registry: import the library from modules/client/index");
    current = factory();
  }
  return current;
}
