/**
 * First run on a fresh machine, as the README tells it: `npm install` on the Node version the README names compiles
 * nothing and warns about no engine; the project carries the license it claims; the README speaks to users.
 * Checked from package.json and package-lock.json (what `npm ci` installs), LICENSE and README.md.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = join(__dirname, "..");
const read = (file: string) => readFileSync(join(root, file), "utf8");
const pkg = JSON.parse(read("package.json"));
const lock = JSON.parse(read("package-lock.json"));
const readme = read("README.md");

/** Packages whose install script was reviewed: what it does, and that it compiles nothing. */
const REVIEWED_INSTALL_SCRIPTS: Record<string, string> = {
  esbuild:
    "postinstall `node install.js`: checks that the prebuilt binary of @esbuild/<platform> is there; no compiler",
};

type Version = [number, number, number];

function parseVersion(text: string): { v: Version; given: number } {
  const parts = text.replace(/^v/, "").split(".");
  const nums: number[] = [];
  for (const p of parts) {
    if (p === "*" || p === "x" || p === "") break;
    if (!/^\d+$/.test(p)) throw new Error(`unsupported version ${JSON.stringify(text)}`);
    nums.push(Number(p));
  }
  return { v: [nums[0] ?? 0, nums[1] ?? 0, nums[2] ?? 0], given: nums.length };
}

function compare(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** Does `version` satisfy the npm `engines` range? (the forms found in lock files: ||, >=, >, <, <=, ^, ~, x.*, *) */
function satisfies(version: string, range: string): boolean {
  const v = parseVersion(version).v;
  return range.split("||").some((alternative) => {
    const comparators = alternative
      .trim()
      .replace(/(>=|<=|>|<|=|\^|~)\s+/g, "$1")
      .split(/\s+/)
      .filter(Boolean);
    return comparators.every((c) => {
      if (c === "*" || c === "x") return true;
      const m = /^(>=|<=|>|<|=|\^|~)?(.*)$/.exec(c)!;
      const op = m[1] ?? "";
      const { v: w, given } = parseVersion(m[2]);
      const upper = (): Version =>
        given <= 1 ? [w[0] + 1, 0, 0] : given === 2 || op === "~" ? [w[0], w[1] + 1, 0] : [w[0], w[1], w[2] + 1];
      switch (op) {
        case ">=":
          return compare(v, w) >= 0;
        case ">":
          return given === 3 ? compare(v, w) > 0 : compare(v, upper()) >= 0;
        case "<":
          return compare(v, w) < 0;
        case "<=":
          return given === 3 ? compare(v, w) <= 0 : compare(v, upper()) < 0;
        case "^":
          return compare(v, w) >= 0 && compare(v, w[0] > 0 || given === 1 ? [w[0] + 1, 0, 0] : [0, w[1] + 1, 0]) < 0;
        case "~":
          return compare(v, w) >= 0 && compare(v, given === 1 ? [w[0] + 1, 0, 0] : [w[0], w[1] + 1, 0]) < 0;
        default:
          return compare(v, w) >= 0 && compare(v, given === 3 ? [w[0], w[1], w[2] + 1] : upper()) < 0;
      }
    });
  });
}

describe("npm install on a fresh machine", () => {
  const readmeNode = /Node\.js (\d+) or newer/.exec(readme);

  test("the range check reads npm's ranges right", () => {
    expect(satisfies("20.0.0", ">=20")).toBe(true);
    expect(satisfies("20.0.0", ">=22")).toBe(false);
    expect(satisfies("20.0.0", "^20.9 || ^22.11")).toBe(false);
    expect(satisfies("20.19.0", "^20.9 || ^22.11")).toBe(true);
    expect(satisfies("20.0.0", "^14.15.0 || ^16.10.0 || >=18.0.0")).toBe(true);
    expect(satisfies("20.0.0", "6.* || 8.* || >= 10.*")).toBe(true);
    expect(satisfies("20.0.0", "6.* || 8.*")).toBe(false);
    expect(satisfies("20.0.0", ">= 0.4")).toBe(true);
    expect(satisfies("20.0.0", "*")).toBe(true);
  });

  test("no installed package asks for a newer Node than the README names (no EBADENGINE)", () => {
    expect(readmeNode).not.toBeNull();
    const node = `${readmeNode![1]}.0.0`;
    expect(pkg.engines.node).toBe(`>=${readmeNode![1]}`);
    const refusing = Object.entries(lock.packages as Record<string, { engines?: { node?: string } }>)
      .filter(([, p]) => p.engines?.node !== undefined && !satisfies(node, p.engines.node))
      .map(([name, p]) => `${name.replace(/^.*node_modules\//, "")} wants node ${p.engines!.node}`);
    expect(refusing).toEqual([]);
  });

  test("no dependency builds anything while installing: only reviewed install scripts, each allowed in package.json", () => {
    const withScripts = Object.entries(lock.packages as Record<string, { hasInstallScript?: boolean }>)
      .filter(([name, p]) => name !== "" && p.hasInstallScript)
      .map(([name]) => name.replace(/^.*node_modules\//, ""))
      .sort();
    expect(withScripts).toEqual(Object.keys(REVIEWED_INSTALL_SCRIPTS).sort());
    expect(pkg.allowScripts).toEqual(
      Object.fromEntries(Object.keys(REVIEWED_INSTALL_SCRIPTS).map((name) => [name, true])),
    );
  });
});

describe("the project's license and manual", () => {
  test("LICENSE holds the MIT license that package.json and the README name", () => {
    expect(pkg.license).toBe("MIT");
    expect(existsSync(join(root, "LICENSE"))).toBe(true);
    const license = read("LICENSE");
    expect(license.split("\n")[0]).toBe("MIT License");
    expect(license).toMatch(/^Copyright \(c\) \d{4} moddable-prometheus contributors$/m);
    expect(license).toContain('THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND');
    expect(readme).toMatch(/## License\n\nMIT: see \[LICENSE\]\(LICENSE\)\./);
  });

  test("the README speaks to users: no references to the project's issues or internal goals", () => {
    expect(readme.match(/issue \d+|issue #\d+|done[- ]when|1\.5× goal|the goal\b/gi) ?? []).toEqual([]);
  });

  test("the README gives the simulator build's real output path (mcconfig: <out>/bin/lin/mc/<instrument|release|debug>/<folder>/mc.so)", () => {
    expect(readme).toContain("`$MODDABLE/build/bin/lin/mc/instrument/<project folder>/mc.so`");
    expect(readme.match(/bin\/lin\/mc\/\w+\/main\/mc\.so|bin\/lin\/release\/main\/mc\.so/g) ?? []).toEqual([]);
  });
});
