/** Stand-in for `embedded:io/socket/tcp` in the XS cost benchmark: the fake connection of ./net.ts. */
import { FakeSocket, Pending, net } from "./net";

export default class TCP extends FakeSocket {
  constructor(options: {
    from?: unknown;
    onReadable?: (bytes: number) => void;
    onWritable?: (bytes: number) => void;
    onError?: () => void;
    target?: unknown;
  }) {
    if (!(options.from instanceof Pending))
      throw new Error("fake tcp: only adopting a connection from the fake listener is supported");
    super(options);
    net.socket = this;
    if (net.onAdopted) net.onAdopted(this);
  }
}
