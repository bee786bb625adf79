// Exposition formats: Prometheus text 0.0.4 and 1.0.0, OpenMetrics 1.0.0; negotiation; streaming reader.
export type { Format, Escaping } from "./types";
export {
  negotiate,
  makeFormat,
  formatFromContentType,
  PROMETHEUS_TEXT_0_0_4,
  OPENMETRICS_1_0_0,
  PROMETHEUS_TEXT_1_0_0,
} from "./negotiate";
export { Reader, createReader, renderText } from "./reader";
export { LineEncoder } from "./encoder";
export { formatNumber, formatCanonical } from "./numbers";
export { escapeHelp, escapeLabelValue, escapeName, isLegacyName } from "./escape";
