/**
 * STUB of the push clients' HTTP client (issue 11 item 5 is written on another branch; the lead replaces this file
 * with the real one at merge). It answers every request with a network error, so a configured push only queues,
 * retries and counts.
 */
import type { SendResult } from "./forwarder";
import type { PushRequest, PushTransport } from "./request";
import type { PushUrl } from "./url";

export interface HttpClientOptions {
  url: PushUrl;
  log?: (line: string) => void;
}

export class HttpClient implements PushTransport {
  readonly options: HttpClientOptions;

  constructor(options: HttpClientOptions) {
    this.options = options;
  }

  request(_req: PushRequest, done: (result: SendResult) => void): void {
    done({ networkError: "not implemented" });
  }

  abort(): void {}
}
