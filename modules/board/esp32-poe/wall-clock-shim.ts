// esp32: `wall-clock` is the SNTP clock of wall-clock.ts, named by its absolute specifier so that its relative
// imports resolve.
export { default } from "modules/board/esp32-poe/wall-clock";
