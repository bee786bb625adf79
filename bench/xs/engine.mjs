// The bench lane's own xsnap builds (tests/xs/xsnap.mjs builds and caches them in .cache/xsnap/):
//   "bench"     — xsnap of @agoric/xsnap (XS 13.3, release) plus two host functions that read XS's heap counters
//                 and switch the garbage collector (bench/xs/xsbench.c);
//   "bench-m32" — the same built with `gcc -m32` (needs gcc-multilib on Debian), for the heap figures of a
//                 32-bit engine like the ESP32's (16-byte slots). On a kernel without 32-bit support (IA32
//                 emulation off: "Exec format error") it runs under qemu-i386 (Debian's qemu-user).
// The package is left as unpacked: tests/xs/xsnap.mjs copies its xsnap folder (xsnap.c, its platform
// files, makefiles) into the build directory, and `prepare` below edits that copy: xsbench.c is added to the
// sources and to the makefile's objects, and two lines in xsBuildAgent define the globals.
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureXsnap } from "../../tests/xs/xsnap.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, "xsbench.c");

function replaceOnce(text, anchor, replacement, file) {
  const at = text.indexOf(anchor);
  if (at < 0 || text.indexOf(anchor, at + 1) >= 0)
    throw Object.assign(
      new Error(
        `bench engine: cannot patch ${file}: "${anchor.trim()}" is not there exactly once (another @agoric/xsnap version?)`,
      ),
      { xsSetup: true },
    );
  return text.slice(0, at) + replacement + text.slice(at + anchor.length);
}

function prepare(dir) {
  copyFileSync(source, join(dir, "sources", "xsbench.c"));
  const mk = join(dir, "makefiles", "lin", "xsnap.mk");
  let m = readFileSync(mk, "utf8");
  m = replaceOnce(m, "\t$(TMP_DIR)/xsnap.o\n", "\t$(TMP_DIR)/xsnap.o \\\n\t$(TMP_DIR)/xsbench.o\n", mk);
  writeFileSync(mk, m);
  const c = join(dir, "sources", "xsnap.c");
  let x = readFileSync(c, "utf8");
  x = replaceOnce(
    x,
    "static void xs_print(xsMachine* the);\n",
    "static void xs_print(xsMachine* the);\nextern void xs_benchHeap(xsMachine* the);\nextern void xs_benchCollecting(xsMachine* the);\n",
    c,
  );
  const anchor = '\txsDefine(xsGlobal, xsID("print"), xsResult, xsDontEnum);\n';
  x = replaceOnce(
    x,
    anchor,
    anchor +
      '\txsResult = xsNewHostFunction(xs_benchHeap, 1);\n\txsDefine(xsGlobal, xsID("benchHeap"), xsResult, xsDontEnum);\n' +
      '\txsResult = xsNewHostFunction(xs_benchCollecting, 1);\n\txsDefine(xsGlobal, xsID("benchCollecting"), xsResult, xsDontEnum);\n',
    c,
  );
  writeFileSync(c, x);
}

// the cache key covers our C file and the patch: bump PATCH when `prepare` changes
const PATCH = "1";
const key = createHash("sha256").update(readFileSync(source)).update(PATCH).digest("hex");

/** { path, run, version, cached, seconds } of the bench engine; bits 64 or 32 */
export function benchEngine(root, bits, log) {
  if (bits === 64) return ensureXsnap(root, log, { name: "bench", key, prepare });
  return ensureXsnap(root, log, { name: "bench-m32", key, prepare, cc: "gcc -m32", fallbackRun: ["qemu-i386"] });
}
