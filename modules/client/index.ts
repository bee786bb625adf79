// The prom-client shaped API: the metrics library (modules/metrics) with the exposition methods of prom-client's
// Registry (metrics(), contentType, ...), which need the formats (modules/format). The metrics library itself knows
// no format; this module joins the two.
import { Registry as BaseRegistry } from "../metrics/registry";
import type { RegistryOptions } from "../metrics/registry";
import { defaultRegistry, setDefaultRegistryFactory } from "../metrics/default-registry";
import { describe } from "../metrics/validation";
import {
  createReader,
  renderText,
  formatFromContentType,
  PROMETHEUS_TEXT_0_0_4,
  OPENMETRICS_1_0_0,
} from "../format/index";
import type { Format, Reader } from "../format/index";

export * from "../metrics/index";

/** A registry (modules/metrics) with prom-client's exposition methods. */
export class Registry extends BaseRegistry {
  static get PROMETHEUS_CONTENT_TYPE(): string {
    return PROMETHEUS_TEXT_0_0_4.contentType;
  }
  static get OPENMETRICS_CONTENT_TYPE(): string {
    return OPENMETRICS_1_0_0.contentType;
  }

  private _format: Format = PROMETHEUS_TEXT_0_0_4;

  constructor(options?: string | RegistryOptions) {
    super(options);
    const ct =
      typeof options === "string"
        ? options
        : options !== undefined && options !== null
          ? options.contentType
          : undefined;
    if (ct !== undefined) this.setContentType(ct);
  }

  get contentType(): string {
    return this._format.contentType;
  }

  setContentType(contentType: string): void {
    const f = formatFromContentType(contentType);
    if (f === undefined)
      throw new TypeError(
        `Registry: content type ${describe(contentType)} is unsupported (use Registry.PROMETHEUS_CONTENT_TYPE or Registry.OPENMETRICS_CONTENT_TYPE)`,
      );
    this._format = f;
  }

  /** Pull reader over a snapshot of the current state; call `await collect()` first. Default format: contentType's. */
  reader(format?: Format): Reader {
    return createReader(this.gather(), format === undefined ? this._format : format);
  }

  /** Collects, then renders in `this.contentType` (or the given format) as one string. */
  async metrics(format?: Format): Promise<string> {
    await this.collect();
    return this.render(format);
  }

  /** Renders without running collect callbacks. */
  render(format?: Format): string {
    return renderText(this.gather(), format === undefined ? this._format : format);
  }

  async getSingleMetricAsString(name: string): Promise<string> {
    const m = this.getSingleMetric(name);
    if (m === undefined) throw new Error(`No metric named ${name}`);
    await m.collect();
    const r = new Registry({ contentType: this.contentType, selfMetrics: false, created: this.created });
    r.registerMetric(m);
    r._defaultNames = this._defaultNames;
    r._defaultValues = this._defaultValues;
    const t = r.render();
    // prom-client returns a single family without the final newline
    return t.length > 0 && t.charCodeAt(t.length - 1) === 10 ? t.slice(0, t.length - 1) : t;
  }

  /** Registries' metrics in one registry (same content type required; a clash throws). Self-metrics: the first one. */
  static override merge(registers: BaseRegistry[]): Registry {
    if (!Array.isArray(registers) || registers.length === 0)
      throw new TypeError("Registry.merge expects a non-empty array of registries");
    const ct = contentTypeOf(registers[0]);
    for (const r of registers)
      if (contentTypeOf(r) !== ct) throw new Error("Registers can only be merged if they have the same content type");
    const merged = new Registry({ contentType: ct, selfMetrics: false, maxSeries: registers[0].maxSeries });
    merged._mergeFrom(registers);
    return merged;
  }
}

function contentTypeOf(r: BaseRegistry): string {
  return r instanceof Registry ? r.contentType : PROMETHEUS_TEXT_0_0_4.contentType;
}

setDefaultRegistryFactory(() => new Registry());

/**
 * The default registry (prom-client's `register`). It is a stand-in that forwards every property and method to a
 * Registry created on first use: a Registry created while this module loads would be preloaded into flash on the
 * device, with read-only maps. The stand-in itself holds no state (its target is empty), so it is safe to preload.
 */
export const register: Registry = new Proxy(Object.create(Registry.prototype) as Registry, {
  get(_target, key) {
    const r = defaultRegistry();
    const value = (r as any)[key];
    return typeof value === "function" ? value.bind(r) : value;
  },
  set(_target, key, value) {
    (defaultRegistry() as any)[key] = value;
    return true;
  },
  has(_target, key) {
    return key in defaultRegistry();
  },
});
