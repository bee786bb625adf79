/**
 * `npm start`: the device's main.ts on Node (node --import tsx/esm --import ./host/register.mjs host/start.ts).
 *
 * main.ts runs unchanged. Only when its configuration is invalid does Node differ from a device: a device keeps
 * logging the problems every 30 s (a serial console attached later still sees them), while here main.ts has just
 * printed them, so the process stops its reminder timer and exits with status 1, as a command-line tool does.
 */
import { configProblems, stop } from "../main";

if (configProblems !== undefined) {
  stop();
  process.exitCode = 1;
}
