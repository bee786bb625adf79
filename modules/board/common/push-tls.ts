/**
 * `push-tls` on the ESP32 and the simulator: no TLS socket for the push client (modules/push/http-client: its `tls`
 * option), so an https:// receiver is refused with a clear network error. Moddable's ECMA-419 TLS socket is an
 * example module (examples/io/tcp/tlssocket, TLS 1.2 in JavaScript over `embedded:io/socket/tcp`), not part of its
 * ECMA-419 platform modules; docs/push.md says what it would take. The host's is host/push-tls.ts (node:tls).
 */
const tls: { io: new (options: Record<string, unknown>) => unknown; secure?: Record<string, unknown> } | undefined =
  undefined;
export default tls;
