/**
 * One authenticated agent connection on the relay side: its pending requests by
 * correlation id, their timeouts, and what happens to them when the connection is lost.
 */
import { randomUUID } from 'node:crypto';
import type WebSocket from 'ws';
import { CanopyError, type CanopyErrorCode } from '../core/errors.ts';
import { encodeFrame, errorFrameOf, type AgentFrame, type RelayFrame, type RelayRequest, type RelayResponse } from './frames.ts';
import { sendWhenWritable } from './send-queue.ts';

export type SessionState = 'up' | 'closed';

interface Pending {
  resolve(response: RelayResponse): void;
  reject(error: CanopyError): void;
  timer: NodeJS.Timeout;
}

export interface SessionLimits {
  readonly maxFrameBytes: number;
  readonly highWaterMarkBytes: number;
}

export class AgentSession {
  readonly agentId: string;
  readonly tenantId: string;
  readonly domains: ReadonlySet<string>;
  readonly version: string;
  readonly connectedSince: Date;
  lastHeartbeat: Date;
  state: SessionState = 'up';
  readonly #ws: WebSocket;
  readonly #limits: SessionLimits;
  readonly #pending = new Map<string, Pending>();

  constructor(ws: WebSocket, agent: { id: string; tenantId: string; domains: readonly string[]; version: string }, now: Date, limits: SessionLimits) {
    this.#ws = ws;
    this.#limits = limits;
    this.agentId = agent.id;
    this.tenantId = agent.tenantId;
    this.domains = new Set(agent.domains);
    this.version = agent.version;
    this.connectedSince = now;
    this.lastHeartbeat = now;
  }

  get inFlight(): number {
    return this.#pending.size;
  }

  get socket(): WebSocket {
    return this.#ws;
  }

  serves(tenantId: string, domain: string): boolean {
    return this.state === 'up' && this.tenantId === tenantId && this.domains.has(domain);
  }

  /** Sends one request and waits for its response, its error frame, the timeout or the loss of the agent. */
  call(request: RelayRequest, timeoutMs: number): Promise<RelayResponse> {
    const id = randomUUID();
    const result = new Promise<RelayResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        void this.send({ type: 'cancel', id }).catch(() => undefined);
        reject(new CanopyError('ERR_RELAY_TIMEOUT', `agent ${this.agentId} did not answer ${request.method} ${request.path} for ${request.domain} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
    });
    this.send({ type: 'request', id, timeoutMs, request }).catch((error: unknown) => {
      const code: CanopyErrorCode = error instanceof CanopyError ? error.code : 'ERR_RELAY_AGENT_LOST';
      this.#settle(id, undefined, new CanopyError(code, `could not send the request to agent ${this.agentId}: ${(error as Error).message}`, { cause: error }));
    });
    return result;
  }

  async send(frame: RelayFrame): Promise<void> {
    await sendWhenWritable(this.#ws, encodeFrame(frame, this.#limits.maxFrameBytes), this.#limits.highWaterMarkBytes);
  }

  /** Handles a frame from the authenticated agent. Frames for unknown ids (timed out) are dropped. */
  receive(frame: AgentFrame): void {
    if (frame.type === 'response') this.#settle(frame.id, frame.response);
    else if (frame.type === 'error' && frame.id !== undefined) {
      this.#settle(frame.id, undefined, new CanopyError(knownCode(frame.code), `agent ${this.agentId}: ${frame.message}`));
    }
  }

  /** Fails one pending request (e.g. its response frame was too large). */
  fail(id: string, error: CanopyError): void {
    this.#settle(id, undefined, error);
  }

  /**
   * Ends the session: every pending request fails with ERR_RELAY_AGENT_LOST, so the router
   * retries it elsewhere. `terminate` drops the socket at once (a silent peer would never
   * complete the close handshake); otherwise an error frame and a close frame are sent.
   */
  close(code: number, reason: string, options: { errorCode?: CanopyErrorCode; terminate?: boolean } = {}): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    for (const id of [...this.#pending.keys()]) {
      this.#settle(id, undefined, new CanopyError('ERR_RELAY_AGENT_LOST', `agent ${this.agentId} was lost mid-request: ${reason}`));
    }
    if (options.terminate || this.#ws.readyState !== this.#ws.OPEN) {
      this.#ws.terminate();
      return;
    }
    if (options.errorCode) void this.send(errorFrameOf(options.errorCode, reason)).catch(() => undefined);
    this.#ws.close(code, reason.slice(0, 120));
    setTimeout(() => this.#ws.terminate(), 1000).unref();
  }

  #settle(id: string, response?: RelayResponse, error?: CanopyError): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    if (error) pending.reject(error);
    else pending.resolve(response!);
  }
}

const AGENT_ERROR_CODES = new Set<string>(['ERR_RELAY_FRAME_TOO_LARGE', 'ERR_RELAY_FRAME_MALFORMED', 'ERR_RELAY_TIMEOUT', 'ERR_RELAY_AGENT_LOST']);

/** An agent's error frame carries a code string; keep it only when it is one of ours. */
function knownCode(code: string): CanopyErrorCode {
  return AGENT_ERROR_CODES.has(code) ? (code as CanopyErrorCode) : 'ERR_RELAY_FRAME_MALFORMED';
}
