// lin only: `embedded:io/i2c` is the simulated bus with simulated chips (sim-i2c.ts). A module named by an absolute
// specifier, so that sim-i2c.ts keeps its directory-mirroring name and its relative imports resolve.
export { default } from "modules/board/lin/sim-i2c";
