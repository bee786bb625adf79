/*
 * Incremental HTTP/1.x parser, of requests (the server's) and of responses (a client's: `new HttpParser(limits, true)`).
 *
 * A byte-at-a-time state machine over Uint8Array chunks: feed it any split of the input (down to one byte per call)
 * and it reaches the same result. It keeps no string of the request: the method is identified by a small byte
 * buffer, the path is kept (up to `maxPath` bytes, query string dropped) for byte comparison, and only the header
 * values the server acts on are retained, each in a fixed buffer (Accept, Authorization, and one scratch buffer for
 * Content-Length / Transfer-Encoding / Connection / Expect). Every other header is validated and dropped.
 * Memory per parser is fixed at construction: roughly maxPath + maxAccept + maxAuthorization + 2 * 256 bytes.
 *
 * Life cycle of one request:
 *   execute() ... until phase === PHASE_HEAD   (request line and headers complete; inspect them)
 *   startBody()                                 (then execute() ... until phase === PHASE_COMPLETE)
 *   reset()                                     (ready for the next request on the same connection)
 * Any violation sets `error` to the HTTP status to answer with and phase to PHASE_ERROR; execute() then consumes
 * nothing more (the connection is to be closed after the error response).
 *
 * Responses (`response` true): the status line ("HTTP/1.x NNN reason") sets `status`; interim responses (1xx but 101)
 * are skipped; then the head as above (PHASE_HEAD: inspect status, contentLength, chunked, keepAlive, retryAfter: the
 * one response header kept as text, for a push client's backoff), startBody(),
 * and the body is framed as RFC 9112 section 6.3 says: none after a HEAD request (set `headRequest` before parsing)
 * and for 204 and 304; else chunked, Content-Length, or until the peer closes (`closeDelimited`: call eof() then).
 * Unlike a request body, a response body is handed to the caller: after each execute(), bytes
 * buf[dataStart, dataEnd) are body data (chunk framing removed); execute() returns after each run of data. The
 * `error` statuses then only classify the problem (400 malformed, 413 body beyond maxBody, 431 head too large,
 * 501 unsupported transfer coding or 101, 505 version).
 *
 * No regular expressions, no exceptions thrown on any input.
 */

export const PHASE_IDLE = 0; // nothing of this request received yet
export const PHASE_START = 1; // request line / headers in progress
export const PHASE_HEAD = 2; // head complete, waiting for startBody()
export const PHASE_BODY = 3; // discarding a request body
export const PHASE_COMPLETE = 4; // whole request received
export const PHASE_ERROR = 5; // error set; stop

export const METHOD_UNKNOWN = 0;
export const METHOD_GET = 1;
export const METHOD_HEAD = 2;
export const METHOD_POST = 3;
export const METHOD_PUT = 4;
export const METHOD_DELETE = 5;
export const METHOD_CONNECT = 6;
export const METHOD_OPTIONS = 7;
export const METHOD_TRACE = 8;
export const METHOD_PATCH = 9;

const METHOD_NAMES = ["", "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"];
const MAX_METHOD = 16; // longer method tokens cannot be one we know: 501
const MAX_LEADING_EMPTY = 8; // empty lines tolerated before a request line (RFC 9112 section 2.2)
const NAME_BUF = 24; // longest header name we need to recognise is 17 bytes ("transfer-encoding")
const TOKEN_BUF = 256; // Content-Length / Transfer-Encoding / Connection / Expect values
const MAX_CHUNK_SIZE_DIGITS = 8;

export interface ParserLimits {
  /** request-target bytes; beyond: 414 */
  maxTarget?: number;
  /** bytes of the header section (all header lines); beyond: 431 */
  maxHeaderBytes?: number;
  /** number of header lines; beyond: 431 */
  maxHeaders?: number;
  /** Accept value bytes (repeated headers joined with ","); beyond: 431 */
  maxAccept?: number;
  /** Authorization value bytes kept; beyond: 431. 0: the value is not kept (presence only) */
  maxAuthorization?: number;
  /** request body bytes accepted (and discarded); for chunked bodies this counts framing too; beyond: 413 */
  maxBody?: number;
  /** path bytes kept for routing; longer paths are flagged as overflowing (they match no route) */
  maxPath?: number;
}

export const DEFAULT_LIMITS = {
  maxTarget: 512,
  maxHeaderBytes: 4096,
  maxHeaders: 32,
  maxAccept: 512,
  maxAuthorization: 256,
  maxBody: 1024,
  maxPath: 64,
};

// header ids
const H_OTHER = 0;
const H_ACCEPT = 1;
const H_AUTHORIZATION = 2;
const H_HOST = 3;
const H_CONTENT_LENGTH = 4;
const H_TRANSFER_ENCODING = 5;
const H_CONNECTION = 6;
const H_EXPECT = 7;
const H_RETRY_AFTER = 8; // responses only (not in HEADER_NAMES: a request's headers are not compared with it)
const HEADER_NAMES = [
  "",
  "accept",
  "authorization",
  "host",
  "content-length",
  "transfer-encoding",
  "connection",
  "expect",
];

// states
const S_START = 0;
const S_METHOD = 1;
const S_TARGET_START = 2;
const S_PATH = 3;
const S_QUERY = 4;
const S_ABS_SCHEME = 5;
const S_ABS_AUTHORITY = 6;
const S_VERSION = 7; // matching "HTTP/"
const S_VERSION_MAJOR = 8;
const S_VERSION_DOT = 9;
const S_VERSION_MINOR = 10;
const S_LINE_CR = 11; // after request line CR
const S_HEADER_START = 12;
const S_HEADER_NAME = 13;
const S_HEADER_OWS = 14;
const S_HEADER_VALUE = 15;
const S_HEADER_VALUE_CR = 16;
const S_HEADERS_END_CR = 17;
const S_BODY_LENGTH = 18;
const S_CHUNK_SIZE = 19;
const S_CHUNK_EXT = 20;
const S_CHUNK_SIZE_CR = 21;
const S_CHUNK_DATA = 22;
const S_CHUNK_DATA_CR = 23;
const S_CHUNK_DATA_LF = 24;
const S_TRAILER_START = 25;
const S_TRAILER_LINE = 26;
const S_TRAILER_END_LF = 27;
const S_LINE_LF = 29;
const S_DONE = 28;
// responses
const S_STATUS_SP = 30; // after the version
const S_STATUS_CODE = 31;
const S_STATUS_AFTER = 32; // after the three digits
const S_REASON = 33;
const S_BODY_CLOSE = 34; // a body delimited by the end of the connection

const CR = 13;
const LF = 10;
const SP = 32;
const HT = 9;

// tchar per RFC 9110 5.6.2: ALPHA DIGIT ! # $ % & ' * + - . ^ _ ` | ~
const TCHAR = new Uint8Array(128);
(() => {
  for (let c = 48; c <= 57; c++) TCHAR[c] = 1;
  for (let c = 65; c <= 90; c++) TCHAR[c] = 1;
  for (let c = 97; c <= 122; c++) TCHAR[c] = 1;
  const extra = "!#$%&'*+-.^_`|~";
  for (let i = 0; i < extra.length; i++) TCHAR[extra.charCodeAt(i)] = 1;
})();

function isTchar(c: number): boolean {
  return c < 128 && TCHAR[c] === 1;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** lower-case ASCII letters, leave everything else */
function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/** true when bytes[start, start+len) equal the lower-case ASCII string s, ignoring ASCII case in bytes */
function equalsIgnoreCase(bytes: Uint8Array, start: number, len: number, s: string): boolean {
  if (len !== s.length) return false;
  for (let i = 0; i < len; i++) if (lower(bytes[start + i]) !== s.charCodeAt(i)) return false;
  return true;
}

export class HttpParser {
  private state = S_START;
  readonly maxHeaderBytes: number;
  headerBytes = 0;
  private header = H_OTHER;
  private valueLength = 0; // bytes kept of the current value
  private valueEnd = 0; // kept length excluding trailing whitespace
  private readonly token: Uint8Array;
  private nameLength = 0;
  private readonly nameBuf = new Uint8Array(NAME_BUF);
  private targetLength = 0;
  readonly maxTarget: number;
  pathLength = 0;
  readonly path: Uint8Array;
  phase: number = PHASE_IDLE;
  readonly maxHeaders: number;
  readonly maxBody: number;

  /** HTTP status to answer when phase === PHASE_ERROR */
  error = 0;
  /** short reason for logs when phase === PHASE_ERROR */
  reason = "";

  method = METHOD_UNKNOWN;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1 (and later 1.x) */
  versionMinor = 1;
  /** path of the target (origin-form, or the path of an absolute-form target), query string excluded */
  /** the path was longer than maxPath (it matches no route) */
  pathOverflow = false;
  /** asterisk-form target ("*") */
  asterisk = false;

  readonly accept: Uint8Array;
  acceptLength = 0;
  hasAccept = false;
  readonly authorization: Uint8Array;
  authorizationLength = 0;
  hasAuthorization = false;
  hasHost = false;
  /** -1: none */
  contentLength = -1;
  chunked = false;
  connectionClose = false;
  connectionKeepAlive = false;
  expectContinue = false;
  /** computed at head completion: whether the connection may stay open after the response */
  keepAlive = false;

  /** bytes of the header section seen so far (bounded by maxHeaderBytes + 1) */
  headerCount = 0;
  /** body bytes on the wire consumed so far (bounded by maxBody) */
  bodyBytes = 0;

  private leading = 0;
  private readonly methodBuf = new Uint8Array(MAX_METHOD);
  private methodLength = 0;
  private matchIndex = 0; // scheme / "HTTP/" matching
  private schemeS = false;
  private versionMajor = 0;
  private hasTransferEncoding = false;
  private hasExpect = false;
  private remaining = 0; // body: bytes left in the body or the current chunk
  private chunkDigits = 0;

  constructor(limits: ParserLimits = {}, response = false) {
    this.response = response;
    this.maxTarget = limits.maxTarget ?? DEFAULT_LIMITS.maxTarget;
    this.maxHeaderBytes = limits.maxHeaderBytes ?? DEFAULT_LIMITS.maxHeaderBytes;
    this.maxHeaders = limits.maxHeaders ?? DEFAULT_LIMITS.maxHeaders;
    this.maxBody = limits.maxBody ?? DEFAULT_LIMITS.maxBody;
    this.path = new Uint8Array(limits.maxPath ?? DEFAULT_LIMITS.maxPath);
    this.accept = new Uint8Array(limits.maxAccept ?? DEFAULT_LIMITS.maxAccept);
    this.authorization = new Uint8Array(limits.maxAuthorization ?? DEFAULT_LIMITS.maxAuthorization);
    this.token = new Uint8Array(TOKEN_BUF);
  }

  /** Forget the previous request (buffers are kept). */
  reset(): void {
    this.phase = PHASE_IDLE;
    this.error = 0;
    this.reason = "";
    this.method = METHOD_UNKNOWN;
    this.versionMinor = 1;
    this.pathLength = 0;
    this.pathOverflow = false;
    this.asterisk = false;
    this.acceptLength = 0;
    this.hasAccept = false;
    this.authorizationLength = 0;
    this.hasAuthorization = false;
    this.hasHost = false;
    this.contentLength = -1;
    this.chunked = false;
    this.connectionClose = false;
    this.connectionKeepAlive = false;
    this.expectContinue = false;
    this.keepAlive = false;
    this.headerBytes = 0;
    this.headerCount = 0;
    this.bodyBytes = 0;
    this.state = S_START;
    this.leading = 0;
    this.methodLength = 0;
    this.targetLength = 0;
    this.matchIndex = 0;
    this.schemeS = false;
    this.versionMajor = 0;
    this.nameLength = 0;
    this.header = H_OTHER;
    this.valueLength = 0;
    this.valueEnd = 0;
    this.hasTransferEncoding = false;
    this.hasExpect = false;
    this.expectUnknown = false;
    this.remaining = 0;
    this.chunkDigits = 0;
    if (this.response) {
      this.status = 0;
      this.closeDelimited = false;
      this.bodyless = false;
      this.statusDigits = 0;
      this.retryAfter = undefined;
    }
  }

  /** Name of the method ("" when unknown). */
  get methodName(): string {
    return METHOD_NAMES[this.method];
  }

  /** True when the kept path equals s exactly (s is ASCII). */
  pathEquals(s: string): boolean {
    if (this.pathOverflow || this.pathLength !== s.length) return false;
    const path = this.path;
    for (let i = 0; i < s.length; i++) if (path[i] !== s.charCodeAt(i)) return false;
    return true;
  }

  /** The Accept header value(s) as a string, or undefined when absent. */
  acceptString(): string | undefined {
    if (!this.hasAccept) return undefined;
    // one native conversion (bytes as Latin-1 characters, as the header's obs-text is kept), not a loop
    return String.fromCharCode.apply(null, this.accept.subarray(0, this.acceptLength) as unknown as number[]);
  }

  /** After PHASE_HEAD: go on with the body (or straight to PHASE_COMPLETE when there is none). */
  startBody(): void {
    if (this.phase !== PHASE_HEAD) return;
    if (this.chunked) {
      this.phase = PHASE_BODY;
      this.state = S_CHUNK_SIZE;
      this.chunkDigits = 0;
      this.remaining = 0;
    } else if (this.contentLength > 0 && !this.bodyless) {
      this.phase = PHASE_BODY;
      this.state = S_BODY_LENGTH;
      this.remaining = this.contentLength;
    } else if (this.closeDelimited) {
      this.phase = PHASE_BODY;
      this.state = S_BODY_CLOSE;
    } else {
      this.phase = PHASE_COMPLETE;
      this.state = S_DONE;
    }
  }

  /**
   * The peer closed the connection (no more input): a close-delimited response body is complete; a message in
   * progress is an error (400, "connection closed").
   */
  eof(): void {
    const phase = this.phase;
    if (phase === PHASE_BODY && this.state === S_BODY_CLOSE) {
      this.phase = PHASE_COMPLETE;
      this.state = S_DONE;
    } else if (phase === PHASE_START || phase === PHASE_BODY) this.fail(400, "connection closed");
  }

  private fail(status: number, reason: string): void {
    this.phase = PHASE_ERROR;
    this.error = status;
    this.reason = reason;
    this.state = S_DONE;
  }

  /**
   * Consume bytes of buf from offset `start` up to `end`. Returns the offset of the first byte not consumed: the
   * parser stops after the head (PHASE_HEAD), after the whole request (PHASE_COMPLETE) and on error.
   */
  execute(buf: Uint8Array, start: number, end: number): number {
    let i = start;
    if (this.response) this.dataStart = this.dataEnd = i;
    if (this.phase >= PHASE_HEAD && this.phase !== PHASE_BODY) return i;
    if (i < end && this.phase === PHASE_IDLE) this.phase = PHASE_START;
    while (i < end) {
      const c = buf[i];
      switch (this.state) {
        case S_START:
          if (this.response) {
            if (c !== 72 /* H */) {
              this.fail(400, "bad status line");
              return i;
            }
            this.state = S_VERSION;
            this.matchIndex = 0;
            continue;
          }
          if (c === CR || c === LF) {
            if (++this.leading > MAX_LEADING_EMPTY) {
              this.fail(400, "too many empty lines");
              return i;
            }
            i++;
            continue;
          }
          if (!isTchar(c)) {
            this.fail(400, "bad method");
            return i;
          }
          this.state = S_METHOD;
          continue; // re-process c in S_METHOD

        case S_METHOD:
          if (c === SP) {
            this.method = this.identifyMethod();
            this.state = S_TARGET_START;
          } else if (isTchar(c)) {
            if (this.methodLength >= MAX_METHOD) {
              this.fail(501, "method not implemented");
              return i;
            }
            this.methodBuf[this.methodLength++] = c;
          } else {
            this.fail(400, "bad method");
            return i;
          }
          i++;
          continue;

        case S_TARGET_START:
          if (c === 47 /* / */) {
            this.state = S_PATH;
            continue;
          }
          if (c === 42 /* * */) {
            this.asterisk = true;
            this.targetLength = 1;
            this.state = S_QUERY; // nothing more may follow but SP; checked there
            i++;
            continue;
          }
          if (c === 104 || c === 72 /* h H */) {
            this.matchIndex = 0;
            this.schemeS = false;
            this.state = S_ABS_SCHEME;
            continue;
          }
          this.fail(400, "bad request-target");
          return i;

        case S_PATH:
        case S_QUERY:
        case S_ABS_AUTHORITY:
          if (this.state === S_PATH) {
            // a run of plain path bytes with locals first (stored as appendPath would)
            const path = this.path;
            let pl = this.pathLength;
            const room = this.maxTarget - this.targetLength;
            let j = i;
            while (j < end && j - i < room) {
              const b = buf[j];
              if (b <= SP || b >= 127 || b === 63 /* ? */ || b === 35 /* # */) break;
              if (pl < path.length) path[pl++] = b;
              else this.pathOverflow = true;
              j++;
            }
            if (j > i) {
              this.pathLength = pl;
              this.targetLength += j - i;
              i = j;
              continue;
            }
          }
          if (c === SP) {
            if (this.targetLength === 0 || (this.asterisk && this.targetLength !== 1)) {
              this.fail(400, "bad request-target");
              return i;
            }
            if (this.state === S_ABS_AUTHORITY) this.appendPath(47); // "http://host" means "/"
            this.state = S_VERSION;
            this.matchIndex = 0;
            i++;
            continue;
          }
          if (c <= SP || c >= 127) {
            this.fail(400, "bad request-target");
            return i;
          }
          if (++this.targetLength > this.maxTarget) {
            this.fail(414, "request-target too long");
            return i;
          }
          if (this.state === S_PATH) {
            if (c === 63 /* ? */ || c === 35 /* # */) this.state = S_QUERY;
            else this.appendPath(c);
          } else if (this.state === S_ABS_AUTHORITY) {
            if (c === 47) {
              this.state = S_PATH;
              this.appendPath(c);
            } else if (c === 63 || c === 35) {
              this.appendPath(47);
              this.state = S_QUERY;
            }
          } else if (this.asterisk) {
            this.fail(400, "bad request-target");
            return i;
          }
          i++;
          continue;

        case S_ABS_SCHEME: {
          // "http://" or "https://", scheme ASCII case-insensitive
          const m = this.matchIndex;
          let ok: boolean;
          if (m < 4) {
            ok = lower(c) === "http".charCodeAt(m);
            this.matchIndex = m + 1;
          } else if (m === 4 && !this.schemeS && lower(c) === 115 /* s */) {
            ok = true;
            this.schemeS = true;
          } else {
            ok = c === "://".charCodeAt(m - 4);
            this.matchIndex = m + 1;
          }
          if (!ok) {
            this.fail(400, "bad request-target");
            return i;
          }
          if (++this.targetLength > this.maxTarget) {
            this.fail(414, "request-target too long");
            return i;
          }
          if (this.matchIndex === 7) this.state = S_ABS_AUTHORITY;
          i++;
          continue;
        }

        case S_VERSION:
          // the whole "HTTP/1.x" at once when it is there (each byte as the states below would take it)
          if (
            this.matchIndex === 0 &&
            i + 8 <= end &&
            c === 72 &&
            buf[i + 1] === 84 &&
            buf[i + 2] === 84 &&
            buf[i + 3] === 80 &&
            buf[i + 4] === 47 &&
            buf[i + 5] === 49 &&
            buf[i + 6] === 46
          ) {
            const minor = buf[i + 7];
            if (minor >= 48 && minor <= 57) {
              this.versionMajor = 1;
              this.versionMinor = minor === 48 ? 0 : 1;
              this.state = this.response ? S_STATUS_SP : S_LINE_CR;
              i += 8;
              continue;
            }
          }
          if (c !== "HTTP/".charCodeAt(this.matchIndex)) {
            this.fail(400, "bad HTTP version");
            return i;
          }
          if (++this.matchIndex === 5) this.state = S_VERSION_MAJOR;
          i++;
          continue;

        case S_VERSION_MAJOR:
          if (c < 48 || c > 57) {
            this.fail(400, "bad HTTP version");
            return i;
          }
          this.versionMajor = c - 48;
          this.state = S_VERSION_DOT;
          i++;
          continue;

        case S_VERSION_DOT:
          if (c !== 46) {
            this.fail(400, "bad HTTP version");
            return i;
          }
          this.state = S_VERSION_MINOR;
          i++;
          continue;

        case S_VERSION_MINOR:
          if (c < 48 || c > 57) {
            this.fail(400, "bad HTTP version");
            return i;
          }
          if (this.versionMajor !== 1) {
            this.fail(505, "HTTP version not supported");
            return i;
          }
          this.versionMinor = c === 48 ? 0 : 1;
          this.state = this.response ? S_STATUS_SP : S_LINE_CR;
          i++;
          continue;

        case S_LINE_CR:
          if (c === CR) {
            this.state = S_LINE_LF;
            i++;
            continue;
          }
          if (c === LF) {
            this.state = S_HEADER_START;
            i++;
            continue;
          }
          this.fail(400, "bad request line");
          return i;

        case S_LINE_LF:
          if (c !== LF) {
            this.fail(400, "bare CR");
            return i;
          }
          this.state = S_HEADER_START;
          i++;
          continue;

        case S_HEADER_START:
          if (++this.headerBytes > this.maxHeaderBytes) {
            this.fail(431, "header section too large");
            return i;
          }
          if (c === CR) {
            this.state = S_HEADERS_END_CR;
            i++;
            continue;
          }
          if (c === LF) {
            i++;
            this.headComplete();
            if (this.phase === PHASE_START) continue; // an interim response skipped
            return i;
          }
          if (c === SP || c === HT) {
            this.fail(400, "obsolete line folding");
            return i;
          }
          if (!isTchar(c)) {
            this.fail(400, "bad header name");
            return i;
          }
          this.nameLength = 0;
          this.nameBuf[this.nameLength++] = lower(c);
          this.state = S_HEADER_NAME;
          i++;
          continue;

        case S_HEADER_NAME: {
          // a run of name bytes with locals first (on XS a field read per byte costs more than the byte's test)
          const room = this.maxHeaderBytes - this.headerBytes;
          const nameBuf = this.nameBuf;
          let nl = this.nameLength;
          let j = i;
          while (j < end && j - i < room) {
            const b = buf[j];
            if (b >= 128 || TCHAR[b] !== 1) break;
            if (nl < NAME_BUF) nameBuf[nl] = b >= 65 && b <= 90 ? b + 32 : b;
            if (nl <= NAME_BUF) nl++;
            j++;
          }
          if (j > i) {
            this.headerBytes += j - i;
            this.nameLength = nl;
            i = j;
            continue;
          }
          if (++this.headerBytes > this.maxHeaderBytes) {
            this.fail(431, "header section too large");
            return i;
          }
          if (c === 58 /* : */) {
            if (!this.beginValue()) return i;
            this.state = S_HEADER_OWS;
          } else if (isTchar(c)) {
            if (this.nameLength < NAME_BUF) this.nameBuf[this.nameLength] = lower(c);
            if (this.nameLength <= NAME_BUF) this.nameLength++;
          } else {
            this.fail(400, "bad header name");
            return i;
          }
          i++;
          continue;
        }

        case S_HEADER_OWS:
          if (c === SP || c === HT) {
            if (++this.headerBytes > this.maxHeaderBytes) {
              this.fail(431, "header section too large");
              return i;
            }
            i++;
            continue;
          }
          this.state = S_HEADER_VALUE;
          continue;

        case S_HEADER_VALUE: {
          // a run of value bytes with locals first, kept where appendValue would keep them
          const id = this.header;
          let target: Uint8Array | null = null;
          if (id === H_ACCEPT) target = this.accept;
          else if (id === H_AUTHORIZATION) target = this.authorization.length === 0 ? null : this.authorization;
          else if (id !== H_OTHER && id !== H_HOST) target = this.token;
          const vl = this.valueLength;
          // at most the bytes the header section and the kept value still have room for (then below, one at a time)
          let room = this.maxHeaderBytes - this.headerBytes;
          if (target !== null && target.length - vl < room) room = target.length - vl;
          let last = -1; // the last byte that is not SP or HT (trailing whitespace is trimmed)
          let j = i;
          while (j < end && j - i < room) {
            const b = buf[j];
            if (b === SP || b === HT) {
              j++;
              continue;
            }
            if (b === 127 || b < SP) break; // CR, LF and bad bytes: below, one at a time
            last = j++;
          }
          if (j > i) {
            this.headerBytes += j - i;
            if (target !== null) {
              target.set(buf.subarray(i, j), vl); // one native copy for the run
              if (last >= 0) this.valueEnd = vl + last - i + 1;
              this.valueLength = vl + j - i;
            }
            i = j;
            continue;
          }
          if (++this.headerBytes > this.maxHeaderBytes) {
            this.fail(431, "header section too large");
            return i;
          }
          if (c === CR) {
            this.state = S_HEADER_VALUE_CR;
          } else if (c === LF) {
            if (!this.endValue()) return i;
            this.state = S_HEADER_START;
          } else if (c === HT || (c >= SP && c !== 127)) {
            if (!this.appendValue(c)) return i;
          } else {
            this.fail(400, "bad header value");
            return i;
          }
          i++;
          continue;
        }

        case S_HEADER_VALUE_CR:
          if (++this.headerBytes > this.maxHeaderBytes) {
            this.fail(431, "header section too large");
            return i;
          }
          if (c !== LF) {
            this.fail(400, "bare CR");
            return i;
          }
          if (!this.endValue()) return i;
          this.state = S_HEADER_START;
          i++;
          continue;

        case S_HEADERS_END_CR:
          if (c !== LF) {
            this.fail(400, "bare CR");
            return i;
          }
          i++;
          this.headComplete();
          if (this.phase === PHASE_START) continue; // an interim response skipped
          return i;

        case S_BODY_LENGTH: {
          const n = end - i < this.remaining ? end - i : this.remaining;
          if (this.response) this.dataEnd = (this.dataStart = i) + n;
          i += n;
          this.remaining -= n;
          this.bodyBytes += n;
          if (this.remaining === 0) {
            this.phase = PHASE_COMPLETE;
            this.state = S_DONE;
            return i;
          }
          continue;
        }

        case S_CHUNK_SIZE:
        case S_CHUNK_EXT:
        case S_CHUNK_SIZE_CR:
        case S_CHUNK_DATA_CR:
        case S_CHUNK_DATA_LF:
        case S_TRAILER_START:
        case S_TRAILER_LINE:
        case S_TRAILER_END_LF:
          if (++this.bodyBytes > this.maxBody) {
            this.fail(413, "request body too large");
            return i;
          }
          if (!this.chunkByte(c)) return i;
          i++;
          if (this.phase === PHASE_COMPLETE) return i;
          continue;

        case S_CHUNK_DATA: {
          const n = end - i < this.remaining ? end - i : this.remaining;
          if (this.bodyBytes + n > this.maxBody) {
            this.fail(413, "request body too large");
            return i;
          }
          if (this.response) this.dataEnd = (this.dataStart = i) + n;
          i += n;
          this.remaining -= n;
          this.bodyBytes += n;
          if (this.remaining === 0) this.state = S_CHUNK_DATA_CR;
          if (this.response) return i; // one run of data per call
          continue;
        }

        case S_STATUS_SP:
          if (c !== SP) {
            this.fail(400, "bad status line");
            return i;
          }
          this.state = S_STATUS_CODE;
          i++;
          continue;

        case S_STATUS_CODE:
          if (c < 48 || c > 57 || (this.statusDigits === 0 && c === 48)) {
            this.fail(400, "bad status code");
            return i;
          }
          this.status = this.status * 10 + (c - 48);
          if (++this.statusDigits === 3) this.state = S_STATUS_AFTER;
          i++;
          continue;

        case S_STATUS_AFTER:
          if (c === SP) this.state = S_REASON;
          else if (c === CR) this.state = S_LINE_LF;
          else if (c === LF) this.state = S_HEADER_START;
          else {
            this.fail(400, "bad status code");
            return i;
          }
          i++;
          continue;

        case S_REASON:
          // reason-phrase: HTAB, SP, VCHAR, obs-text; dropped, bounded like a request-target
          if (c === CR) this.state = S_LINE_LF;
          else if (c === LF) this.state = S_HEADER_START;
          else if ((c < SP && c !== HT) || c === 127) {
            this.fail(400, "bad reason phrase");
            return i;
          } else if (++this.targetLength > this.maxTarget) {
            this.fail(431, "status line too long");
            return i;
          }
          i++;
          continue;

        case S_BODY_CLOSE: {
          const n = end - i;
          if (this.bodyBytes + n > this.maxBody) {
            this.fail(413, "response body too large");
            return i;
          }
          this.dataEnd = (this.dataStart = i) + n;
          this.bodyBytes += n;
          return end;
        }

        default: // S_DONE
          return i;
      }
    }
    return i;
  }

  private identifyMethod(): number {
    const b = this.methodBuf;
    const n = this.methodLength;
    for (let m = 1; m < METHOD_NAMES.length; m++) {
      const name = METHOD_NAMES[m];
      if (name.length !== n) continue;
      let k = 0;
      while (k < n && b[k] === name.charCodeAt(k)) k++;
      if (k === n) return m;
    }
    return METHOD_UNKNOWN; // answered with 501 by the server (method names are case-sensitive)
  }

  private appendPath(c: number): void {
    if (this.pathLength < this.path.length) this.path[this.pathLength++] = c;
    else this.pathOverflow = true;
  }

  /** at the colon: identify the header, reset the value */
  private beginValue(): boolean {
    let id = H_OTHER;
    if (this.nameLength <= NAME_BUF) {
      for (let h = 1; h < HEADER_NAMES.length; h++) {
        if (equalsIgnoreCase(this.nameBuf, 0, this.nameLength, HEADER_NAMES[h])) {
          id = h;
          break;
        }
      }
      if (id === H_OTHER && this.response && equalsIgnoreCase(this.nameBuf, 0, this.nameLength, "retry-after"))
        id = H_RETRY_AFTER;
    }
    this.header = id;
    this.valueLength = 0;
    this.valueEnd = 0;
    if (id === H_ACCEPT) {
      if (this.hasAccept) {
        // repeated Accept: join with ","
        if (this.acceptLength >= this.accept.length) {
          this.fail(431, "Accept too large");
          return false;
        }
        this.accept[this.acceptLength++] = 44;
      }
      this.hasAccept = true;
      this.valueLength = this.acceptLength;
      this.valueEnd = this.acceptLength;
    } else if (id === H_AUTHORIZATION) {
      if (this.hasAuthorization) {
        this.fail(400, "repeated Authorization");
        return false;
      }
      this.hasAuthorization = true;
    } else if (id === H_HOST) {
      if (this.hasHost) {
        this.fail(400, "repeated Host");
        return false;
      }
      this.hasHost = true;
    }
    return true;
  }

  private appendValue(c: number): boolean {
    const id = this.header;
    if (id === H_OTHER || id === H_HOST) return true;
    let target: Uint8Array;
    if (id === H_ACCEPT) target = this.accept;
    else if (id === H_AUTHORIZATION) {
      target = this.authorization;
      if (target.length === 0) return true; // presence only
    } else target = this.token;
    if (this.valueLength >= target.length) {
      this.fail(id === H_CONTENT_LENGTH ? 400 : 431, "header value too large");
      return false;
    }
    target[this.valueLength++] = c;
    if (c !== SP && c !== HT) this.valueEnd = this.valueLength;
    return true;
  }

  /** end of a header line: act on the value */
  private endValue(): boolean {
    if (++this.headerCount > this.maxHeaders) {
      this.fail(431, "too many headers");
      return false;
    }
    const len = this.valueEnd; // trailing whitespace trimmed
    const t = this.token;
    switch (this.header) {
      case H_ACCEPT:
        this.acceptLength = len;
        break;
      case H_AUTHORIZATION:
        this.authorizationLength = this.authorization.length === 0 ? 0 : len;
        break;
      case H_CONTENT_LENGTH: {
        // digits only (a list of identical values is tolerated: "5, 5")
        let value = -1;
        let k = 0;
        while (k < len) {
          while (k < len && (t[k] === SP || t[k] === HT)) k++;
          let v = 0;
          let digits = 0;
          while (k < len && t[k] >= 48 && t[k] <= 57) {
            if (digits < 15) v = v * 10 + (t[k] - 48);
            digits++;
            k++;
          }
          while (k < len && (t[k] === SP || t[k] === HT)) k++;
          if (digits === 0 || digits > 15 || (k < len && t[k] !== 44) || (value >= 0 && v !== value)) {
            this.fail(400, "bad Content-Length");
            return false;
          }
          value = v;
          if (k < len) k++; // comma
        }
        if (value < 0 || (this.contentLength >= 0 && this.contentLength !== value)) {
          this.fail(400, "bad Content-Length");
          return false;
        }
        this.contentLength = value;
        break;
      }
      case H_TRANSFER_ENCODING:
        if (this.hasTransferEncoding || !equalsIgnoreCase(t, 0, len, "chunked")) {
          this.hasTransferEncoding = true;
          this.chunked = false;
          this.fail(501, "transfer coding not implemented");
          return false;
        }
        this.hasTransferEncoding = true;
        this.chunked = true;
        break;
      case H_CONNECTION: {
        // comma-separated tokens
        let k = 0;
        while (k < len) {
          while (k < len && (t[k] === SP || t[k] === HT || t[k] === 44)) k++;
          const s = k;
          while (k < len && t[k] !== 44 && t[k] !== SP && t[k] !== HT) k++;
          if (equalsIgnoreCase(t, s, k - s, "close")) this.connectionClose = true;
          else if (equalsIgnoreCase(t, s, k - s, "keep-alive")) this.connectionKeepAlive = true;
        }
        break;
      }
      case H_RETRY_AFTER: {
        // kept as text (at most TOKEN_BUF bytes, trailing whitespace trimmed); a repeated header: the last one
        let v = "";
        for (let k = 0; k < len; k++) v += String.fromCharCode(t[k]);
        this.retryAfter = v;
        break;
      }
      case H_EXPECT:
        if (this.hasExpect || !equalsIgnoreCase(t, 0, len, "100-continue")) {
          this.hasExpect = true;
          this.expectContinue = false;
          // answered with 417 at head completion (HTTP/1.1 only)
          this.expectUnknown = true;
        } else {
          this.hasExpect = true;
          this.expectContinue = true;
        }
        break;
    }
    return true;
  }

  private expectUnknown = false;

  // response mode (fields last: on XS a property read walks the fields before it, and these are cold)
  /** parses responses (else requests) */
  readonly response: boolean;
  /** response: its status code */
  status = 0;
  /** response: it answers a HEAD request (no body whatever its headers say); set by the caller, kept by reset() */
  headRequest = false;
  /** response: the body ends when the connection does (neither chunked nor Content-Length): call eof() */
  closeDelimited = false;
  /** response: body data found by the last execute() is buf[dataStart, dataEnd) (empty when equal) */
  dataStart = 0;
  dataEnd = 0;
  /** response: the Retry-After header's value (RFC 9110 10.2.3), undefined when absent */
  retryAfter: string | undefined = undefined;
  /** response: no body (HEAD, 204, 304) */
  private bodyless = false;
  private statusDigits = 0;

  private headComplete(): void {
    this.state = S_DONE;
    if (this.response) return this.responseHeadComplete();
    const v11 = this.versionMinor === 1;
    if (v11 && !this.hasHost) return this.fail(400, "missing Host");
    if (this.hasTransferEncoding) {
      if (!v11) return this.fail(400, "Transfer-Encoding in HTTP/1.0");
      if (this.contentLength >= 0) return this.fail(400, "both Content-Length and Transfer-Encoding");
    }
    if (this.contentLength > this.maxBody) return this.fail(413, "request body too large");
    if (!v11) {
      this.expectContinue = false; // RFC 9110 10.1.1: ignore 100-continue from HTTP/1.0
      this.expectUnknown = false;
    }
    if (this.expectUnknown) {
      this.expectUnknown = false;
      return this.fail(417, "expectation not supported");
    }
    if (!this.chunked && this.contentLength <= 0) this.expectContinue = false;
    this.keepAlive = v11 ? !this.connectionClose : this.connectionKeepAlive && !this.connectionClose;
    this.phase = PHASE_HEAD;
  }

  private responseHeadComplete(): void {
    const status = this.status;
    if (status < 200) {
      if (status === 101) return this.fail(501, "protocol switch not supported");
      // an interim response (100 Continue, 103 Early Hints): skip it, the final one follows
      const headRequest = this.headRequest;
      this.reset();
      this.headRequest = headRequest;
      this.phase = PHASE_START;
      return;
    }
    if (this.hasTransferEncoding && !this.versionMinor) return this.fail(400, "Transfer-Encoding in HTTP/1.0");
    this.expectContinue = false;
    this.expectUnknown = false;
    this.bodyless = this.headRequest || status === 204 || status === 304;
    if (!this.bodyless) {
      // RFC 9112 6.3: Transfer-Encoding overrides Content-Length (and such a message cannot be trusted to keep
      // the connection in step: it is closed afterwards)
      if (this.chunked && this.contentLength >= 0) this.connectionClose = true;
      else if (!this.chunked && this.contentLength > this.maxBody) return this.fail(413, "response body too large");
      this.closeDelimited = !this.chunked && this.contentLength < 0;
    } else this.chunked = false;
    const v11 = this.versionMinor === 1;
    this.keepAlive =
      !this.closeDelimited && (v11 ? !this.connectionClose : this.connectionKeepAlive && !this.connectionClose);
    this.phase = PHASE_HEAD;
  }

  /** one byte of chunked framing (not chunk data); false on error */
  private chunkByte(c: number): boolean {
    switch (this.state) {
      case S_CHUNK_SIZE: {
        const h = hexValue(c);
        if (h >= 0) {
          if (++this.chunkDigits > MAX_CHUNK_SIZE_DIGITS) {
            this.fail(413, "chunk too large");
            return false;
          }
          this.remaining = this.remaining * 16 + h;
          return true;
        }
        if (this.chunkDigits === 0) {
          this.fail(400, "bad chunk size");
          return false;
        }
        if (c === CR) this.state = S_CHUNK_SIZE_CR;
        else if (c === LF) return this.chunkSizeDone();
        else if (c === 59 /* ; */ || c === SP || c === HT) this.state = S_CHUNK_EXT;
        else {
          this.fail(400, "bad chunk size");
          return false;
        }
        return true;
      }
      case S_CHUNK_EXT:
        if (c === CR) this.state = S_CHUNK_SIZE_CR;
        else if (c === LF) return this.chunkSizeDone();
        else if (c < SP && c !== HT) {
          this.fail(400, "bad chunk extension");
          return false;
        }
        return true;
      case S_CHUNK_SIZE_CR:
        if (c !== LF) {
          this.fail(400, "bare CR");
          return false;
        }
        return this.chunkSizeDone();
      case S_CHUNK_DATA_CR:
        if (c === CR) {
          this.state = S_CHUNK_DATA_LF;
          return true;
        }
        if (c === LF) {
          this.state = S_CHUNK_SIZE;
          this.chunkDigits = 0;
          this.remaining = 0;
          return true;
        }
        this.fail(400, "bad chunk terminator");
        return false;
      case S_CHUNK_DATA_LF:
        if (c !== LF) {
          this.fail(400, "bad chunk terminator");
          return false;
        }
        this.state = S_CHUNK_SIZE;
        this.chunkDigits = 0;
        this.remaining = 0;
        return true;
      case S_TRAILER_START:
        if (c === CR) this.state = S_TRAILER_END_LF;
        else if (c === LF) {
          this.phase = PHASE_COMPLETE;
          this.state = S_DONE;
        } else this.state = S_TRAILER_LINE; // trailer fields are discarded
        return true;
      case S_TRAILER_LINE:
        if (c === LF) this.state = S_TRAILER_START;
        return true;
      case S_TRAILER_END_LF:
        if (c !== LF) {
          this.fail(400, "bare CR");
          return false;
        }
        this.phase = PHASE_COMPLETE;
        this.state = S_DONE;
        return true;
    }
    return true;
  }

  private chunkSizeDone(): boolean {
    if (this.remaining === 0) {
      this.state = S_TRAILER_START;
      return true;
    }
    if (this.bodyBytes + this.remaining > this.maxBody) {
      this.fail(413, "request body too large");
      return false;
    }
    this.state = S_CHUNK_DATA;
    return true;
  }
}
