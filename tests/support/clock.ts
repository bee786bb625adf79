/** Manual clock for the `now` option (milliseconds). */
export class ManualClock {
  t: number;
  constructor(start = 1700000000000) {
    this.t = start;
  }
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}
