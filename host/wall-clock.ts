/**
 * Host (Node) implementation of `wall-clock` (modules/time/clock.ts): the system clock, set from the start.
 */
export { SystemClock as default } from "../modules/time/clock";
