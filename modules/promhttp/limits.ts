/*
 * The Prometheus handler's limits, defined once (the transport's: modules/http/limits.ts). MetricsHandler rejects an
 * option outside its range with a RangeError, and the configuration (modules/app/config.ts) checks the metrics path
 * against the same rule (./path).
 *
 * Safe to preload: frozen constants, nothing written after load.
 */
import { range } from "../http/limits";

/** registry.collect() must finish within this long, ms; else 503 */
export const COLLECT_TIMEOUT = range(10, 600000, 10000);

/** longest metrics path, characters (the parser keeps this many path bytes for routing) */
export const PATH_MAX = 64;
export const DEFAULT_PATH = "/metrics";
