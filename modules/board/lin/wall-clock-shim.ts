// lin (Moddable simulator): `wall-clock` is the host's system clock, right from the start (modules/time/clock.ts).
export { SystemClock as default } from "modules/time/clock";
