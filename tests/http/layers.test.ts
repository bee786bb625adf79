/**
 * The house rules of the HTTP layers, checked on the sources: the transport (modules/http) knows nothing of
 * Prometheus; no file of the transport or the handler exceeds 700 lines but the byte parser; UTF-16 surrogate
 * arithmetic, Base64 and HTML escaping are written once, in modules/text.
 */
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.join(__dirname, "..", "..");

function listTs(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = dir + "/" + entry.name;
    if (entry.isDirectory()) out.push(...listTs(rel));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) out.push(rel);
  }
  return out.sort();
}

const read = (f: string) => fs.readFileSync(path.join(root, f), "utf8");

/** the module specifiers a file imports (static imports and re-exports) */
function imports(source: string): string[] {
  return [...source.matchAll(/^\s*(?:import|export)\b[^"']*?from\s*["']([^"']+)["']/gm)].map((m) => m[1]);
}

describe("HTTP layers", () => {
  test("modules/http imports only itself, modules/text and platform modules: nothing of Prometheus", () => {
    const files = listTs("modules/http");
    expect(files.length).toBeGreaterThan(0);
    const outside = files.flatMap((f) =>
      imports(read(f))
        .filter((s) => s.startsWith(".") && !s.startsWith("./") && !s.startsWith("../text/"))
        .map((s) => `${f}: ${s}`),
    );
    expect(outside).toEqual([]);
  });

  test("no file of modules/http or modules/promhttp above 700 lines, but the byte parser", () => {
    const long = [...listTs("modules/http"), ...listTs("modules/promhttp")]
      .filter((f) => f !== "modules/http/parser.ts")
      .map((f) => [f, read(f).split("\n").length] as const)
      .filter(([, n]) => n > 700);
    expect(long).toEqual([]);
  });

  test("surrogate pairs, Base64 and HTML escaping are written once, in modules/text", () => {
    // modules/metrics and modules/format (issue 8, in progress elsewhere) still validate names with their own loops
    const dirs = [
      "modules/app",
      "modules/device",
      "modules/http",
      "modules/promhttp",
      "modules/client",
      "modules/model",
      "sensors",
      "host",
    ];
    const offenders = dirs.flatMap(listTs).filter((f) => {
      const s = read(f);
      return (
        /0xd800|0xdc00|55296|56320/i.test(s) ||
        /ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/.test(s) ||
        /&amp;/.test(s)
      );
    });
    expect(offenders).toEqual([]);
  });
});
