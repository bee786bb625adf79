/*
 * HTTP/1.1 server for the Prometheus exposition, on ECMA-419 sockets (embedded:io/socket/listener, .../tcp).
 *
 * - One Connection per accepted socket, at most `maxConnections`; admission is built so that a scraper always wins
 *   against slow or idle clients (see HttpServer.admit): with every slot taken, a newcomer takes the slot of the
 *   connection that has held one longest without completing a request (a slow or silent client, a stalled response;
 *   an idle keep-alive connection last); if none can go yet, newcomers wait in the listener's queue, and are answered
 *   "503 Service Unavailable" and closed at once if no slot comes free within a second.
 * - A request must keep coming: its head within `headTimeout` of its first byte, the whole of it within
 *   `requestTimeout`, and at `minRate` bytes per second at least (after its first second), else 408.
 * - Requests are parsed incrementally (./parser). Pipelined requests are answered in order: while a response is
 *   being sent nothing more is read from the socket, so unread requests stay in the TCP receive window (backpressure
 *   on the client).
 * - Responses are streamed from one fixed output buffer per connection (`chunkSize` bytes), written only as far as
 *   the socket's writable budget allows (onWritable); the exposition is pulled from the registry's reader chunk by
 *   chunk and never held whole. HTTP/1.1: `Transfer-Encoding: chunked`; HTTP/1.0: close-delimited.
 * - Timeouts and admission run off one repeating timer on the server's clock (its own tick count, or the `now`
 *   option): idle keep-alive (close silently), head, whole request and minimum rate (408), scrape collect (503),
 *   send stall (abort), lingering close after an error. A write that fails (returns no number, or throws) closes
 *   the connection at once.
 * - Nothing from the wire throws out of a callback: every socket callback is guarded; a failure closes that
 *   connection only. When the listener cannot be created, start() throws; when it fails later, it is closed and
 *   `onListenerError` is called. Retrying is the owner's job (modules/app/app.ts): one retry layer, not two.
 */
import Listener from "embedded:io/socket/listener";
import TCP from "embedded:io/socket/tcp";
import { encode, encodeInto } from "../text/utf8";
import Timer from "timer";
import { negotiate } from "../format/index";
import {
	PORT,
	MAX_CONNECTIONS,
	CHUNK_SIZE,
	IDLE_TIMEOUT,
	HEAD_TIMEOUT,
	REQUEST_TIMEOUT,
	MIN_RATE,
	TICK_INTERVAL,
	COLLECT_TIMEOUT,
	SEND_TIMEOUT,
	LINGER_TIMEOUT,
	DEFAULT_PATH,
	PATH_MAX,
	Range,
	inRange,
	describeRange,
} from "./limits";
import {
	RequestParser,
	ParserLimits,
	DEFAULT_LIMITS,
	PHASE_IDLE,
	PHASE_START,
	PHASE_HEAD,
	PHASE_BODY,
	PHASE_COMPLETE,
	PHASE_ERROR,
	METHOD_UNKNOWN,
	METHOD_GET,
	METHOD_HEAD,
} from "./parser";
import { pathProblem } from "./path";

/** What the server needs of a registry: prom-client-like collect(), and a pull reader per format. */
export interface ExpositionReader {
	read(buffer: Uint8Array): number;
}
export interface ScrapeRegistry {
	collect(): unknown;
	reader(format: any): ExpositionReader;
}

/** One shared run of registry.collect(). */
interface CollectJob {
	failed: boolean;
	error: unknown;
}

export interface HttpAuth {
	/** expected bearer token (`Authorization: Bearer <token>`) */
	bearer?: string;
	/** basic auth (`Authorization: Basic base64(username:password)`); both must be set */
	username?: string;
	password?: string;
}

/** Options; every number must be an integer within its range in ./limits (else the constructor throws a RangeError). */
export interface HttpServerOptions {
	/** default 9100; 0: any free port (see boundPort) */
	port?: number;
	/** listen address; omitted: the platform default (device: every interface) */
	address?: string;
	/** metrics path, default "/metrics" (rule: pathProblem in ./path) */
	path?: string;
	registry: ScrapeRegistry;
	/** concurrent connections, default 8 */
	maxConnections?: number;
	auth?: HttpAuth;
	info?: { name?: string; version?: string; uptime?: () => number };
	log?: (line: string) => void;
	/** output buffer per connection, bytes, default 1024 */
	chunkSize?: number;
	/** close a keep-alive connection after this long without a request, ms (default 65000) */
	idleTimeout?: number;
	/** the request line and headers must arrive within this long of the request's first byte, ms (default 5000):
	 *  else 408; a new connection that sends nothing is closed after this long (or idleTimeout, if shorter) */
	headTimeout?: number;
	/** a request must arrive whole within this long of its first byte, ms (default 10000): else 408 */
	requestTimeout?: number;
	/** a request in progress must arrive at this many bytes per second at least, after its first second
	 *  (default 64; 0: no minimum): else 408 */
	minRate?: number;
	/** collect() must finish within this long, ms (default 10000): else 503 */
	collectTimeout?: number;
	/** a response that makes no progress for this long is aborted, ms (default 10000) */
	sendTimeout?: number;
	/** after an error response, input is drained for at most this long before closing, ms (default 2000) */
	lingerTimeout?: number;
	/** request limits (see ./parser) */
	limits?: ParserLimits;
	/** the server's clock, ms, monotonic (default: its own, advanced by tickInterval at each tick; needs no RTC).
	 *  Read at every tick. */
	now?: () => number;
	/** period of the timeout and admission checks, ms (default: a quarter of the shortest timeout, at most 100);
	 *  0: no timer of its own, the owner calls tick() (a test with an injected clock) */
	tickInterval?: number;
	/**
	 * The listener failed after it was created (the platform reported an error, or accepting failed): it is closed,
	 * and start() creates a new one. The server does not retry by itself: its owner does (modules/app/app.ts).
	 */
	onListenerError?: (error: unknown) => void;
}

export interface HttpServerStats {
	requests: number;
	scrapes: number;
	scrapeErrors: number;
	lastScrapeMs: number;
	scrapeMsTotal: number;
	bytesSent: number;
	connectionsAccepted: number;
	connectionsRefused: number;
	activeConnections: number;
	badRequests: number;
	/** connections closed to admit a waiting one (idle keep-alive, slow request, stalled response) */
	connectionsEvicted: number;
	/** listeners that could not be created (start() threw) or failed later */
	listenerFailures: number;
}

const READ_SIZE = 512; // bytes taken from the socket per read
// Bounded work per callback, so that timers (sensor sampling) get their turn under full HTTP load: the server renders
// at most about RENDER_PER_TURN bytes per callback, whatever the number of connections it resumes (a collect shared
// by every connection, a large socket budget), and a connection parses at most READS_PER_TURN reads per callback;
// the rest continues from the server's resume timer (a 0 ms timer: every other due timer runs first). A typical
// exposition of a few KB still goes out in one callback, one write.
const RENDER_PER_TURN = 4096;
const READS_PER_TURN = 2;
const RESUME_IDLE = 3600000; // the resume timer's repeat while armed (it is unscheduled at each firing)
const MAX_REFUSING = 4; // sockets being answered 503 at once; beyond, the others keep waiting in the listener's queue
const NAME_MAX = 64;
// admission (server clock, ms)
// a connection, or a request in progress, cannot be evicted this young: time for its request to arrive (at least
// EVICT_GRACE - tickInterval of real time, as the server's clock moves at ticks: 150 ms with the default tick)
const EVICT_GRACE = 250;
const STALL_EVICT = 500; // a response that made no progress for this long can be evicted for a new connection
// (shorter than QUEUE_WAIT: a newcomer blocked by stalled responses gets a slot before it would be refused)
const QUEUE_WAIT = 1000; // a waiting connection with no slot in sight for this long is answered 503 and closed
const RATE_GRACE = 1000; // the minimum request data rate applies after the request's first second

// what an eviction would cost (Connection.evictable)
const EVICT_NEVER = 0; // answering a request (collect, or a send that progresses)
const EVICT_SOON = 1; // a new connection or a request in progress, still within EVICT_GRACE
const EVICT_NOW = 2; // held a slot EVICT_GRACE without completing a request (or idle after a single one), a stalled
// send, or lingering
const EVICT_IDLE = 3; // idle keep-alive after two requests or more: evicted only when no other is evictable, now or soon

const REASONS: { [status: number]: string } = {
	100: "Continue",
	200: "OK",
	400: "Bad Request",
	401: "Unauthorized",
	404: "Not Found",
	405: "Method Not Allowed",
	408: "Request Timeout",
	413: "Content Too Large",
	414: "URI Too Long",
	417: "Expectation Failed",
	431: "Request Header Fields Too Large",
	500: "Internal Server Error",
	501: "Not Implemented",
	503: "Service Unavailable",
	505: "HTTP Version Not Supported",
};

const TEXT = "text/plain; charset=utf-8";
const HTML = "text/html; charset=utf-8";

const ROUTE_NONE = 0;
const ROUTE_METRICS = 1;
const ROUTE_LANDING = 2;
const ROUTE_HEALTH = 3;

// connection states
const C_READ = 0;
const C_COLLECT = 1;
const C_SEND = 2;
const C_LINGER = 3;
const C_CLOSED = 4;

// response segments
const SEG_HEAD = 0;
const SEG_TEXT = 1;
const SEG_READER = 2;
const SEG_TRAILER = 3;
const SEG_DONE = 4;

const CONTINUE_100 = "HTTP/1.1 100 Continue\r\n\r\n";
const REFUSED_503 = asciiBytes(
	"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 20\r\nRetry-After: 1\r\nConnection: close\r\n\r\ntoo many connections",
);

function asciiBytes(s: string): Uint8Array {
	const b = new Uint8Array(s.length);
	for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
	return b;
}

function utf8(s: string): number[] {
	const out: number[] = [];
	for (let i = 0; i < s.length; i++) {
		let c = s.charCodeAt(i);
		if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
			const d = s.charCodeAt(i + 1);
			if (d >= 0xdc00 && d <= 0xdfff) {
				c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
				i++;
			}
		}
		if (c < 0x80) out.push(c);
		else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
		else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
		else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
	}
	return out;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
function base64(bytes: number[]): string {
	let s = "";
	for (let i = 0; i < bytes.length; i += 3) {
		const a = bytes[i];
		const b = i + 1 < bytes.length ? bytes[i + 1] : 0;
		const c = i + 2 < bytes.length ? bytes[i + 2] : 0;
		s += B64[a >> 2] + B64[((a & 3) << 4) | (b >> 4)];
		s += i + 1 < bytes.length ? B64[((b & 15) << 2) | (c >> 6)] : "=";
		s += i + 2 < bytes.length ? B64[c & 63] : "=";
	}
	return s;
}

/** HTML-escape, and turn every non-ASCII character into a numeric reference so the page is pure ASCII. */
export function escapeHtml(s: string): string {
	let out = "";
	for (let i = 0; i < s.length; i++) {
		const c = s.charCodeAt(i);
		if (c === 38) out += "&amp;";
		else if (c === 60) out += "&lt;";
		else if (c === 62) out += "&gt;";
		else if (c === 34) out += "&quot;";
		else if (c === 39) out += "&#39;";
		else if (c < 32 || c === 127) out += " ";
		else if (c < 127) out += s[i];
		else {
			let cp = c;
			if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
				const d = s.charCodeAt(i + 1);
				if (d >= 0xdc00 && d <= 0xdfff) {
					cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
					i++;
				}
			}
			out += "&#" + String(cp) + ";";
		}
	}
	return out;
}

function formatUptime(seconds: number): string {
	let s = Math.floor(seconds > 0 ? seconds : 0);
	const d = Math.floor(s / 86400);
	s -= d * 86400;
	const h = Math.floor(s / 3600);
	s -= h * 3600;
	const m = Math.floor(s / 60);
	s -= m * 60;
	return (d ? String(d) + "d " : "") + String(h) + "h " + String(m) + "m " + String(s) + "s";
}

/** an option's value: its default when undefined, else an integer within its range (RangeError otherwise) */
function option(name: string, value: unknown, r: Range, fallback?: number): number {
	if (value === undefined) return fallback === undefined ? r.default : fallback;
	if (!inRange(value, r)) throw new RangeError("HttpServer: " + name + " must be " + describeRange(r) + ", got " + String(value));
	return value;
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

/** socket callbacks shared by every connection (`this` is the socket, its target the Connection) */
function connectionReadable(this: TCP, bytes: number): void {
	const c = (this as unknown as { target: Connection }).target;
	c.readable = bytes;
	c.server.rendered = 0; // a new callback: a new share of work
	c.drive();
}
function connectionWritable(this: TCP, bytes: number): void {
	const c = (this as unknown as { target: Connection }).target;
	c.writable = bytes;
	c.server.rendered = 0;
	c.drive();
}
function connectionError(this: TCP): void {
	(this as unknown as { target: Connection }).target.close();
}

class Connection {
	readonly server: HttpServer;
	socket: TCP;
	readonly parser: RequestParser;
	readonly out: Uint8Array;
	outStart = 0;
	outEnd = 0;
	readable = 0;
	writable = 0;
	input: Uint8Array | null = null;
	inputOffset = 0;
	state = C_READ;
	deadline = 0;
	/** server time since which this connection has held its slot without completing a request */
	since = 0;
	/** server time of the current request's first byte (-1: none yet), and its bytes so far */
	started = -1;
	received = 0;
	/** the client sent its current request before reading the last response (see evictable) */
	pipelined = false;
	/** requests answered on this connection */
	answered = 0;
	driving = false;
	/** socket reads in the current callback (READS_PER_TURN), and more work is waiting for the resume timer */
	turnReads = 0;
	resume = false;
	generation = 0;
	/** the collect this connection waits for (state C_COLLECT), and the format it will render */
	job: CollectJob | null = null;
	scrapeFormat: unknown = undefined;
	scrapeContentType = "";

	// request being answered
	route = ROUTE_NONE;
	status = 0;
	keepAlive = false;
	http10 = false;
	headOnly = false;
	// response
	closeAfter = false;
	segment = SEG_DONE;
	head = "";
	headOffset = 0;
	text = "";
	textOffset = 0;
	reader: ExpositionReader | null = null;
	chunked = false;
	scrapeStart = -1;

	constructor(server: HttpServer, pending: TCP) {
		this.server = server;
		this.parser = new RequestParser(server.limits);
		this.out = new Uint8Array(server.chunkSize);
		// shared callbacks find the connection through the socket's target: no closure per connection
		this.socket = new TCP({
			from: pending,
			nodelay: true,
			target: this,
			onReadable: connectionReadable,
			onWritable: connectionWritable,
			onError: connectionError,
		});
		this.since = server.now;
		// a new connection that sends nothing is closed (as an idle keep-alive one would be, if that is sooner)
		this.deadline = server.now + (server.headTimeout < server.idleTimeout ? server.headTimeout : server.idleTimeout);
	}

	/** whether (and how readily) this connection may be closed to admit a waiting one; see EVICT_* */
	evictable(now: number): number {
		const state = this.state;
		// a client that sent its next request before reading the response to the last one (pipelining: Prometheus
		// never does; a client that queues requests and reads nothing does) holds its slot only while nobody waits
		if (this.pipelined) return EVICT_NOW;
		if (state === C_READ) {
			// an established keep-alive client (two requests or more) waiting for its next scrape goes last; a connection
			// idle after one request is usually done with (and the Moddable Linux port never reports a client's FIN)
			if (this.answered > 1 && this.isIdle()) return EVICT_IDLE;
			return now - (this.started >= 0 ? this.started : this.since) >= EVICT_GRACE ? EVICT_NOW : EVICT_SOON;
		}
		if (state === C_LINGER) return EVICT_NOW;
		// sending: the deadline is the last progress + sendTimeout (set by respondText, respondStream and flush)
		if (state === C_SEND) return now - (this.deadline - this.server.sendTimeout) >= STALL_EVICT ? EVICT_NOW : EVICT_NEVER;
		return EVICT_NEVER;
	}

	/** a request in progress arrives slower than minRate (after its first RATE_GRACE ms) */
	tooSlow(now: number): boolean {
		const rate = this.server.minRate;
		if (rate === 0 || this.state !== C_READ || this.started < 0) return false;
		const phase = this.parser.phase;
		if (phase !== PHASE_START && phase !== PHASE_BODY) return false;
		const elapsed = now - this.started - RATE_GRACE;
		return elapsed > 0 && this.received * 1000 < rate * elapsed;
	}

	isIdle(): boolean {
		return (
			this.state === C_READ &&
			this.parser.phase === PHASE_IDLE &&
			this.readable === 0 &&
			this.outStart === this.outEnd &&
			(this.input === null || this.inputOffset >= this.input.length)
		);
	}

	/** do what can be done now, within the current callback's share of work (RENDER_PER_TURN, READS_PER_TURN) */
	drive(): void {
		if (this.driving || this.state === C_CLOSED) return;
		this.driving = true;
		this.turnReads = 0;
		const server = this.server;
		try {
			for (;;) {
				if (this.outStart < this.outEnd && this.writable > 0) this.flush();
				const state = this.state; // C_CLOSED after a failed write
				if (state === C_SEND) {
					if (this.outStart < this.outEnd) break; // waiting for onWritable
					if (this.segment === SEG_DONE) {
						this.finish();
						continue;
					}
					if (server.rendered >= RENDER_PER_TURN) {
						// this callback's share is done: the rest from the resume timer (or the next onWritable)
						if (this.writable > 0) server.resumeLater(this);
						break;
					}
					const end = this.outEnd;
					this.fill();
					server.rendered += this.outEnd - end;
					if (this.outStart === this.outEnd && this.segment !== SEG_DONE) break; // no room to make progress
					if (this.writable <= 0) break;
					continue;
				}
				if (state === C_READ) {
					if (!this.readStep()) break;
					continue;
				}
				if (state === C_LINGER) {
					this.discard();
					break;
				}
				break; // C_COLLECT, C_CLOSED
			}
		} catch (e) {
			// a bug or a socket failure: this connection only
			this.server.note("connection error: " + String(e));
			if (this.segment !== SEG_DONE && this.scrapeStart >= 0) this.server.stats.scrapeErrors++;
			this.close();
		}
		this.driving = false;
	}

	/** write as much of the output queue as the budget allows */
	flush(): void {
		let n = this.outEnd - this.outStart;
		if (n > this.writable) n = this.writable;
		if (n <= 0) return;
		const left = this.socket.write(this.outStart === 0 && n === this.out.length ? this.out : this.out.subarray(this.outStart, this.outStart + n)) as unknown;
		if (typeof left !== "number") {
			// the write failed: the socket is errored (the Moddable Linux port then never calls onError)
			this.writeFailed();
			return;
		}
		this.writable -= n;
		this.outStart += n;
		this.server.stats.bytesSent += n;
		if (this.outStart === this.outEnd) this.outStart = this.outEnd = 0;
		if (this.state === C_SEND || this.state === C_LINGER) this.deadline = this.server.now + this.server.sendTimeout;
	}

	/** a write failed (returned no number): the peer is gone; close now rather than wait for a send timeout */
	writeFailed(): void {
		if (this.segment !== SEG_DONE && this.scrapeStart >= 0) this.server.stats.scrapeErrors++;
		this.close();
	}

	/** one step of reading and parsing; false when there is nothing more to do now */
	readStep(): boolean {
		const p = this.parser;
		const phase = p.phase;
		if (phase === PHASE_HEAD) {
			this.onHead();
			return true;
		}
		if (phase === PHASE_COMPLETE) {
			this.onRequest();
			return true;
		}
		if (phase === PHASE_ERROR) {
			this.server.stats.requests++;
			this.server.stats.badRequests++;
			this.keepAlive = false;
			this.http10 = false;
			this.headOnly = false;
			this.route = ROUTE_NONE;
			this.status = p.error;
			this.respondText(p.error, p.reason + "\n", "");
			return true;
		}
		let input = this.input;
		if (input === null || this.inputOffset >= input.length) {
			this.input = null;
			if (this.readable <= 0) return false;
			if (this.turnReads >= READS_PER_TURN) {
				this.server.resumeLater(this); // the rest from the resume timer (the socket does not announce it again)
				return false;
			}
			this.turnReads++;
			const n = this.readable < READ_SIZE ? this.readable : READ_SIZE;
			const got = this.socket.read(n);
			this.readable -= n;
			if (!(got instanceof ArrayBuffer)) {
				this.readable = 0;
				return false;
			}
			input = this.input = new Uint8Array(got);
			this.inputOffset = 0;
		}
		const wasIdle = phase === PHASE_IDLE;
		const from = this.inputOffset;
		this.inputOffset = p.execute(input, from, input.length);
		this.received += this.inputOffset - from;
		if (wasIdle && p.phase !== PHASE_IDLE) {
			// the request's first byte: its head must arrive within headTimeout, the whole of it within requestTimeout
			const server = this.server;
			this.started = server.now;
			this.deadline = server.now + (server.headTimeout < server.requestTimeout ? server.headTimeout : server.requestTimeout);
		}
		return true;
	}

	/** request line and headers complete: route, authorise, maybe 100 Continue */
	onHead(): void {
		const p = this.parser;
		const server = this.server;
		this.keepAlive = p.keepAlive;
		this.http10 = p.versionMinor === 0;
		this.headOnly = p.method === METHOD_HEAD;
		let route = ROUTE_NONE;
		let status = 200;
		if (p.method === METHOD_UNKNOWN) status = 501;
		else {
			if (p.pathEquals(server.path)) route = ROUTE_METRICS;
			else if (p.pathEquals("/")) route = ROUTE_LANDING;
			else if (p.pathEquals("/-/healthy")) route = ROUTE_HEALTH;
			if (route === ROUTE_NONE) status = 404;
			else if (p.method !== METHOD_GET && p.method !== METHOD_HEAD) status = 405;
			else if (route !== ROUTE_HEALTH && !server.authorized(p)) status = 401;
		}
		this.route = route;
		this.status = status;
		this.deadline = this.started + server.requestTimeout; // the head is in: the body has until the request deadline
		if (p.expectContinue) {
			if (status !== 200) {
				// final answer now; the body is never read, so the connection closes afterwards
				this.keepAlive = false;
				this.server.stats.requests++;
				this.answer();
				return;
			}
			this.appendAscii(CONTINUE_100);
		}
		p.startBody();
	}

	/** a whole request has been received */
	onRequest(): void {
		this.server.stats.requests++;
		this.answer();
	}

	answer(): void {
		const status = this.status;
		const server = this.server;
		try {
			if (status === 200) {
				if (this.route === ROUTE_HEALTH) this.respondText(200, "OK", "");
				else if (this.route === ROUTE_LANDING) this.respondText(200, server.landingPage(), "", HTML);
				else this.scrape();
			} else if (status === 405) this.respondText(405, "method not allowed\n", "Allow: GET, HEAD\r\n");
			else if (status === 401) this.respondText(401, "unauthorized\n", server.challenge);
			else if (status === 404) this.respondText(404, "not found\n", "");
			else this.respondText(status, (REASONS[status] || "error") + "\n", "");
		} catch (e) {
			server.note("handler error: " + String(e));
			this.reader = null;
			this.respondText(500, "internal server error\n", "");
		}
	}

	scrape(): void {
		const server = this.server;
		const n = negotiate(this.parser.acceptString());
		if (this.headOnly) {
			this.respondStream(n.contentType, null);
			return;
		}
		server.stats.scrapes++;
		this.scrapeStart = Date.now();
		this.state = C_COLLECT;
		this.deadline = server.now + server.collectTimeout;
		this.generation++;
		this.scrapeFormat = n.format;
		this.scrapeContentType = n.contentType;
		this.job = server.collect();
	}

	/** the collect this connection waits for has settled (called by the server for every waiting connection) */
	collected(job: CollectJob): void {
		if (this.job !== job || this.state !== C_COLLECT) return;
		this.job = null;
		if (job.failed) {
			this.scrapeFailed(job.error);
			return;
		}
		let reader: ExpositionReader;
		try {
			reader = this.server.registry.reader(this.scrapeFormat);
		} catch (e) {
			this.scrapeFailed(e);
			return;
		}
		this.respondStream(this.scrapeContentType, reader);
		this.drive();
	}

	scrapeFailed(e: unknown): void {
		const server = this.server;
		server.note("scrape failed: " + String(e));
		server.stats.scrapeErrors++;
		this.scrapeStart = -1;
		this.respondText(500, "scrape failed\n", "");
		this.drive();
	}

	connectionHeader(): string {
		if (!this.closeAfter) return this.http10 ? "Connection: keep-alive\r\n" : "";
		return "Connection: close\r\n";
	}

	/** fixed (ASCII) body with Content-Length */
	respondText(status: number, body: string, extra: string, contentType?: string): void {
		// after these the state of the byte stream (or of the client) is unknown: close
		if (status === 400 || status === 408 || status === 413 || status === 414 || status === 417 || status === 431 ||
			status === 501 || status === 503 || status === 505) this.keepAlive = false;
		this.closeAfter = !this.keepAlive;
		this.head =
			"HTTP/1.1 " + String(status) + " " + (REASONS[status] || "Status") +
			"\r\nContent-Type: " + (contentType || TEXT) +
			"\r\nContent-Length: " + String(body.length) + "\r\n" +
			extra + this.connectionHeader() + "\r\n";
		this.headOffset = 0;
		this.text = this.headOnly ? "" : body;
		this.textOffset = 0;
		this.reader = null;
		this.chunked = false;
		this.segment = SEG_HEAD;
		this.state = C_SEND;
		this.deadline = this.server.now + this.server.sendTimeout;
	}

	/** streamed body: chunked for HTTP/1.1, close-delimited for HTTP/1.0 */
	respondStream(contentType: string, reader: ExpositionReader | null): void {
		this.chunked = !this.http10;
		if (this.http10) this.keepAlive = false;
		this.closeAfter = !this.keepAlive;
		const connection = this.connectionHeader();
		const server = this.server;
		// the head of the last streamed response is kept (one string): consecutive scrapes usually repeat it
		if (server.streamHeadType === contentType && server.streamHeadChunked === this.chunked && server.streamHeadConnection === connection)
			this.head = server.streamHead;
		else {
			this.head = server.streamHead =
				"HTTP/1.1 200 OK\r\nContent-Type: " + contentType +
				(this.chunked ? "\r\nTransfer-Encoding: chunked" : "") +
				"\r\nVary: Accept\r\n" + connection + "\r\n";
			server.streamHeadType = contentType;
			server.streamHeadChunked = this.chunked;
			server.streamHeadConnection = connection;
		}
		this.headOffset = 0;
		this.text = "";
		this.reader = this.headOnly ? null : reader;
		this.segment = SEG_HEAD;
		this.state = C_SEND;
		this.deadline = this.server.now + this.server.sendTimeout;
	}

	appendAscii(s: string): void {
		const out = this.out;
		let end = this.outEnd;
		for (let i = 0; i < s.length && end < out.length; i++) out[end++] = s.charCodeAt(i);
		this.outEnd = end;
	}

	/** produce response bytes into the free tail of the output buffer */
	fill(): void {
		const out = this.out;
		const size = out.length;
		while (this.segment !== SEG_DONE) {
			let end = this.outEnd;
			if (end >= size) return;
			const seg = this.segment;
			if (seg === SEG_HEAD || seg === SEG_TEXT) {
				// head and texts are ASCII (the landing page is escaped to ASCII): offsets count bytes and characters
				const s = seg === SEG_HEAD ? this.head : this.text;
				let i = seg === SEG_HEAD ? this.headOffset : this.textOffset;
				const n = i === 0 ? encodeInto(s, end === 0 ? out : out.subarray(end)) : -1;
				let rest = false;
				if (n >= 0) end += n; // the whole string, converted natively
				else {
					// does not fit (or resumes): copy a slice of its bytes
					const b = encode(s);
					let k = b.length - i;
					if (k > size - end) k = size - end;
					out.set(b.subarray(i, i + k), end);
					end += k;
					i += k;
					rest = i < b.length;
				}
				this.outEnd = end;
				if (seg === SEG_HEAD) this.headOffset = i;
				else this.textOffset = i;
				if (rest) return;
				if (seg === SEG_HEAD) {
					this.head = "";
					this.segment = this.reader ? SEG_READER : this.text.length ? SEG_TEXT : SEG_DONE;
				} else {
					this.text = "";
					this.segment = SEG_DONE;
				}
				continue;
			}
			if (seg === SEG_READER) {
				const reader = this.reader as ExpositionReader;
				if (!this.chunked) {
					const n = reader.read(end === 0 ? out : out.subarray(end));
					if (n <= 0) {
						this.reader = null;
						this.segment = SEG_DONE;
						continue;
					}
					this.outEnd = end + n;
					return;
				}
				// chunk: size line (at most 4 hex digits + CRLF), data, CRLF
				if (size - end < 16) return;
				const dataStart = end + 6;
				const n = reader.read(out.subarray(dataStart, size - 2));
				if (n <= 0) {
					this.reader = null;
					this.segment = SEG_TRAILER;
					continue;
				}
				const digits = n < 0x10 ? 1 : n < 0x100 ? 2 : n < 0x1000 ? 3 : 4;
				if (digits < 4) out.copyWithin(end + digits + 2, dataStart, dataStart + n);
				for (let d = digits - 1, v = n; d >= 0; d--, v >>= 4) {
					const x = v & 15;
					out[end + d] = x < 10 ? 48 + x : 87 + x;
				}
				end += digits;
				out[end++] = 13;
				out[end++] = 10;
				end += n;
				out[end++] = 13;
				out[end++] = 10;
				this.outEnd = end;
				return;
			}
			if (seg === SEG_TRAILER) {
				if (size - end < 5) return;
				out[end] = 48;
				out[end + 1] = 13;
				out[end + 2] = 10;
				out[end + 3] = 13;
				out[end + 4] = 10;
				this.outEnd = end + 5;
				this.segment = SEG_DONE;
			}
		}
	}

	/** response fully handed to the socket */
	finish(): void {
		const server = this.server;
		if (this.scrapeStart >= 0) {
			const ms = Date.now() - this.scrapeStart;
			server.stats.lastScrapeMs = ms;
			server.stats.scrapeMsTotal += ms;
			this.scrapeStart = -1;
		}
		this.reader = null;
		if (this.closeAfter) {
			const unread = this.readable > 0 || (this.input !== null && this.inputOffset < this.input.length);
			if (unread && !this.http10Stream()) {
				// closing with unread input would reset the connection and could destroy the response in flight:
				// drain the input first, for a bounded time
				this.input = null;
				this.state = C_LINGER;
				this.deadline = server.now + server.lingerTimeout;
				this.discard();
			} else this.close();
			return;
		}
		this.pipelined = this.readable > 0 || (this.input !== null && this.inputOffset < this.input.length);
		this.parser.reset();
		this.state = C_READ;
		this.route = ROUTE_NONE;
		this.answered++;
		this.since = server.now;
		this.started = -1;
		this.received = 0;
		this.deadline = server.now + server.idleTimeout;
		// idle now: a connection waiting for a slot may take this one (if nothing slower is there to go)
		if (server.waiting > 0) server.admit();
	}

	http10Stream(): boolean {
		return this.http10 && this.route === ROUTE_METRICS && this.status === 200;
	}

	discard(): void {
		while (this.readable > 0 && this.state === C_LINGER) {
			const n = this.readable < READ_SIZE ? this.readable : READ_SIZE;
			this.socket.read(n);
			this.readable -= n;
		}
	}

	/** the server's clock passed this connection's deadline */
	timeout(): void {
		const state = this.state;
		if (state === C_READ) {
			if (this.parser.phase === PHASE_IDLE) {
				this.close(); // idle keep-alive connection, or a new one that sent nothing: close silently
				return;
			}
			this.requestTimedOut();
			return;
		}
		if (state === C_COLLECT) {
			this.generation++;
			this.job = null;
			this.server.stats.scrapeErrors++;
			this.scrapeStart = -1;
			this.server.collectTimedOut();
			this.keepAlive = false;
			this.respondText(503, "scrape timed out\n", "");
			this.drive();
			return;
		}
		this.close(); // send stalled, or lingering done
	}

	/** the request in progress missed its deadline or the minimum rate: 408, then close */
	requestTimedOut(): void {
		this.server.stats.requests++;
		this.server.stats.badRequests++;
		this.keepAlive = false;
		this.headOnly = false;
		this.http10 = this.parser.versionMinor === 0;
		this.respondText(408, "request timeout\n", "");
		this.drive();
	}

	close(): void {
		if (this.state === C_CLOSED) return;
		this.state = C_CLOSED;
		this.generation++;
		this.job = null;
		this.reader = null;
		this.input = null;
		try {
			this.socket.close();
		} catch {
			// already gone
		}
		this.server.remove(this);
	}
}

/** socket callbacks shared by every refused socket (`this` is the socket, its target the Refusal) */
function refusalReadable(this: TCP): void {
	(this as unknown as { target: Refusal }).target.drain();
}
function refusalWritable(this: TCP, bytes: number): void {
	(this as unknown as { target: Refusal }).target.answer(bytes);
}
function refusalError(this: TCP): void {
	(this as unknown as { target: Refusal }).target.close();
}

/**
 * A waiting connection that found no slot for QUEUE_WAIT: answered "503" and closed right after the answer is
 * written. Input is discarded first, so that the close does not reset the connection under the answer.
 */
class Refusal {
	readonly server: HttpServer;
	readonly socket: TCP;
	closed = false;
	deadline: number;
	constructor(server: HttpServer, pending: TCP) {
		this.server = server;
		this.deadline = server.now + server.lingerTimeout; // in case the socket never becomes writable
		this.socket = new TCP({
			from: pending,
			nodelay: true,
			target: this,
			onReadable: refusalReadable,
			onWritable: refusalWritable,
			onError: refusalError,
		});
	}
	drain(): void {
		try {
			for (let i = 0; i < 8 && this.socket.read() !== undefined; i++);
		} catch {
			this.close();
		}
	}
	answer(bytes: number): void {
		if (this.closed || bytes < REFUSED_503.length) return;
		this.drain();
		if (this.closed) return;
		try {
			if (typeof (this.socket.write(REFUSED_503) as unknown) === "number") this.server.stats.bytesSent += REFUSED_503.length;
		} catch {
			// the socket failed: closed below all the same
		}
		this.close();
	}
	close(): void {
		if (this.closed) return;
		this.closed = true;
		try {
			this.socket.close();
		} catch {
			// gone
		}
		this.server.removeRefusal(this);
	}
}

export class HttpServer {
	readonly port: number;
	readonly address: string | undefined;
	readonly path: string;
	readonly registry: ScrapeRegistry;
	readonly maxConnections: number;
	readonly chunkSize: number;
	readonly idleTimeout: number;
	readonly headTimeout: number;
	readonly requestTimeout: number;
	readonly minRate: number;
	readonly collectTimeout: number;
	readonly sendTimeout: number;
	readonly lingerTimeout: number;
	readonly limits: ParserLimits;
	readonly stats: HttpServerStats = {
		requests: 0,
		scrapes: 0,
		scrapeErrors: 0,
		lastScrapeMs: 0,
		scrapeMsTotal: 0,
		bytesSent: 0,
		connectionsAccepted: 0,
		connectionsRefused: 0,
		activeConnections: 0,
		badRequests: 0,
		connectionsEvicted: 0,
		listenerFailures: 0,
	};
	/** WWW-Authenticate header lines for 401 */
	readonly challenge: string;
	/** head of the last streamed (200) response, and what it was made for (see Connection.respondStream) */
	streamHead = "";
	streamHeadType = "";
	streamHeadChunked = false;
	streamHeadConnection = "";
	/** server clock, ms (monotonic, needs no RTC): the `now` option's value at the last tick, else tickMs per tick */
	now = 0;
	/** connections waiting in the listener's queue (as the listener last counted them, minus those taken since) */
	waiting = 0;
	/** bytes rendered in the current callback (see RENDER_PER_TURN); reset by each socket and timer callback */
	rendered = 0;

	private readonly log: ((line: string) => void) | undefined;
	private readonly name: string;
	private readonly version: string;
	private readonly uptime: (() => number) | undefined;
	private readonly bearer: Uint8Array | null;
	private readonly basic: Uint8Array | null;
	private readonly tickMs: number;
	private readonly clock: (() => number) | undefined;
	/** server time since which waiting connections have found no slot (-1: not blocked) */
	private blockedSince = -1;
	private admitting = false;
	private readonly onListenerError: ((error: unknown) => void) | undefined;
	private listener: Listener | null = null;
	private tickTimer: Timer | null = null;
	/** drives connections that have more to do than one callback's share (see READS_PER_TURN); unscheduled when idle */
	private resumeTimer: Timer | null = null;
	private resumeArmed = false;
	private resumeFirst = 0;
	private running = false;
	private readonly connections: Connection[] = [];
	private readonly refusals: Refusal[] = [];
	private collecting: CollectJob | null = null;
	private readonly onCollected: (job: CollectJob) => void;

	constructor(options: HttpServerOptions) {
		if (!options || !options.registry) throw new TypeError("HttpServer: registry required");
		this.port = options.port === 0 ? 0 : option("port", options.port, PORT);
		this.address = options.address;
		const path = options.path === undefined ? DEFAULT_PATH : String(options.path);
		const pathError = pathProblem(path);
		if (pathError !== undefined) throw new RangeError("HttpServer: path " + JSON.stringify(path) + ": expected " + pathError);
		this.path = path;
		this.registry = options.registry;
		this.maxConnections = option("maxConnections", options.maxConnections, MAX_CONNECTIONS);
		this.chunkSize = option("chunkSize", options.chunkSize, CHUNK_SIZE);
		this.idleTimeout = option("idleTimeout", options.idleTimeout, IDLE_TIMEOUT);
		this.headTimeout = option("headTimeout", options.headTimeout, HEAD_TIMEOUT);
		this.requestTimeout = option("requestTimeout", options.requestTimeout, REQUEST_TIMEOUT);
		this.minRate = option("minRate", options.minRate, MIN_RATE);
		this.collectTimeout = option("collectTimeout", options.collectTimeout, COLLECT_TIMEOUT);
		this.sendTimeout = option("sendTimeout", options.sendTimeout, SEND_TIMEOUT);
		this.lingerTimeout = option("lingerTimeout", options.lingerTimeout, LINGER_TIMEOUT);
		this.onListenerError = options.onListenerError;
		const self = this;
		this.onCollected = function (job: CollectJob) {
			self.collectDone(job);
		};
		const tick = Math.min(this.idleTimeout, this.headTimeout, this.requestTimeout, this.collectTimeout, this.sendTimeout, this.lingerTimeout) >> 2;
		this.tickMs = option("tickInterval", options.tickInterval, TICK_INTERVAL, tick < 10 ? 10 : tick > TICK_INTERVAL.default ? TICK_INTERVAL.default : tick);
		if (options.now !== undefined && typeof options.now !== "function") throw new TypeError("HttpServer: now must be a function");
		this.clock = options.now;
		if (this.clock) this.now = this.clock();
		this.log = options.log;
		const info = options.info || {};
		this.name = String(info.name === undefined ? "moddable-prometheus" : info.name).slice(0, NAME_MAX);
		this.version = String(info.version === undefined ? "" : info.version).slice(0, NAME_MAX);
		this.uptime = info.uptime;

		const auth = options.auth;
		let bearer: Uint8Array | null = null;
		let basic: Uint8Array | null = null;
		let challenge = "";
		if (auth && auth.bearer !== undefined && auth.bearer !== "") {
			bearer = new Uint8Array(utf8(String(auth.bearer)));
			challenge += 'WWW-Authenticate: Bearer realm="metrics"\r\n';
		}
		if (auth && (auth.username || auth.password)) {
			// empty strings (as a frozen config may hold) mean "off"; half a credential is a configuration error
			if (!auth.username || !auth.password) throw new RangeError("HttpServer: basic auth needs both username and password");
			if (String(auth.username).indexOf(":") >= 0) throw new RangeError("HttpServer: basic auth username must not contain ':'");
			basic = asciiBytes(base64(utf8(String(auth.username) + ":" + String(auth.password))));
			challenge = 'WWW-Authenticate: Basic realm="metrics", charset="UTF-8"\r\n' + challenge;
		}
		this.bearer = bearer;
		this.basic = basic;
		this.challenge = challenge;
		const limits: ParserLimits = { ...(options.limits || {}) };
		if (!bearer && !basic) limits.maxAuthorization = 0;
		else {
			const need = 7 + Math.max(bearer ? bearer.length : 0, basic ? basic.length : 0) + 8;
			if ((limits.maxAuthorization ?? DEFAULT_LIMITS.maxAuthorization) < need) limits.maxAuthorization = need;
		}
		limits.maxPath = PATH_MAX;
		this.limits = limits;
	}

	/**
	 * Start the timers and create the listener. Throws when the listener cannot be created (port taken, no memory):
	 * the server is then as it was before the call (stopped, or running without a listener after a listener
	 * failure), and the caller retries. The server does not retry by itself (one retry layer: its owner's).
	 */
	start(): void {
		if (this.listener) return;
		const starting = !this.running;
		if (starting) {
			this.running = true;
			const self = this;
			if (this.tickMs > 0)
				this.tickTimer = Timer.repeat(function () {
					self.tick();
				}, this.tickMs);
			this.resumeTimer = Timer.repeat(function () {
				self.resumeAll();
			}, RESUME_IDLE);
			Timer.schedule(this.resumeTimer); // armed by resumeLater
			this.resumeArmed = false;
		}
		try {
			this.listen();
		} catch (e) {
			this.stats.listenerFailures++;
			this.note("cannot listen on port " + String(this.port) + ": " + String(e));
			if (starting) this.stop();
			throw e;
		}
	}

	/** Close the listener and every connection. */
	stop(): void {
		this.running = false;
		if (this.tickTimer) Timer.clear(this.tickTimer);
		this.tickTimer = null;
		if (this.resumeTimer) Timer.clear(this.resumeTimer);
		this.resumeTimer = null;
		this.resumeArmed = false;
		this.closeListener();
		for (let i = this.connections.length - 1; i >= 0; i--) this.connections[i].close();
		for (let i = this.refusals.length - 1; i >= 0; i--) this.refusals[i].close();
		this.collecting = null;
	}

	/** true while connections wait for the resume timer to continue their work (for tests and tools) */
	get resuming(): boolean {
		return this.resumeArmed;
	}

	/** `c` has more to do than one callback's share: continue it from the resume timer */
	resumeLater(c: Connection): void {
		c.resume = true;
		const t = this.resumeTimer;
		if (t !== null && !this.resumeArmed) {
			this.resumeArmed = true;
			Timer.schedule(t, 0, RESUME_IDLE);
		}
	}

	/** the resume timer: one more share of work for each connection that asked for it */
	private resumeAll(): void {
		const t = this.resumeTimer;
		if (t !== null) Timer.schedule(t); // unscheduled until a connection asks again
		this.resumeArmed = false;
		this.rendered = 0;
		const list = this.connections;
		// round robin: each firing starts one connection further, so that the share goes to each in turn
		const n = list.length;
		const first = n > 0 ? this.resumeFirst++ % n : 0;
		for (let k = 0; k < n; k++) {
			const c = list[(first + k) % n];
			if (c !== undefined && c.resume) {
				c.resume = false;
				c.drive();
			}
		}
		// a connection skipped because the list changed under the loop still gets its turn
		for (let i = 0; i < list.length; i++) {
			if (list[i].resume) {
				this.resumeLater(list[i]);
				break;
			}
		}
	}

	/** true while a listener is open */
	get listening(): boolean {
		return this.listener !== null;
	}

	/** the bound port (useful with port 0), or the configured port */
	get boundPort(): number {
		const l = this.listener;
		return l ? l.port : this.port;
	}

	note(line: string): void {
		const log = this.log;
		if (log) {
			try {
				log("http: " + line);
			} catch {
				// a failing logger must not take the server down
			}
		}
	}

	private listen(): void {
		const self = this;
		const options: any = {
			port: this.port,
			onReadable(this: Listener, count: number) {
				if (self.listener !== this) return;
				self.waiting = count;
				self.admit();
			},
			onError(this: Listener) {
				if (self.listener === this) self.listenerFailed(new Error("listener error"));
			},
		};
		if (this.address !== undefined) options.address = this.address;
		const listener = new Listener(options);
		this.listener = listener;
		this.note("listening on port " + String(listener.port));
	}

	private closeListener(): void {
		const l = this.listener as any;
		this.listener = null;
		this.waiting = 0;
		this.blockedSince = -1;
		if (l && typeof l.close === "function") {
			try {
				l.close();
			} catch {
				// gone
			}
		}
	}

	/** the listener failed: close it, count it, and tell the owner (who calls start() again when it sees fit) */
	listenerFailed(error: unknown): void {
		this.stats.listenerFailures++;
		this.note("listener failed: " + String(error));
		this.closeListener();
		const report = this.onListenerError;
		if (report) {
			try {
				report(error);
			} catch (e) {
				this.note("onListenerError failed: " + String(e));
			}
		}
	}

	/**
	 * Admission: take waiting connections from the listener while there is a free slot, or one to free. With every
	 * slot taken, the connection that has held its slot longest without completing a request is closed for the
	 * newcomer (a new connection or a request in progress after EVICT_GRACE, a response stalled for STALL_EVICT,
	 * one lingering after an error); an idle keep-alive connection only when no other is evictable now or soon.
	 * Otherwise the newcomers wait in the listener's queue (attackers that wait do not reconnect, so they cannot
	 * outrun a scraper), and after QUEUE_WAIT with no slot in sight they are answered 503 and closed.
	 * Called when the listener reports waiting connections, when a connection closes or goes idle, and at every tick.
	 */
	admit(): void {
		const listener = this.listener;
		if (this.admitting || !listener) return;
		this.admitting = true;
		try {
			while (this.waiting > 0) {
				if (this.connections.length >= this.maxConnections) {
					const victim = this.victim();
					if (victim === null) {
						if (this.blockedSince < 0) this.blockedSince = this.now;
						else if (this.now - this.blockedSince >= QUEUE_WAIT) this.refuseWaiting(listener);
						return;
					}
					this.stats.connectionsEvicted++;
					victim.close();
				}
				const pending = this.take(listener);
				if (!pending) return;
				try {
					this.connections.push(new Connection(this, pending));
					this.stats.connectionsAccepted++;
					this.stats.activeConnections = this.connections.length;
				} catch (e) {
					this.note("cannot accept: " + String(e));
					try {
						pending.close();
					} catch {
						// gone
					}
				}
			}
		} finally {
			this.admitting = false;
		}
	}

	/** the next waiting connection, or undefined (then none waits) */
	private take(listener: Listener): TCP | undefined {
		let pending: TCP | undefined;
		try {
			pending = listener.read();
		} catch (e) {
			this.listenerFailed(e);
			return undefined;
		}
		if (pending) {
			this.waiting--;
			this.blockedSince = -1;
		} else {
			this.waiting = 0;
			this.blockedSince = -1;
		}
		return pending;
	}

	/** the connection to close for a waiting one, or null (none now) */
	private victim(): Connection | null {
		const now = this.now;
		const list = this.connections;
		let victim: Connection | null = null;
		let idle: Connection | null = null;
		let soon = false;
		for (let i = 0; i < list.length; i++) {
			const c = list[i];
			const e = c.evictable(now);
			if (e === EVICT_NOW) {
				if (victim === null || c.since < victim.since) victim = c;
			} else if (e === EVICT_IDLE) {
				if (idle === null || c.since < idle.since) idle = c;
			} else if (e === EVICT_SOON) soon = true;
		}
		if (victim !== null || soon) return victim;
		return idle;
	}

	/** waiting connections found no slot for QUEUE_WAIT: answer them 503 and close them */
	private refuseWaiting(listener: Listener): void {
		while (this.waiting > 0 && this.refusals.length < MAX_REFUSING) {
			const pending = this.take(listener);
			if (!pending) return;
			this.stats.connectionsRefused++;
			try {
				this.refusals.push(new Refusal(this, pending));
			} catch (e) {
				this.note("cannot refuse: " + String(e));
				try {
					pending.close();
				} catch {
					// gone
				}
			}
		}
		if (this.waiting > 0) this.blockedSince = this.now; // the rest wait their turn
	}

	remove(c: Connection): void {
		const list = this.connections;
		const i = list.indexOf(c);
		if (i >= 0) list.splice(i, 1);
		this.stats.activeConnections = list.length;
		if (this.waiting > 0) this.admit();
	}

	removeRefusal(r: Refusal): void {
		const i = this.refusals.indexOf(r);
		if (i >= 0) this.refusals.splice(i, 1);
		if (this.waiting > 0) this.admit();
	}

	/**
	 * Read the clock and enforce deadlines (idle, head, request, minimum rate, collect, send, linger), then admit
	 * waiting connections. Run by the server's timer every tickInterval ms, or by the owner when tickInterval is 0.
	 */
	tick(): void {
		this.rendered = 0;
		const clock = this.clock;
		const now = (this.now = clock ? clock() : this.now + this.tickMs);
		const list = this.connections;
		this.admitting = true; // closes below admit nobody until the list has been walked
		try {
			for (let i = list.length - 1; i >= 0; i--) {
				const c = list[i];
				if (!c) continue;
				try {
					if (c.deadline <= now) c.timeout();
					else if (c.tooSlow(now)) c.requestTimedOut();
				} catch (e) {
					this.note("timeout handling failed: " + String(e));
					c.close();
				}
			}
			const refusals = this.refusals;
			for (let i = refusals.length - 1; i >= 0; i--) {
				const r = refusals[i];
				if (r && r.deadline <= now) r.close();
			}
		} finally {
			this.admitting = false;
		}
		if (this.waiting > 0) this.admit();
	}

	/**
	 * One collect() shared by the scrapes that arrive while it runs. Settles without rejecting (a failure is noted
	 * in the job); then every connection waiting for this job is resumed. No closure is created per scrape.
	 */
	collect(): CollectJob {
		let job = this.collecting;
		if (job) return job;
		job = { failed: false, error: undefined };
		this.collecting = job;
		this.runCollect(job).then(this.onCollected);
		return job;
	}

	private async runCollect(job: CollectJob): Promise<CollectJob> {
		await undefined; // collect callbacks run from a later turn, never inside the request's callback
		try {
			await this.registry.collect();
		} catch (e) {
			job.failed = true;
			job.error = e;
		}
		return job;
	}

	private collectDone(job: CollectJob): void {
		if (this.collecting === job) this.collecting = null;
		const list = this.connections;
		// backwards: a resumed connection may finish and close (leaving the list) or admit a waiting one (appended)
		for (let i = list.length - 1; i >= 0; i--) {
			const c = list[i];
			if (c && c.job === job) {
				try {
					c.collected(job);
				} catch (e) {
					this.note("scrape failed: " + String(e));
					c.close();
				}
			}
		}
	}

	collectTimedOut(): void {
		this.collecting = null;
	}

	/** constant-time check of the Authorization header; true when auth is off */
	authorized(p: RequestParser): boolean {
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
		const isScheme = function (s: string): boolean {
			if (schemeEnd !== s.length) return false;
			for (let k = 0; k < schemeEnd; k++) if (lowerByte(a[k]) !== s.charCodeAt(k)) return false;
			return true;
		};
		if (bearer && isScheme("bearer")) return constantTimeEqual(a, i, len - i, bearer);
		if (basic && isScheme("basic")) return constantTimeEqual(a, i, len - i, basic);
		return false;
	}

	/** the landing page (pure ASCII, bounded: name and version are cut to 64 characters) */
	landingPage(): string {
		const uptime = this.uptime ? this.uptime() : this.now / 1000;
		const name = escapeHtml(this.name);
		const path = escapeHtml(this.path);
		return (
			'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>' + name +
			"</title></head>\n<body><h1>" + name + "</h1>\n<p>Prometheus exporter" +
			(this.version ? " version " + escapeHtml(this.version) : "") +
			", up " + formatUptime(uptime) + ".</p>\n" +
			'<p><a href="' + path + '">Metrics</a> (' + path + ') &middot; <a href="/-/healthy">Health</a></p>\n</body></html>\n'
		);
	}
}

export default HttpServer;
