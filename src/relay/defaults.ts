/**
 * Every default of the relay and the agent's connection, in one place. Options passed to
 * `createRelay` / `AgentConnection` override them; tests shorten the timers.
 */
export const RELAY_DEFAULTS = Object.freeze({
  /** A registration token is valid one hour and usable once (issue 3). */
  tokenTtlMs: 60 * 60 * 1000,
  /** The longest assertion lifetime (exp - iat) the relay accepts: two minutes. */
  maxAssertionLifetimeSec: 120,
  /** Clock skew tolerated between agent and service when checking iat/exp. */
  clockToleranceSec: 30,
  /**
   * The largest first frame (hello) read from a connection that has not authenticated, and
   * the most bytes it may send before it has: an assertion is well under 1 KiB.
   */
  maxHelloFrameBytes: 8 * 1024,
  /** Connections not yet authenticated, for the whole service and from one address. */
  maxPendingConnections: 256,
  maxPendingConnectionsPerAddress: 16,
  /** A new connection must authenticate (hello frame) within this time or is closed. */
  authTimeoutMs: 10_000,
  /** Both sides ping this often (RFC 6455 §5.5.2 ping / §5.5.3 pong). */
  heartbeatIntervalMs: 10_000,
  /** An agent silent this long is marked down and its connection dropped (issue 3: 30 s). */
  downAfterMs: 30_000,
  /** How often live connections are checked against the registry for revocation. */
  revocationCheckMs: 2_000,
  /** Per-request timeout. Entra's service-to-agent timeout is 10 minutes. */
  requestTimeoutMs: 10 * 60 * 1000,
  /** How long a request waits for a healthy agent of its domain to (re)connect. */
  noAgentWaitMs: 5_000,
  /** Attempts per request when agents are lost mid-request (reads only: idempotent). */
  maxAttempts: 3,
  /**
   * The largest frame either side accepts. A page of SCIM resources must fit: a group
   * at Entra's 50K-member limit is about 4 MB of member references.
   */
  maxFrameBytes: 16 * 1024 * 1024,
  /** Above this many unsent bytes on a socket, a sender waits before the next frame. */
  highWaterMarkBytes: 1024 * 1024,
  /** Requests an agent works on at once; further frames wait with the socket paused. */
  agentConcurrency: 4,
  /** Agent reconnect back-off: full jitter over an exponential ceiling. */
  reconnectInitialMs: 500,
  reconnectMaxMs: 30_000,
});

export const RELAY_PATHS = Object.freeze({
  connect: '/relay/v1/connect',
  register: '/relay/v1/agents/register',
  agents: '/relay/v1/agents',
  tokens: '/relay/v1/tokens',
});

/** WebSocket close codes the relay uses (4000-4999 are private use, RFC 6455 §7.4.2). */
export const CLOSE_CODES = Object.freeze({
  normal: 1000,
  goingAway: 1001,
  tooBig: 1009,
  malformed: 4400,
  unauthenticated: 4401,
  revoked: 4403,
  heartbeatTimeout: 4408,
  replaced: 4409,
});
