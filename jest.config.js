import { readFileSync } from "node:fs";

const hostModules = JSON.parse(readFileSync(new URL("./host/modules.json", import.meta.url), "utf8"));
const moduleNameMapper = {};
for (const [specifier, file] of Object.entries(hostModules)) {
  if (specifier === "//") continue;
  moduleNameMapper["^" + specifier.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&") + "$"] = "<rootDir>/" + file;
}
// The simulator firmware (modules/board/lin) imports the chip simulators by their manifest names (manifest.json,
// platforms.lin: "simulators/*").
moduleNameMapper["^simulators/(.*)$"] = "<rootDir>/simulators/$1";

/** @type {import('jest').Config} */
export default {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "/tests/interop/"],
  moduleNameMapper,
  transform: {
    "^.+\\.tsx?$": ["ts-jest", { tsconfig: "tsconfig.jest.json" }],
  },
  testTimeout: 30000,
};
