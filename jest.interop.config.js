// Interop lane (`npm run test:interop`): tests that run real Prometheus tools (promtool, prometheus, wrk,
// Python's prometheus_client) against our renders and against `npm start`. .ci/run installs the tools.
import base from "./jest.config.js";

/** @type {import('jest').Config} */
export default {
  ...base,
  roots: ["<rootDir>/tests/interop"],
  testMatch: ["**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/"],
  testTimeout: 60000,
  // The tests start servers and load them with wrk: one file at a time on a shared 2-core machine.
  maxWorkers: 1,
};
