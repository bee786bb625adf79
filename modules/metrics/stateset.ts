import { Metric } from "./metric";
import { VALUE } from "../model/exposition";
import type { SampleWriter } from "../model/exposition";
import type { Labels, MetricConfiguration, Series } from "./metric";
import { checkLabelName, describe, isWellFormed, legacyLabelEscape } from "./validation";

export interface StateSetConfiguration extends MetricConfiguration {
  /** The possible states (non-empty, distinct strings). */
  states: readonly string[];
}

export interface StateSetSeries extends Series {
  /** 1 or 0 per state, in `states` order. */
  on: number[];
}

/**
 * OpenMetrics stateset: one sample per state, `<name>{<name>="<state>"} 1|0`. In the Prometheus text formats a
 * gauge with the same samples (as client_python renders its Enum). The metric name doubles as the state label.
 */
export class StateSet extends Metric<StateSetSeries> {
  readonly type = "stateset" as const;
  readonly states: readonly string[];

  constructor(config: StateSetConfiguration) {
    super(config, [config !== null && typeof config === "object" ? config.name : ""]);
    checkLabelName(this.name, this.name);
    const own = legacyLabelEscape(this.name);
    for (let i = 0; i < this.labelNames.length; i++) {
      if (legacyLabelEscape(this.labelNames[i]) === own) {
        throw new TypeError(
          `StateSet "${this.name}": label name "${this.labelNames[i]}" would collide with the state label "${own}" in the legacy formats`,
        );
      }
    }
    const st = config.states;
    if (!Array.isArray(st) || st.length === 0)
      throw new TypeError(`StateSet "${this.name}": states must be a non-empty array of strings`);
    for (let i = 0; i < st.length; i++) {
      if (typeof st[i] !== "string" || !isWellFormed(st[i]))
        throw new TypeError(`StateSet "${this.name}": state ${i} must be a string, got ${describe(st[i])}`);
      for (let j = 0; j < i; j++)
        if (st[j] === st[i]) throw new TypeError(`StateSet "${this.name}": duplicate state "${st[i]}"`);
    }
    this.states = st.slice();
    this.extraName = this.name;
    this.extraValues = this.states;
    this._start();
  }

  protected override _reservedWhat(): string {
    return "the state label (the metric's own name)";
  }

  protected override _init(): void {
    this._get([]);
  }

  protected _newSeries(key: string, created: number): StateSetSeries {
    const on: number[] = new Array(this.states.length);
    for (let i = 0; i < on.length; i++) on[i] = 0;
    return { key, created, on };
  }

  /** @internal */
  _emit(s: StateSetSeries, w: SampleWriter): void {
    const on = s.on;
    for (let i = 0; i < on.length; i++) w.sample(s, VALUE, i, on[i]);
  }

  protected _index(state: string): number {
    const i = this.states.indexOf(state);
    if (i < 0)
      throw new TypeError(
        `StateSet "${this.name}": unknown state ${describe(state)}, expected one of [${this.states.join(", ")}]`,
      );
    return i;
  }

  /** Sets one state on or off. */
  setState(state: string, value: boolean, labels?: Labels): void {
    const i = this._index(state);
    const s = this._get(this._fromObject(labels));
    if (s !== undefined) s.on[i] = value ? 1 : 0;
  }

  /** Sets several states at once from a { state: boolean } map; states not named keep their value. */
  setStates(states: Record<string, boolean>, labels?: Labels): void {
    const idx: number[] = [];
    for (const k in states) idx.push(this._index(k));
    const s = this._get(this._fromObject(labels));
    if (s === undefined) return;
    let n = 0;
    for (const k in states) s.on[idx[n++]] = states[k] ? 1 : 0;
  }

  /** The states that are on. */
  get(labels?: Labels): string[] {
    const s = this._series.get(this._key(this._fromObject(labels)));
    const out: string[] = [];
    if (s !== undefined) for (let i = 0; i < s.on.length; i++) if (s.on[i]) out.push(this.states[i]);
    return out;
  }

  zero(labels?: Labels): void {
    this._get(this._fromObject(labels));
  }
}

/** A stateset in which exactly one state is on at a time. */
export class Enum extends StateSet {
  /** Makes `state` the current state (all others off). */
  state(state: string, labels?: Labels): void {
    const i = this._index(state);
    const s = this._get(this._fromObject(labels));
    if (s === undefined) return;
    for (let j = 0; j < s.on.length; j++) s.on[j] = j === i ? 1 : 0;
  }

  /** Alias of state() (client_python's Enum.state; `set` reads naturally too). */
  set(state: string, labels?: Labels): void {
    this.state(state, labels);
  }
}
