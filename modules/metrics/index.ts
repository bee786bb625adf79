// Prometheus metrics library (prom-client shaped) for the Moddable SDK / XS and Node: metric types and the registry
// that gathers snapshots. It knows no exposition format: modules/client adds prom-client's metrics()/contentType.
export { Registry, SERIES_REFUSED } from "./registry";
export type { RegistryOptions, MetricJSON, MetricJSONValue } from "./registry";
export { Metric, DEFAULT_MAX_SERIES } from "./metric";
export type { Labels, LabelValue, MetricConfiguration, MetricType, Series } from "./metric";
export { Counter } from "./counter";
export type { CounterChild, ValueSeries } from "./counter";
export { Gauge } from "./gauge";
export type { GaugeChild } from "./gauge";
export { Histogram, DEFAULT_BUCKETS } from "./histogram";
export type { HistogramConfiguration, HistogramChild, HistogramSeries } from "./histogram";
export { Summary, DEFAULT_PERCENTILES } from "./summary";
export type { SummaryConfiguration, SummaryChild, SummarySeries } from "./summary";
export { Info } from "./info";
export { StateSet, Enum } from "./stateset";
export type { StateSetConfiguration, StateSetSeries } from "./stateset";
export { linearBuckets, exponentialBuckets } from "./buckets";
export { isLegacyMetricName, isLegacyLabelName } from "./validation";
