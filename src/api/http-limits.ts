/**
 * Every bound of the HTTP server and of request admission, in one place (issue 12: one
 * client must not stall the service). `canopy serve` applies them to its one server, which
 * carries the Graph API, the token endpoint and the relay's WebSocket upgrades; environment
 * variables override them (cli/http-limits-env.ts), tests shorten the timers.
 */
export interface HttpLimits {
  /** The request line and headers must arrive within this time (slow-header attacks). */
  readonly headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this time, else 408 and close. */
  readonly requestTimeoutMs: number;
  /** How often Node checks the two timeouts above (it checks on an interval, not per socket). */
  readonly timeoutCheckIntervalMs: number;
  /**
   * An idle keep-alive connection is closed after this time: fastify's default, longer than
   * clients' own idle timeouts (Node's agent: 5 s), so that the client closes first and never
   * reuses a socket the server is closing (a 'socket hang up' in the crash-recovery e2e test).
   */
  readonly keepAliveTimeoutMs: number;
  /** A socket with no traffic either way for this long is destroyed (WebSockets excepted: ws clears it). */
  readonly socketIdleTimeoutMs: number;
  /** Open connections the server holds at once; more are dropped at accept. */
  readonly maxConnections: number;
  /** Open connections from one remote address (a reverse proxy counts as one address). */
  readonly maxConnectionsPerAddress: number;
  /** The largest request body read (Graph JSON); larger ones are answered 413. */
  readonly bodyLimitBytes: number;
  /** On shutdown, connections still busy after this time are cut so the process can exit. */
  readonly closeGraceMs: number;
}

export const HTTP_DEFAULTS: HttpLimits = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  timeoutCheckIntervalMs: 1_000,
  keepAliveTimeoutMs: 72_000,
  socketIdleTimeoutMs: 120_000,
  maxConnections: 1024,
  maxConnectionsPerAddress: 256,
  bodyLimitBytes: 1024 * 1024,
  closeGraceMs: 5_000,
});

/**
 * Admission of authenticated Graph requests (api/throttle.ts). An application (every token
 * issued to one client id of one tenant) runs at most `appConcurrency` requests at once and
 * queues up to `appQueue` more; a tenant, all its applications together, `tenantConcurrency`
 * and `tenantQueue`. Beyond a queue the answer is Graph's 429 with Retry-After. Queued
 * requests of one tenant never delay another tenant's: each tenant has its own slots.
 */
export interface ThrottleLimits {
  readonly appConcurrency: number;
  readonly appQueue: number;
  readonly tenantConcurrency: number;
  readonly tenantQueue: number;
}

export const THROTTLE_DEFAULTS: ThrottleLimits = Object.freeze({
  appConcurrency: 4,
  appQueue: 32,
  tenantConcurrency: 8,
  tenantQueue: 128,
});
