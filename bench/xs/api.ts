/**
 * Everything the XS bench takes from the library, in one place: when the API moves, adapt this file and the two
 * path files (paths/render.ts, paths/request.ts).
 */
export { Registry, Counter, Gauge, Histogram, Summary } from "../../modules/client/index";
export { PROMETHEUS_TEXT_0_0_4 } from "../../modules/format/index";
export { MetricsServer } from "../../modules/promhttp/server";
