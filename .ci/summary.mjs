// Sums the test counts of every lane's JSON result into the one closing line CI reads.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2];
let passed = 0,
  failed = 0;
for (const file of readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .sort()) {
  try {
    const r = JSON.parse(readFileSync(join(dir, file), "utf8"));
    const p = r.numPassedTests ?? r.passed ?? 0,
      f = r.numFailedTests ?? r.failed ?? 0;
    console.log(`${file.replace(/\.json$/, "")}: ${p} passed, ${f} failed`);
    passed += p;
    failed += f;
  } catch (e) {
    console.log(`${file}: unreadable (${e.message})`);
    failed += 1;
  }
}
console.log(`tests: ${passed} passed, ${failed} failed`);
