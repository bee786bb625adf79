/** Stand-in for `embedded:io/socket/listener` in the XS cost benchmark: connections come from the bench (./net.ts). */
import { Pending, later, net } from "./net";

export default class Listener {
  readonly port: number;
  private readonly onReadable: ((this: Listener, count: number) => void) | undefined;
  private readonly pending: Pending[] = [];

  constructor(options: { port?: number; onReadable?: (this: Listener, count: number) => void }) {
    this.port = options.port === undefined ? 0 : options.port;
    this.onReadable = options.onReadable;
    net.listener = this;
  }

  /** a client connects: onReadable(count) is delivered from a later turn */
  connect(): void {
    this.pending.push(new Pending());
    later(() => {
      if (this.onReadable && this.pending.length) this.onReadable.call(this, this.pending.length);
    });
  }

  read(): Pending | undefined {
    return this.pending.shift();
  }

  close(): void {
    this.pending.length = 0;
  }
}
