/**
 * Everything the XS bench takes from the library, in one place: when the API moves, adapt this file and the
 * path files (paths/render.ts, paths/request.ts, paths/push.ts).
 */
export { Registry, Counter, Gauge, Histogram, Summary } from "../../modules/client/index";
export { PROMETHEUS_TEXT_0_0_4, OPENMETRICS_1_0_0 } from "../../modules/format/index";
export type { Format } from "../../modules/format/index";
export { MetricsServer } from "../../modules/promhttp/server";
export { encodeLabels, RequestEncoder } from "../../modules/push/remote-write";
export { SnappyCompressor, maxCompressedLength } from "../../modules/push/snappy";
export { LabelEntry, SnappyRequestWriter, labelSet } from "../../modules/push/snappy-request";
export { labelValues, sampleSuffix, walk, CREATED } from "../../modules/model/exposition";
export type { FamilyDesc, SampleWriter, SeriesDesc, SampleKind } from "../../modules/model/exposition";
export { RemoteWriteClient } from "../../modules/push/remote-write-client";
