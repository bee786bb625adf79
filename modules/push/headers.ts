/**
 * Header lines the push clients (remote write, Pushgateway) send besides the body's: User-Agent and the receiver's
 * credentials (a bearer token, or basic auth: "user:password" as UTF-8, in Base64). Each line ends in CRLF, as
 * PushRequest.headers wants them (modules/push/request.ts). Made once per client: the lines hold secrets, so they
 * are never logged.
 */
import { base64 } from "../text/base64";
import { encode } from "../text/utf8";

export const USER_AGENT = "moddable-prometheus";

/** Credentials as the settings give them (modules/app/config.ts PushAuth). */
export interface PushCredentials {
  bearer?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
}

/** "Authorization: ...\r\n", or "" without credentials. */
export function authorizationHeader(auth: PushCredentials | undefined): string {
  if (auth === undefined) return "";
  if (auth.bearer !== undefined && auth.bearer !== "") return "Authorization: Bearer " + auth.bearer + "\r\n";
  if (auth.username !== undefined)
    return "Authorization: Basic " + base64(encode(auth.username + ":" + (auth.password ?? ""))) + "\r\n";
  return "";
}

/** The secrets of `auth` (replaced in receivers' messages before they are logged). */
export function secretsOf(auth: PushCredentials | undefined): string[] {
  const out: string[] = [];
  if (auth?.bearer) out.push(auth.bearer);
  if (auth?.password) out.push(auth.password);
  return out;
}
