/**
 * Host (Node) implementation of an ECMA-419 TLS client socket, `embedded:io/socket/tcp/tls`, on node:tls: the TCP
 * socket of ./tcp.ts (same callbacks, budgets, profiles and error model) whose connection is a TLS one, announced
 * writable once the handshake is done. Options as Moddable's TLSSocket (examples/io/tcp/tlssocket) takes them:
 * `address` (or `host`) and `port` to connect to, `host` the server name (SNI and the certificate's name check),
 * `secure` the TLS settings, of which the host reads `ca` (PEM text or a list of them; default: Node's root
 * certificates) and `rejectUnauthorized` (default true: a certificate that does not check out is a connection
 * error, reported by onError). `TCP` (the TCP class Moddable's wraps) is ignored.
 */
import * as tls from "node:tls";
import TCP, { connector, type Options as TcpOptions } from "./tcp";

export type Options = TcpOptions & {
  host?: string;
  secure?: { ca?: string | string[]; rejectUnauthorized?: boolean; [name: string]: unknown };
  TCP?: unknown;
};

export default class TLSSocket extends TCP {
  constructor(options: Options) {
    if (options === null || typeof options !== "object") throw new TypeError("TLSSocket: options object required");
    const secure = options.secure ?? {};
    const name = typeof options.host === "string" ? options.host : undefined;
    const connect = (host: string, port: number) =>
      tls.connect({
        host,
        port,
        servername: name !== undefined && !/^[0-9.]+$/.test(name) ? name : undefined,
        ca: secure.ca,
        rejectUnauthorized: secure.rejectUnauthorized !== false,
        checkServerIdentity: (_host, cert) => tls.checkServerIdentity(name ?? host, cert),
      });
    super({ ...options, [connector]: connect } as unknown as TcpOptions);
  }
}
