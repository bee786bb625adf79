/**
 * Connection admission under hostile clients, over real TCP on 127.0.0.1 (host sockets), on an injected clock.
 *
 * The server reads its time from a manual clock and has no timer of its own (`tickInterval: 0`): the test moves
 * the clock in 50 ms steps and calls `server.tick()` every 100 ms, as the server's own timer does by default.
 * Between steps it waits until the host sockets have delivered every callback for what the clients sent
 * (`settle`), so a step's events reach the server at the step's time whatever the machine's speed: 60 s of attack
 * run in a few seconds, the same way on a fast or a loaded machine.
 */
import { MetricsServer, type MetricsServerOptions } from "../../modules/promhttp/server";
import type { ScrapeRegistry } from "../../modules/promhttp/handler";
import { Registry, Gauge } from "../../modules/client/index";
import { configureSockets, pendingDeliveries } from "../../host/io/tcp";
import { ManualClock } from "../support/clock";
import { nextTurn } from "../support/wait";
import { RawClient, parseResponses } from "./client";

const STEP = 50; // ms of server time per step
const TICK = 100; // ms between the server's checks (its default tickInterval)
const SECOND = 1000 / STEP; // steps

function makeRegistry(): Registry {
  const registry = new Registry();
  const g = new Gauge({
    name: "test_temperature_celsius",
    help: "Temperature.",
    labelNames: ["sensor"],
    registers: [registry],
  });
  for (let i = 0; i < 20; i++) g.labels({ sensor: "s" + i }).set(20 + i / 4);
  return registry;
}

const servers: MetricsServer[] = [];
const clients: RawClient[] = [];
let restoreSockets: ReturnType<typeof configureSockets>;

beforeEach(() => {
  restoreSockets = configureSockets({ profile: "esp32" });
});
afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
  for (const s of servers.splice(0)) s.stop();
  configureSockets(restoreSockets);
});

/** Wait until the host sockets have delivered everything and no server has work waiting for its resume timer:
 *  three event-loop turns in a row with nothing pending. */
async function settle(): Promise<void> {
  let quiet = 0;
  for (let turn = 0; turn < 200000; turn++) {
    // deliveries on the lin profile's 20 ms grid wait for a timer: let it come without spinning
    if (pendingDeliveries() > 0) await new Promise<void>((resolve) => setTimeout(resolve, 1));
    await nextTurn();
    if (pendingDeliveries() === 0 && !servers.some((s) => s.resuming)) {
      if (++quiet >= 3) return;
    } else quiet = 0;
  }
  throw new Error("the host sockets did not settle");
}

interface Harness {
  server: MetricsServer;
  port: number;
  clock: ManualClock;
  registry: Registry;
  /** advance the clock by one step, run the server's checks, let every socket event through */
  step(): Promise<void>;
  connect(): Promise<RawClient>;
}

/** A registry whose collect() waits until `release()` is called (scrapes stay in their collect meanwhile). */
function heldRegistry(): { held: ScrapeRegistry; release: () => void } {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const registry = makeRegistry();
  const held: ScrapeRegistry = {
    collect: async () => {
      await gate;
      await registry.collect();
    },
    reader: (format) => registry.reader(format),
  };
  return { held, release };
}

async function harness(options: Partial<MetricsServerOptions> = {}): Promise<Harness> {
  const clock = new ManualClock(0);
  const registry = (options.registry as Registry | undefined) ?? makeRegistry();
  const server = new MetricsServer({
    port: 0,
    registry,
    now: clock.now,
    tickInterval: 0,
    ...options,
  } as MetricsServerOptions);
  server.start();
  servers.push(server);
  const port = server.boundPort;
  return {
    server,
    port,
    clock,
    registry,
    async step() {
      clock.advance(STEP);
      if (clock.t % TICK === 0) server.tick();
      await settle();
    },
    async connect() {
      const c = new RawClient(port);
      clients.push(c);
      await c.ready();
      return c;
    },
  };
}

const GET = "GET /metrics HTTP/1.1\r\nHost: exporter\r\n\r\n";

function responsesOf(c: RawClient) {
  return parseResponses(c.data, [], c.closed || c.ended);
}

/** step until `done()` holds (checked after each step); the number of steps taken */
async function stepUntil(h: Harness, done: () => boolean, max: number, what: string): Promise<number> {
  for (let n = 1; n <= max; n++) {
    await h.step();
    if (done()) return n;
  }
  throw new Error(`not within ${max} steps: ${what}`);
}

describe("request deadlines and minimum rate", () => {
  test("a request trickling below minRate gets 408 once past its first second; a head slower than headTimeout gets 408; a silent connection is closed at headTimeout", async () => {
    const h = await harness({ minRate: 64, headTimeout: 5000 });
    const slow = await h.connect();
    await slow.write("GET /metrics HTTP/1.1\r\n"); // 23 bytes, then nothing
    const steady = await h.connect();
    await steady.write("GET /metrics HTTP/1.1\r\n");
    const silent = await h.connect();
    await settle();
    const header = "X-Filler: " + "a".repeat(88) + "\r\n"; // 100 bytes
    const got408 = (c: RawClient) => responsesOf(c).some((r) => r.status === 408);
    // the slow one: 23 bytes, then nothing: below 64 bytes/s after the first second from 1359 ms (the 1400 ms tick);
    // the steady one sends 100 more bytes every 500 ms (well above the rate) but never ends its head: 408 at 5 s
    let slowAt = -1;
    let steadyAt = -1;
    for (let step = 1; step <= 6 * SECOND && steadyAt < 0; step++) {
      if (step % (SECOND / 2) === 0 && !got408(steady)) await steady.write(header);
      await h.step();
      if (slowAt < 0 && got408(slow)) slowAt = step * STEP;
      if (steadyAt < 0 && got408(steady)) steadyAt = step * STEP;
      if (step * STEP < 5000) expect(silent.closed || silent.ended).toBe(false);
    }
    expect(slowAt).toBe(1400);
    expect(steadyAt).toBe(5000);
    expect(responsesOf(slow)[0].headers["connection"]).toBe("close");
    // the connection that never sent a byte is closed at the same deadline, without a response
    await silent.waitClosed();
    expect(silent.data.length).toBe(0);
    expect(h.server.stats.badRequests).toBe(2);
  });
});

describe("admission", () => {
  test("a slow request holding a slot is evicted for a newcomer once 250 ms old; a younger one is not", async () => {
    const h = await harness({ maxConnections: 2 });
    const a = await h.connect();
    await a.write("GET /met");
    await h.step(); // 50 ms
    const b = await h.connect();
    await b.write("GET /met");
    await settle();
    const newcomer = await h.connect();
    await newcomer.write(GET);
    await settle();
    expect(responsesOf(newcomer)).toHaveLength(0); // waiting: both requests are younger than 250 ms
    const n = await stepUntil(h, () => responsesOf(newcomer).length > 0, SECOND, "the newcomer's answer");
    expect(responsesOf(newcomer)[0].status).toBe(200);
    expect((1 + n) * STEP).toBe(300); // at the first tick where a is 250 ms old (b, younger, stays)
    await a.waitClosed();
    expect(a.data.length).toBe(0);
    expect(b.closed || b.ended).toBe(false);
    expect(h.server.stats.connectionsEvicted).toBe(1);
    expect(h.server.stats.connectionsRefused).toBe(0);
  });

  test("established keep-alive connections are evicted only when no slow connection can go; the longest idle first", async () => {
    const h = await harness({ maxConnections: 3 });
    const idle = await h.connect();
    for (let i = 0; i < 2; i++) {
      await idle.write(GET); // two requests: an established keep-alive client
      await settle();
    }
    expect(responsesOf(idle).map((r) => r.status)).toEqual([200, 200]);
    const slow = [await h.connect(), await h.connect()];
    for (const c of slow) await c.write("G");
    await settle();
    const newcomer = await h.connect();
    await newcomer.write(GET);
    await settle();
    expect(responsesOf(newcomer)).toHaveLength(0); // the slow ones are young: they go first, soon
    await stepUntil(h, () => responsesOf(newcomer).length > 0, SECOND, "the newcomer's answer");
    await slow[0].waitClosed();
    expect(idle.closed || idle.ended).toBe(false);
    // with only established keep-alive connections to close, the one idle longest goes at once
    const h2 = await harness({ maxConnections: 2 });
    const idles = [await h2.connect(), await h2.connect()];
    for (const c of idles) {
      for (let i = 0; i < 2; i++) {
        await c.write(GET);
        await settle();
      }
      await h2.step();
    }
    const third = await h2.connect();
    await third.write(GET);
    await settle();
    expect(responsesOf(third)[0].status).toBe(200);
    await idles[0].waitClosed();
    expect(idles[1].closed || idles[1].ended).toBe(false);
  });

  test("a connection idle after a single request gives way after 250 ms, even while slow clients hold other slots (the Linux port never reports a client's FIN)", async () => {
    configureSockets({ profile: "lin" });
    const h = await harness({ maxConnections: 2 });
    const once = await h.connect();
    await once.write(GET);
    await settle();
    expect(responsesOf(once)[0].status).toBe(200);
    once.destroy(); // gone: the server is not told
    for (let i = 0; i < 4; i++) await h.step(); // 200 ms
    const slow = await h.connect();
    await slow.write("G");
    await settle();
    const newcomer = await h.connect();
    await newcomer.write(GET);
    await settle();
    await stepUntil(h, () => responsesOf(newcomer).length > 0, SECOND, "the newcomer's answer");
    expect(responsesOf(newcomer)[0].status).toBe(200);
    // at the 300 ms tick the one-shot connection (idle 300 ms) went, not the slow one (100 ms old, 250 ms at 450)
    expect(h.clock.t).toBe(300);
    expect(slow.closed || slow.ended).toBe(false);
    expect(h.server.stats.connectionsEvicted).toBe(1);
  });

  test("clients that pipeline requests without reading (every slot taken) give way to a newcomer at once", async () => {
    const { held, release } = heldRegistry();
    const h = await harness({ maxConnections: 2, registry: held as unknown as Registry, collectTimeout: 600000 });
    const pipeliners = [await h.connect(), await h.connect()];
    // the health check is answered at once; the scrape queued behind it waits for the (held) collect
    for (const c of pipeliners) await c.write("GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n" + GET);
    await settle();
    expect(h.server.stats.scrapes).toBe(2);
    const newcomer = await h.connect();
    await newcomer.write(GET);
    await settle();
    await stepUntil(h, () => h.server.stats.connectionsEvicted > 0, SECOND, "the eviction of a pipelining client");
    expect(h.clock.t).toBeLessThanOrEqual(TICK);
    release();
    const [r] = await newcomer.responses(1);
    expect(r.status).toBe(200);
    expect(h.server.stats.connectionsRefused).toBe(0);
  });

  test("every slot answering: a newcomer waits; with no slot in sight for 1 s it gets 503 and is closed right after", async () => {
    const { held, release } = heldRegistry();
    const h = await harness({ maxConnections: 2, registry: held as unknown as Registry, collectTimeout: 600000 });
    const busy = [await h.connect(), await h.connect()];
    for (const c of busy) await c.write(GET);
    await settle();
    expect(h.server.stats.scrapes).toBe(2);
    const late = await h.connect();
    await late.write(GET);
    await settle();
    const n = await stepUntil(h, () => late.data.length > 0, 2 * SECOND, "the 503");
    expect(n * STEP).toBe(1000);
    await late.waitClosed(); // closed right after its answer: the clock has not moved since
    const [r] = parseResponses(late.data, [], true);
    expect(r.status).toBe(503);
    expect(r.headers["connection"]).toBe("close");
    expect(r.headers["retry-after"]).toBe("1");
    expect(h.server.stats.connectionsRefused).toBe(1);
    release();
    for (const c of busy) expect((await c.responses(1))[0].status).toBe(200);
  });

  test("a response stalled by a client that stopped reading is evicted for a newcomer within 0.5 s", async () => {
    const big = new Registry();
    const g = new Gauge({
      name: "test_big",
      help: "A large exposition.",
      labelNames: ["i"],
      maxSeries: 40000,
      registers: [big],
    });
    for (let i = 0; i < 40000; i++) g.labels({ i: "series-" + i }).set(i); // ~1.5 MB: more than the OS buffers hold
    const h = await harness({ maxConnections: 1, registry: big, sendTimeout: 600000 });
    const stuck = await h.connect();
    stuck.socket.pause(); // reads nothing more
    await stuck.write(GET);
    // wait until the response stalls: no byte sent over a settled step
    let sent = -1;
    await stepUntil(
      h,
      () => {
        const now = h.server.stats.bytesSent;
        const stalled = now === sent && now > 0;
        sent = now;
        return stalled;
      },
      SECOND,
      "the stall",
    );
    const newcomer = await h.connect();
    await newcomer.write(GET);
    await settle();
    const n = await stepUntil(h, () => h.server.stats.connectionsEvicted > 0, 2 * SECOND, "the eviction");
    expect(n * STEP).toBeLessThanOrEqual(500 + TICK);
    stuck.destroy();
    const [r] = await newcomer.responses(1);
    expect(r.status).toBe(200);
    expect(r.body.length).toBeGreaterThan(1000000);
  }, 30000);
});

// ---------------------------------------------------------------------------------------------------------------
// hostile clients

interface Attacker {
  tick(step: number): Promise<void>;
  /** connections it opened */
  connections: number;
}

/** Sends `text` one byte every `every` steps from its first step on, on one connection, starting over (from the
 *  first byte, on the same connection) when `repeat`; reconnects at its next step whenever the server closes it. */
function trickler(h: Harness, text: string, every: number, phase: number, repeat: boolean): Attacker {
  let c: RawClient | undefined;
  let sent = 0;
  const a: Attacker = {
    connections: 0,
    async tick(step: number) {
      if (step < phase) return;
      if (c === undefined || c.closed || c.ended) {
        if (c) c.destroy();
        c = await h.connect();
        a.connections++;
        sent = 0;
        await c.write(text[0]); // the first byte at once, like a client that starts its request on connect
        sent = 1;
        return;
      }
      if ((step - phase) % every !== 0) return;
      if (sent >= text.length) {
        if (!repeat) return;
        sent = 0;
      }
      await c.write(text[sent++]);
    },
  };
  return a;
}

/** A Prometheus-like scraper on a fresh connection: connects, sends its whole request, waits for the answer. */
class FreshScrape {
  readonly started: number;
  client: RawClient | undefined;
  status = 0;
  at = -1;
  constructor(
    readonly h: Harness,
    step: number,
  ) {
    this.started = step;
  }
  async begin(): Promise<void> {
    this.client = await this.h.connect();
    await this.client.write(GET);
  }
  /** settled: answered (status, step) or gone */
  check(step: number): boolean {
    const c = this.client!;
    if (this.at >= 0) return true;
    const rs = responsesOf(c);
    if (rs.length > 0) {
      this.status = rs[0].status;
      this.at = step;
      c.destroy();
      return true;
    }
    if (c.closed || c.ended) {
      this.at = step;
      return true;
    }
    return false;
  }
}

/** A scraper that connected before the attack and keeps one keep-alive connection, scraping every `every` steps. */
class KeepAliveScraper {
  client: RawClient | undefined;
  answers = 0;
  outcomes: string[] = [];
  #asked = -1;
  constructor(readonly h: Harness) {}
  async connect(): Promise<void> {
    this.client = await this.h.connect();
  }
  async ask(step: number): Promise<void> {
    this.#asked = step;
    const c = this.client!;
    if (c.closed || c.ended) {
      this.outcomes.push(`connection lost before the scrape at step ${step}`);
      return;
    }
    await c.write(GET).catch(() => this.outcomes.push(`connection lost at step ${step}`));
  }
  /** called every step: records an answer (status and latency in steps) */
  check(step: number): void {
    const c = this.client!;
    const rs = responsesOf(c);
    if (rs.length > this.answers) {
      this.answers = rs.length;
      this.outcomes.push(`${rs[rs.length - 1].status} after ${step - this.#asked} steps`);
    }
  }
}

interface AttackResult {
  fresh: FreshScrape[];
  keepAlive: KeepAliveScraper;
  attackerConnections: number;
}

/**
 * Run `seconds` of attack: the attackers act every step; a fresh scrape starts every second (alternately before and
 * after the attackers' moves in its step); the keep-alive scraper asks every 5 s. Every scrape is followed for 2 s.
 */
async function attack(h: Harness, attackers: Attacker[], seconds: number): Promise<AttackResult> {
  // a Prometheus that has been scraping over its keep-alive connection before the attack starts
  const keepAlive = new KeepAliveScraper(h);
  await keepAlive.connect();
  for (let i = 0; i < 2; i++) {
    await keepAlive.ask(0);
    await settle();
    keepAlive.check(0);
  }
  expect(keepAlive.outcomes).toEqual(["200 after 0 steps", "200 after 0 steps"]);

  const steps = seconds * SECOND;
  const fresh: FreshScrape[] = [];
  const open: FreshScrape[] = [];
  const limit = 2 * SECOND;
  for (let step = 1; step <= steps + limit; step++) {
    await h.step();
    for (let i = open.length - 1; i >= 0; i--) {
      const s = open[i];
      if (s.check(step) || step - s.started > limit) {
        open.splice(i, 1);
        s.client!.destroy();
      }
    }
    keepAlive.check(step);
    if (step > steps) continue; // let the last scrapes finish; the attack has stopped
    const scrapeNow = step % SECOND === 7;
    const scrapeFirst = step % (2 * SECOND) === 7;
    let scrape: FreshScrape | undefined;
    if (scrapeNow && scrapeFirst) {
      scrape = new FreshScrape(h, step);
      await scrape.begin();
    }
    for (const a of attackers) await a.tick(step);
    if (scrapeNow && !scrapeFirst) {
      scrape = new FreshScrape(h, step);
      await scrape.begin();
    }
    if (scrape) {
      fresh.push(scrape);
      open.push(scrape);
    }
    if (step % (5 * SECOND) === 0) await keepAlive.ask(step);
  }
  const attackerConnections = attackers.reduce((n, a) => n + a.connections, 0);
  return { fresh, keepAlive, attackerConnections };
}

function summary(r: AttackResult): { ok: number; total: number; failures: string[] } {
  const failures: string[] = [];
  let ok = 0;
  for (const s of r.fresh) {
    const steps = s.at - s.started;
    if (s.status === 200 && s.at >= 0 && steps <= 2 * SECOND) ok++;
    else
      failures.push(
        `scrape at step ${s.started}: ${s.at < 0 ? "no answer within 2 s" : s.status ? `${s.status} after ${steps} steps` : `closed after ${steps} steps`}`,
      );
  }
  return { ok, total: r.fresh.length, failures };
}

/** a keep-alive outcome ("200 after N steps") if it is a 200 within 2 s, else "not: ..." */
function answeredWithin2s(outcome: string): string {
  const m = /^200 after (\d+) steps$/.exec(outcome);
  return m && Number(m[1]) <= 2 * SECOND ? outcome : "not: " + outcome;
}

/**
 * The goal under attack: `total` one-per-second fresh scrapes, all but at most `allowed` (5 %) answered 200 within
 * 2 s; the keep-alive scraper's `keepAlive` scrapes all answered within 2 s on the connection it had before.
 */
function expectScraperWins(r: AttackResult, total: number, allowed: number, keepAlive: number): void {
  const s = summary(r);
  expect(s.total).toBe(total);
  expect(s.failures.length <= allowed ? [] : s.failures).toEqual([]);
  expect(s.ok).toBe(s.total - s.failures.length);
  expect(r.keepAlive.outcomes).toHaveLength(keepAlive);
  for (const o of r.keepAlive.outcomes) expect(answeredWithin2s(o)).toBe(o);
  expect(r.keepAlive.client!.closed).toBe(false);
}

describe("admission under attack (2 x maxConnections hostile clients, 60 s)", () => {
  test("complete GET /metrics one byte every 0.2 s, repeated on the same connection: >= 95 % of fresh scrapes get 200 within 2 s; the keep-alive scraper keeps working", async () => {
    const h = await harness({ maxConnections: 8 });
    const attackers: Attacker[] = [];
    for (let i = 0; i < 16; i++) attackers.push(trickler(h, GET, 0.2 * SECOND, 1 + (i % 4), true));
    const r = await attack(h, attackers, 60);
    expectScraperWins(r, 60, 3, 14);
    expect(h.server.stats.connectionsEvicted + h.server.stats.badRequests).toBeGreaterThan(0); // the attackers were pushed out
    expect(r.attackerConnections).toBeGreaterThan(16);
  }, 60000);

  test("partial request line at 1 byte per 2 s, reconnecting whenever closed: >= 95 % of fresh scrapes get 200 within 2 s; the keep-alive scraper keeps working", async () => {
    const h = await harness({ maxConnections: 8 });
    const attackers: Attacker[] = [];
    for (let i = 0; i < 16; i++)
      attackers.push(trickler(h, "GET /metrics HTTP/1.1", 2 * SECOND, 1 + ((i * 5) % 40), true));
    const r = await attack(h, attackers, 60);
    expectScraperWins(r, 60, 3, 14);
    expect(r.attackerConnections).toBeGreaterThan(16);
  }, 60000);

  test("both kinds at once (4 x maxConnections hostile clients): >= 95 % of fresh scrapes get 200 within 2 s; the keep-alive scraper keeps working", async () => {
    const h = await harness({ maxConnections: 8 });
    const attackers: Attacker[] = [];
    for (let i = 0; i < 16; i++) attackers.push(trickler(h, GET, 0.2 * SECOND, 1 + (i % 4), true));
    for (let i = 0; i < 16; i++)
      attackers.push(trickler(h, "GET /metrics HTTP/1.1", 2 * SECOND, 1 + ((i * 5) % 40), true));
    const r = await attack(h, attackers, 60);
    expectScraperWins(r, 60, 3, 14);
  }, 60000);

  test("the Moddable Linux socket profile (20 ms poll, FIN not reported), partial request lines, 20 s: >= 95 % of fresh scrapes get 200 within 2 s", async () => {
    configureSockets({ profile: "lin" });
    const h = await harness({ maxConnections: 8 });
    const attackers: Attacker[] = [];
    for (let i = 0; i < 16; i++)
      attackers.push(trickler(h, "GET /metrics HTTP/1.1", 2 * SECOND, 1 + ((i * 5) % 40), true));
    const r = await attack(h, attackers, 20);
    expectScraperWins(r, 20, 1, 6);
  }, 60000);
});

describe("one clock", () => {
  test("a scrape's duration is measured on the server's clock (the injected one), not on the wall clock", async () => {
    const { held, release } = heldRegistry();
    const h = await harness({ registry: held as unknown as Registry, collectTimeout: 600000 });
    const c = await h.connect();
    await c.write(GET);
    await settle();
    expect(h.server.stats.scrapes).toBe(1);
    h.clock.advance(700); // 700 ms of server time pass while the collect is held, and next to no wall time
    release();
    const [r] = await c.responses(1);
    expect(r.status).toBe(200);
    await settle();
    expect(h.server.stats.lastScrapeMs).toBe(700);
    expect(h.server.stats.scrapeMsTotal).toBe(700);
  });
});
