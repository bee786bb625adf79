/**
 * `push-tls` on Node: the push client's TLS socket (modules/push/http-client, `tls` option) is host/io/tls.ts, an
 * ECMA-419 TLS socket on node:tls, with Node's root certificates.
 */
import TLSSocket from "./io/tls";

const tls = Object.freeze({ io: TLSSocket as unknown as new (options: Record<string, unknown>) => unknown });
export default tls;
