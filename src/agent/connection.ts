/**
 * The agent's one outbound connection. It opens a WebSocket to the relay, proves itself
 * with a fresh assertion in a hello frame, answers request frames through its handler,
 * pings the relay, and reconnects with exponential back-off and full jitter when the
 * connection drops. It stops for good only when stopped or revoked.
 *
 * Events: connected (welcome), disconnected {code, reason}, revoked {message},
 * refused {code, message} (an error frame from the relay), error (socket errors).
 */
import { EventEmitter } from 'node:events';
import type { KeyObject } from 'node:crypto';
import WebSocket, { type RawData } from 'ws';
import { CanopyError, isCanopyError } from '../core/errors.ts';
import { scimErrorBody } from '../scim/scim-error.ts';
import { signAssertion } from '../relay/assertion.ts';
import { CLOSE_CODES, RELAY_DEFAULTS, RELAY_PATHS } from '../relay/defaults.ts';
import { encodeFrame, errorFrameOf, parseFrame, relayFrameSchema, type AgentFrame, type ChangeReason, type RelayFrame, type RelayRequest, type RelayResponse } from '../relay/frames.ts';
import { sendWhenWritable } from '../relay/send-queue.ts';
import type { AgentIdentity } from './keys.ts';

export type RequestHandler = (request: RelayRequest, signal: AbortSignal) => Promise<RelayResponse>;

type RequestFrame = Extract<RelayFrame, { type: 'request' }>;

export interface AgentConnectionOptions {
  readonly serviceUrl: string;
  readonly ca?: string | Buffer;
  readonly identity: AgentIdentity;
  readonly privateKey: KeyObject;
  readonly version: string;
  readonly handler: RequestHandler;
  readonly concurrency?: number;
  readonly highWaterMarkBytes?: number;
  readonly reconnectInitialMs?: number;
  readonly reconnectMaxMs?: number;
}

/** The WebSocket URL of the relay for a service URL: https → wss, http → ws. */
export function connectUrl(serviceUrl: string): string {
  const url = new URL(RELAY_PATHS.connect, serviceUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

/** Full jitter (a random delay up to an exponential ceiling), so agents that lost the service together do not return together. */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number): number {
  return Math.floor(Math.random() * Math.min(maxMs, initialMs * 2 ** attempt));
}

export class AgentConnection extends EventEmitter {
  readonly #options: AgentConnectionOptions;
  #ws: WebSocket | undefined;
  #stopped = false;
  #attempt = 0;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #heartbeatTimer: NodeJS.Timeout | undefined;
  #lastHeard = Date.now();
  #maxFrameBytes: number = RELAY_DEFAULTS.maxFrameBytes;
  #active = 0;
  #revokedMessage: string | undefined;
  readonly #queue: RequestFrame[] = [];
  readonly #running = new Map<string, AbortController>();

  constructor(options: AgentConnectionOptions) {
    super();
    this.#options = options;
  }

  get connected(): boolean {
    return this.#heartbeatTimer !== undefined;
  }

  /**
   * Tells the service that AD changed in `domain` (a `changed` frame), so that it starts a
   * delta cycle without waiting for the schedule. Dropped while not connected: the service
   * wakes the domain's jobs itself when an agent connects. Returns whether it was sent.
   */
  signalChange(domain: string, reason: ChangeReason): boolean {
    const ws = this.#ws;
    if (!ws || !this.connected || ws.readyState !== WebSocket.OPEN) return false;
    this.#send(ws, { type: 'changed', domain, reason }).catch((error: unknown) => this.emit('error', error));
    return true;
  }

  start(): void {
    this.#stopped = false;
    this.#open();
  }

  /** Closes the connection and stops reconnecting. Resolves once the socket is closed. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#reconnectTimer);
    const ws = this.#ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      ws.close(CLOSE_CODES.normal, 'agent stopping');
      setTimeout(() => ws.terminate(), 2000).unref();
    });
  }

  #open(): void {
    const ws = new WebSocket(connectUrl(this.#options.serviceUrl), {
      ca: this.#options.ca,
      maxPayload: RELAY_DEFAULTS.maxFrameBytes * 2,
      perMessageDeflate: false,
      handshakeTimeout: 10_000,
    });
    this.#ws = ws;
    ws.on('open', () => void this.#hello(ws));
    ws.on('message', (data: RawData, isBinary: boolean) => this.#onMessage(ws, data, isBinary));
    ws.on('ping', () => (this.#lastHeard = Date.now()));
    ws.on('pong', () => (this.#lastHeard = Date.now()));
    ws.on('error', (error) => this.emit('error', error));
    ws.on('close', (code: number, reason: Buffer) => this.#onClose(ws, code, reason.toString()));
  }

  async #hello(ws: WebSocket): Promise<void> {
    try {
      const { identity, privateKey, version } = this.#options;
      const assertion = await signAssertion({ agentId: identity.agentId, audience: identity.audience, privateKey });
      await this.#send(ws, { type: 'hello', assertion, version });
    } catch (error) {
      this.emit('error', error);
      ws.terminate();
    }
  }

  #onMessage(ws: WebSocket, data: RawData, isBinary: boolean): void {
    this.#lastHeard = Date.now();
    let frame: RelayFrame;
    try {
      frame = parseFrame(relayFrameSchema, data, isBinary);
    } catch (error) {
      const coded = error as CanopyError;
      void this.#send(ws, errorFrameOf(coded.code, coded.message)).catch(() => undefined);
      return;
    }
    switch (frame.type) {
      case 'welcome':
        this.#attempt = 0;
        this.#maxFrameBytes = frame.maxFrameBytes;
        this.#startHeartbeat(ws, frame.heartbeatIntervalMs, frame.downAfterMs);
        this.emit('connected', frame);
        break;
      case 'request':
        this.#queue.push(frame);
        this.#pump(ws);
        break;
      case 'cancel':
        this.#running.get(frame.id)?.abort(new CanopyError('ERR_RELAY_TIMEOUT', 'the relay cancelled the request'));
        break;
      case 'error':
        // A revocation is acted on when the relay closes with 4403; keep its message for then.
        if (frame.code === 'ERR_RELAY_AGENT_REVOKED') this.#revokedMessage = frame.message;
        this.emit('refused', { code: frame.code, message: frame.message });
        break;
    }
  }

  /**
   * Runs queued requests up to the concurrency limit. While requests wait, the socket is
   * paused: the relay's further frames stay in TCP buffers, so its sender feels the
   * backpressure instead of this process growing a queue.
   */
  #pump(ws: WebSocket): void {
    const limit = this.#options.concurrency ?? RELAY_DEFAULTS.agentConcurrency;
    while (this.#active < limit && this.#queue.length > 0) void this.#run(ws, this.#queue.shift()!);
    if (this.#queue.length > 0 && !ws.isPaused) ws.pause();
    else if (this.#queue.length === 0 && ws.isPaused) ws.resume();
  }

  async #run(ws: WebSocket, frame: RequestFrame): Promise<void> {
    this.#active += 1;
    const controller = new AbortController();
    this.#running.set(frame.id, controller);
    const timer = setTimeout(() => controller.abort(new CanopyError('ERR_RELAY_TIMEOUT', 'request timed out on the agent')), frame.timeoutMs);
    try {
      let response: RelayResponse;
      try {
        response = await this.#options.handler(frame.request, controller.signal);
      } catch (error) {
        response = { status: 500, body: scimErrorBody(500, undefined, `the agent failed to answer: ${(error as Error).message}`) };
      }
      if (controller.signal.aborted) return; // the relay gave up on it; an answer would be dropped anyway
      await this.#answer(ws, frame.id, response);
    } catch (error) {
      this.emit('error', error);
    } finally {
      clearTimeout(timer);
      this.#running.delete(frame.id);
      this.#active -= 1;
      if (ws === this.#ws) this.#pump(ws);
    }
  }

  async #answer(ws: WebSocket, id: string, response: RelayResponse): Promise<void> {
    let text: string;
    try {
      text = encodeFrame({ type: 'response', id, response }, this.#maxFrameBytes);
    } catch (error) {
      if (!isCanopyError(error, 'ERR_RELAY_FRAME_TOO_LARGE')) throw error;
      text = encodeFrame(errorFrameOf(error.code, `${error.message}; ask for a smaller page (count)`, id), this.#maxFrameBytes);
    }
    await sendWhenWritable(ws, text, this.#options.highWaterMarkBytes ?? RELAY_DEFAULTS.highWaterMarkBytes);
  }

  #send(ws: WebSocket, frame: AgentFrame): Promise<void> {
    return sendWhenWritable(ws, encodeFrame(frame, this.#maxFrameBytes), this.#options.highWaterMarkBytes ?? RELAY_DEFAULTS.highWaterMarkBytes);
  }

  /** Pings the relay; a relay silent for downAfterMs is gone (half-open TCP) and the socket is dropped to reconnect. */
  #startHeartbeat(ws: WebSocket, intervalMs: number, downAfterMs: number): void {
    this.#lastHeard = Date.now();
    clearInterval(this.#heartbeatTimer);
    this.#heartbeatTimer = setInterval(() => {
      // A paused socket is one busy with the relay's requests, not a silent relay.
      if (ws.isPaused) this.#lastHeard = Date.now();
      if (Date.now() - this.#lastHeard > downAfterMs) {
        this.emit('error', new CanopyError('ERR_RELAY_AGENT_LOST', `no heartbeat from the relay for ${downAfterMs} ms; reconnecting`));
        ws.terminate();
        return;
      }
      ws.ping();
    }, Math.min(intervalMs, Math.max(50, downAfterMs / 3)));
  }

  #onClose(ws: WebSocket, code: number, reason: string): void {
    if (ws !== this.#ws) return;
    clearInterval(this.#heartbeatTimer);
    this.#heartbeatTimer = undefined;
    for (const controller of this.#running.values()) controller.abort(new CanopyError('ERR_RELAY_AGENT_LOST', 'connection closed'));
    this.#queue.length = 0;
    this.emit('disconnected', { code, reason });
    if (code === CLOSE_CODES.revoked) {
      this.#stopped = true;
      this.emit('revoked', { message: this.#revokedMessage ?? (reason || 'the agent was revoked') });
    }
    if (this.#stopped) return;
    const delay = backoffDelay(this.#attempt, this.#options.reconnectInitialMs ?? RELAY_DEFAULTS.reconnectInitialMs, this.#options.reconnectMaxMs ?? RELAY_DEFAULTS.reconnectMaxMs);
    this.#attempt += 1;
    this.#reconnectTimer = setTimeout(() => this.#open(), delay);
  }
}
