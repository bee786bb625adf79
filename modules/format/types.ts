/** Name escaping scheme (Prometheus `escaping=` parameter). */
export type Escaping = "allow-utf-8" | "underscores" | "dots" | "values";

/** An exposition format: what to render and the exact Content-Type to send with it. */
export interface Format {
  readonly kind: "text" | "openmetrics";
  /** "0.0.4" | "1.0.0" for text; "1.0.0" | "0.0.1" for OpenMetrics. */
  readonly version: string;
  readonly escaping: Escaping;
  readonly contentType: string;
}
