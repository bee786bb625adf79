/*
 * The exporter's credentials: bearer token and/or basic auth, checked in constant time against the Authorization
 * header as the request parser kept it (bytes, no string).
 */
import { encode } from "../text/utf8";
import { base64Bytes } from "../text/base64";
import type { HttpParser } from "../http/parser";

export interface HttpAuth {
  /** expected bearer token (`Authorization: Bearer <token>`) */
  bearer?: string;
  /** basic auth (`Authorization: Basic base64(username:password)`); both must be set */
  username?: string;
  password?: string;
}

/** Constant-time comparison of bytes[start, start+length) with expected (time depends on expected.length only). */
function constantTimeEqual(bytes: Uint8Array, start: number, length: number, expected: Uint8Array): boolean {
  let diff = length ^ expected.length;
  for (let i = 0; i < expected.length; i++) {
    const b = i < length ? bytes[start + i] : 0;
    diff |= b ^ expected[i];
  }
  return diff === 0;
}

function lowerByte(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/** true when the scheme bytes a[0, schemeEnd) are `s` (lower case), ignoring ASCII case */
function isScheme(a: Uint8Array, schemeEnd: number, s: string): boolean {
  if (schemeEnd !== s.length) return false;
  for (let k = 0; k < schemeEnd; k++) if (lowerByte(a[k]) !== s.charCodeAt(k)) return false;
  return true;
}

export class Credentials {
  /** WWW-Authenticate header lines for 401 ("" when auth is off) */
  readonly challenge: string;
  /** Authorization header bytes the parser must keep to check them (0: auth off, presence only) */
  readonly headerBytes: number;
  private readonly bearer: Uint8Array | null;
  private readonly basic: Uint8Array | null;

  /** `owner` names the caller in the RangeError of a half-set credential */
  constructor(auth: HttpAuth | undefined, owner: string) {
    let bearer: Uint8Array | null = null;
    let basic: Uint8Array | null = null;
    let challenge = "";
    if (auth && auth.bearer !== undefined && auth.bearer !== "") {
      bearer = encode(String(auth.bearer));
      challenge += 'WWW-Authenticate: Bearer realm="metrics"\r\n';
    }
    if (auth && (auth.username || auth.password)) {
      // empty strings (as a frozen config may hold) mean "off"; half a credential is a configuration error
      if (!auth.username || !auth.password)
        throw new RangeError(owner + ": basic auth needs both username and password");
      if (String(auth.username).indexOf(":") >= 0)
        throw new RangeError(owner + ": basic auth username must not contain ':'");
      basic = base64Bytes(encode(String(auth.username) + ":" + String(auth.password)));
      challenge = 'WWW-Authenticate: Basic realm="metrics", charset="UTF-8"\r\n' + challenge;
    }
    this.bearer = bearer;
    this.basic = basic;
    this.challenge = challenge;
    // "Bearer " or "Basic " and the credential, with room for extra spaces
    this.headerBytes = !bearer && !basic ? 0 : 7 + Math.max(bearer ? bearer.length : 0, basic ? basic.length : 0) + 8;
  }

  /** true when auth is off */
  get off(): boolean {
    return !this.bearer && !this.basic;
  }

  /** constant-time check of the request's Authorization header; true when auth is off */
  authorized(p: HttpParser): boolean {
    const bearer = this.bearer;
    const basic = this.basic;
    if (!bearer && !basic) return true;
    if (!p.hasAuthorization) return false;
    const a = p.authorization;
    const len = p.authorizationLength;
    let i = 0;
    while (i < len && a[i] !== 32) i++;
    const schemeEnd = i;
    while (i < len && a[i] === 32) i++;
    if (bearer && isScheme(a, schemeEnd, "bearer")) return constantTimeEqual(a, i, len - i, bearer);
    if (basic && isScheme(a, schemeEnd, "basic")) return constantTimeEqual(a, i, len - i, basic);
    return false;
  }
}
