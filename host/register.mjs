/**
 * Node loader entry for `npm start`: `node --import tsx/esm --import ./host/register.mjs host/start.ts` (host/start.ts
 * imports main.ts).
 *
 * Registers a resolve hook that maps each Moddable module specifier listed in host/modules.json
 * ("embedded:io/socket/tcp", "timer", "mc/config", ...) to its Node implementation under host/, so device code
 * imports them unchanged. Hooks registered later run first, so this hook sees each specifier before tsx; every
 * other specifier (relative, extensionless, TypeScript) goes on to tsx's own resolver.
 */
import { register } from "node:module";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = new URL("../", import.meta.url);
// host/mc-config.ts reads <root>/manifest.json (under CommonJS it finds the root from __dirname instead)
globalThis[Symbol.for("moddable-prometheus.root")] = fileURLToPath(root);
const table = JSON.parse(readFileSync(new URL("modules.json", import.meta.url), "utf8"));
const map = {};
for (const [specifier, file] of Object.entries(table)) {
  if (specifier === "//") continue;
  map[specifier] = new URL(file, root).href;
}

register("./loader/hooks.mjs", import.meta.url, { data: { map } });
