// What the XS lanes (tests/xs/run.mjs, bench/xs/run.mjs) share to bundle TypeScript into IIFE scripts for xsnap:
// the esbuild options and the plugin that maps the platform's module specifiers (host/modules.json) to stand-ins.
import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

/**
 * Device code imports platform modules by their Moddable specifier (host/modules.json lists them). xsnap has none of
 * them: the stand-in <standInDir>/<last path segment>.ts is used if there is one (standInDir: a folder, or a list of
 * folders looked at in order), else bundling fails with a clear message naming the file to add.
 */
export function platformPlugin(root, standInDir) {
  const dirs = Array.isArray(standInDir) ? standInDir : [standInDir];
  const rel = (p) => relative(root, p).split("\\").join("/");
  const hostModules = JSON.parse(readFileSync(join(root, "host", "modules.json"), "utf8"));
  delete hostModules["//"];
  return {
    name: "xs-platform",
    setup(build) {
      const names = Object.keys(hostModules).map((s) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"));
      if (!names.length) return;
      build.onResolve({ filter: new RegExp("^(" + names.join("|") + ")$") }, (a) => {
        const file =
          a.path
            .split("/")
            .pop()
            .replace(/[^A-Za-z0-9_-]/g, "_") + ".ts";
        for (const dir of dirs) if (existsSync(join(dir, file))) return { path: join(dir, file) };
        return {
          errors: [
            {
              text: `platform module "${a.path}" (imported by ${rel(a.importer)}) has no XS stand-in: add ${rel(join(dirs[0], file))}`,
            },
          ],
        };
      });
    },
  };
}

/** esbuild options for a script xsnap runs (and Node, as CommonJS, with the same bytes). */
export function xsBundleOptions() {
  return {
    bundle: true,
    format: "iife", // a script: an exception in an ES module makes xsnap exit 0 silently
    platform: "neutral",
    mainFields: ["module", "main"],
    conditions: ["import", "default"],
    target: "es2022",
    outExtension: { ".js": ".cjs" }, // same bytes run as a script by xsnap and as CommonJS by node
    charset: "utf8",
    legalComments: "none",
    logLevel: "silent",
    write: true,
  };
}
