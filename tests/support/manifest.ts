/**
 * The Moddable manifests of the firmware, read as mcconfig reads them: manifest.json and every manifest it includes
 * (for any platform), their "modules" maps (exact names and wildcards) and their "preload" lists. Used by
 * tests/app/preload-safety.test.ts to derive the device modules from the build instead of listing them by hand.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export const root = path.join(__dirname, "..", "..");

type List = string | string[];
interface ManifestJson {
  include?: List;
  modules?: Record<string, List>;
  preload?: List;
  platforms?: Record<string, { include?: List; modules?: Record<string, List>; preload?: List }>;
}

export interface Manifest {
  /** relative to the repository, "/" separators */
  file: string;
  json: ManifestJson;
}

const list = (v: List | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const rel = (abs: string) => path.relative(root, abs).split(path.sep).join("/");
const CODE = [".ts", ".js"];

/** Our manifests: `start` and what it includes, top level and per platform (the SDK's, $(MODDABLE)/..., left out). */
export function manifests(start = "manifest.json"): Manifest[] {
  const out: Manifest[] = [];
  const visit = (file: string) => {
    if (out.some((m) => m.file === file)) return;
    const json = JSON.parse(fs.readFileSync(path.join(root, file), "utf8")) as ManifestJson;
    out.push({ file, json });
    const includes = [...list(json.include), ...Object.values(json.platforms ?? {}).flatMap((p) => list(p.include))];
    for (const inc of includes) if (!inc.startsWith("$(")) visit(rel(path.join(root, path.dirname(file), inc)));
  };
  visit(start);
  return out;
}

function sections(m: Manifest) {
  return [m.json, ...Object.values(m.json.platforms ?? {})];
}

/** The source file a module path without extension names, or undefined. */
function probe(base: string): string | undefined {
  for (const ext of CODE) if (fs.existsSync(base + ext)) return rel(base + ext);
  return undefined;
}

/**
 * Module name → the files the manifests map to it (several for a name each board maps, as "network-monitor").
 * "*": "./main" names a module after its file; "prefix/*": "./dir/*" names each file directly in dir (not in its
 * subfolders, as mcconfig does) prefix/<file name>.
 */
export function moduleMap(all = manifests()): Map<string, string[]> {
  const map = new Map<string, string[]>();
  const add = (name: string, file: string) => {
    const files = map.get(name) ?? [];
    if (!files.includes(file)) files.push(file);
    map.set(name, files);
  };
  for (const m of all) {
    for (const section of sections(m)) {
      for (const [key, value] of Object.entries(section.modules ?? {})) {
        for (const target of list(value)) {
          if (target.startsWith("$(")) continue;
          const base = path.join(root, path.dirname(m.file), target);
          if (!target.endsWith("*")) {
            const file = probe(base);
            if (file !== undefined) add(key === "*" ? path.basename(base) : key, file);
            continue;
          }
          const dir = path.dirname(base);
          const stem = path.basename(base).slice(0, -1);
          if (!fs.existsSync(dir)) continue;
          for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const ext = path.extname(entry.name);
            if (!entry.isFile() || !CODE.includes(ext) || entry.name.endsWith(".d.ts") || !entry.name.startsWith(stem))
              continue;
            const rest = entry.name.slice(stem.length, -ext.length);
            add(key === "*" ? rest : key.slice(0, -1) + rest, rel(path.join(dir, entry.name)));
          }
        }
      }
    }
  }
  return map;
}

/** The names every manifest preloads (top level and per platform). */
export function preloaded(all = manifests()): string[] {
  return all.flatMap((m) => sections(m).flatMap((s) => list(s.preload)));
}

/** Every .ts and .js file (not .d.ts) under dir, recursively, relative to the repository, sorted. */
export function listCode(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const file = dir + "/" + entry.name;
    if (entry.isDirectory()) out.push(...listCode(file));
    else if (CODE.includes(path.extname(entry.name)) && !entry.name.endsWith(".d.ts")) out.push(file);
  }
  return out.sort();
}
