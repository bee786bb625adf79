import { readFileSync } from "node:fs";

const hostModules = JSON.parse(readFileSync(new URL("./host/modules.json", import.meta.url), "utf8"));
const moduleNameMapper = {};
for (const [specifier, file] of Object.entries(hostModules)) {
  if (specifier === "//") continue;
  moduleNameMapper["^" + specifier.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&") + "$"] = "<rootDir>/" + file;
}

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
