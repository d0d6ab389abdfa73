/**
 * The relay's WebSocket endpoint. An agent opens the connection and authenticates with a
 * `hello` frame carrying its assertion; until then any other frame is refused and the
 * connection closed. After `welcome`, it receives request frames and answers them.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { EventEmitter } from 'node:events';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { CanopyError, isCanopyError } from '../core/errors.ts';
import { verifyAssertion } from './assertion.ts';
import { CLOSE_CODES, RELAY_PATHS } from './defaults.ts';
import { agentFrameSchema, encodeFrame, errorFrameOf, messageBytes, parseFrame, type ChangedFrame } from './frames.ts';
import type { AgentRegistry } from './registry.ts';
import type { Router } from './router.ts';
import { AgentSession } from './session.ts';
import { PendingConnections, refusalResponse } from './pending.ts';

export interface SocketOptions {
  readonly registry: AgentRegistry;
  readonly router: Router;
  readonly events: EventEmitter;
  readonly audience: string;
  readonly now: () => Date;
  readonly maxFrameBytes: number;
  readonly maxHelloFrameBytes: number;
  readonly maxPendingConnections: number;
  readonly maxPendingConnectionsPerAddress: number;
  readonly highWaterMarkBytes: number;
  readonly authTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly downAfterMs: number;
  readonly clockToleranceSec: number;
  readonly maxAssertionLifetimeSec: number;
}

/** Attaches the endpoint to an HTTP(S) server's upgrade event. Returns a function closing every connection. */
export function attachRelaySocket(server: Server, options: SocketOptions): () => void {
  // Frames up to maxFrameBytes are read and, when too large for the protocol, answered with
  // an error frame; twice that is the hard cap where ws itself closes with 1009 (RFC 6455 §7.4.1).
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes * 2, perMessageDeflate: false });
  const pending = new PendingConnections(options);
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = new URL(request.url ?? '/', 'http://relay').pathname;
    if (path !== RELAY_PATHS.connect) {
      if (server.listenerCount('upgrade') === 1) socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    const admission = pending.admit(request.socket.remoteAddress ?? 'unknown');
    if (!admission.admitted) {
      options.events.emit('connection.refused', { code: 'ERR_RELAY_TOO_MANY_PENDING', message: admission.reason });
      socket.end(refusalResponse(admission.status));
      return;
    }
    socket.once('close', admission.release);
    wss.handleUpgrade(request, socket, head, (ws) => {
      const limit = pending.limitBytes(socket, (bytes) => {
        const message = `${bytes} bytes sent before hello; at most ${options.maxHelloFrameBytes} are read before authentication`;
        options.events.emit('connection.refused', { code: 'ERR_RELAY_FRAME_TOO_LARGE', message });
        // Read nothing more (TCP pushes back on the sender), say why, and drop the socket soon.
        socket.pause();
        ws.send(encodeFrame(errorFrameOf('ERR_RELAY_FRAME_TOO_LARGE', message), options.maxFrameBytes));
        ws.close(CLOSE_CODES.tooBig, 'ERR_RELAY_FRAME_TOO_LARGE');
        setTimeout(() => socket.destroy(), 1000).unref();
      });
      acceptConnection(ws, options, () => {
        limit.stop();
        admission.release();
      });
    });
  };
  server.on('upgrade', onUpgrade);
  return () => {
    server.off('upgrade', onUpgrade);
    for (const ws of wss.clients) {
      ws.close(CLOSE_CODES.goingAway, 'service shutting down');
      setTimeout(() => ws.terminate(), 1000).unref();
    }
    wss.close();
  };
}

/** `authenticated` is called once the connection has said hello and been welcomed. */
function acceptConnection(ws: WebSocket, options: SocketOptions, authenticated: () => void): void {
  let session: AgentSession | undefined;
  let authenticating = false;
  const refuse = (error: CanopyError, closeCode: number): void => {
    options.events.emit('connection.refused', { code: error.code, message: error.message });
    if (ws.readyState !== ws.OPEN) return;
    ws.send(encodeFrame(errorFrameOf(error.code, refusalMessage(error)), options.maxFrameBytes));
    ws.close(closeCode, error.code);
  };
  const authTimer = setTimeout(() => {
    refuse(new CanopyError('ERR_RELAY_ASSERTION_INVALID', `no hello frame within ${options.authTimeoutMs} ms`), CLOSE_CODES.unauthenticated);
  }, options.authTimeoutMs);

  ws.on('message', (data: RawData, isBinary: boolean) => {
    if (session) {
      session.lastHeartbeat = options.now();
      handleSessionMessage(session, data, isBinary, options);
      return;
    }
    if (authenticating) return; // a peer that does not wait for welcome gets nothing more
    authenticating = true;
    void authenticate(ws, data, isBinary, options)
      .then((created) => {
        clearTimeout(authTimer);
        authenticated();
        session = created;
      })
      .catch((error: unknown) => {
        clearTimeout(authTimer);
        const coded = isCanopyError(error) ? error : new CanopyError('ERR_RELAY_ASSERTION_INVALID', (error as Error).message, { cause: error });
        refuse(coded, coded.code === 'ERR_RELAY_AGENT_REVOKED' ? CLOSE_CODES.revoked : CLOSE_CODES.unauthenticated);
      });
  });
  // The agent's own pings count too: an agent busy with requests pauses reading its socket
  // (backpressure), so it answers our pings late, but its pings still arrive.
  const alive = (): void => {
    if (session) session.lastHeartbeat = options.now();
  };
  ws.on('pong', alive);
  ws.on('ping', alive);
  ws.on('error', (error) => options.events.emit('connection.error', { agentId: session?.agentId, message: error.message }));
  ws.on('close', (code: number, reason: Buffer) => {
    clearTimeout(authTimer);
    if (!session) return;
    session.close(code, reason.toString() || 'connection closed');
    options.router.remove(session);
    options.events.emit('agent.disconnected', { agentId: session.agentId, code, reason: reason.toString() });
  });
}

/**
 * What an unauthenticated peer is told. One message for every failed assertion, so that the
 * refusal does not say whether an agent id is enrolled or which check failed; the reason goes
 * to the service's log (the connection.refused event). A revocation is told only after the
 * assertion's signature verified (relay/assertion.ts), so only to the agent's key holder.
 */
function refusalMessage(error: CanopyError): string {
  if (error.code !== 'ERR_RELAY_ASSERTION_INVALID') return error.message;
  return 'authentication failed: authenticate first with a hello frame carrying a fresh assertion signed by an enrolled agent (the service log says why)';
}

async function authenticate(ws: WebSocket, data: RawData, isBinary: boolean, options: SocketOptions): Promise<AgentSession> {
  const bytes = messageBytes(data);
  if (bytes > options.maxHelloFrameBytes) {
    throw new CanopyError('ERR_RELAY_FRAME_TOO_LARGE', `the first frame (${bytes} bytes) is larger than a hello frame may be (${options.maxHelloFrameBytes} bytes)`);
  }
  let frame;
  try {
    frame = parseFrame(agentFrameSchema, data, isBinary);
  } catch (error) {
    throw new CanopyError('ERR_RELAY_ASSERTION_INVALID', `authenticate first with a hello frame: ${(error as Error).message}`, { cause: error });
  }
  if (frame.type !== 'hello') {
    throw new CanopyError('ERR_RELAY_ASSERTION_INVALID', `authenticate first: the first frame must be a hello frame, not ${frame.type}`);
  }
  const agent = await verifyAssertion(options.registry, frame.assertion, {
    audience: options.audience,
    now: options.now(),
    clockToleranceSec: options.clockToleranceSec,
    maxLifetimeSec: options.maxAssertionLifetimeSec,
  });
  if (ws.readyState !== ws.OPEN) throw new CanopyError('ERR_RELAY_AGENT_LOST', 'the connection closed during authentication');
  const now = options.now();
  const session = new AgentSession(ws, { ...agent, version: frame.version }, now, options);
  const previous = options.router.add(session);
  previous?.close(CLOSE_CODES.replaced, 'replaced by a newer connection of the same agent', { errorCode: 'ERR_RELAY_AGENT_LOST' });
  await session.send({
    type: 'welcome',
    agentId: agent.id,
    tenantId: agent.tenantId,
    domains: [...agent.domains],
    heartbeatIntervalMs: options.heartbeatIntervalMs,
    downAfterMs: options.downAfterMs,
    maxFrameBytes: options.maxFrameBytes,
  });
  await options.registry.recordConnected(agent.id, frame.version, now);
  options.events.emit('agent.connected', { agentId: agent.id, tenantId: agent.tenantId, domains: agent.domains, version: frame.version });
  return session;
}

function handleSessionMessage(session: AgentSession, data: RawData, isBinary: boolean, options: SocketOptions): void {
  const reject = (error: CanopyError, id?: string): void => {
    options.events.emit('frame.rejected', { agentId: session.agentId, code: error.code, message: error.message });
    if (id !== undefined) session.fail(id, error);
    void session.send(errorFrameOf(error.code, error.message, id)).catch(() => undefined);
  };
  const bytes = messageBytes(data);
  if (bytes > options.maxFrameBytes) {
    const id = responseIdOf(data);
    reject(new CanopyError('ERR_RELAY_FRAME_TOO_LARGE', `a frame of ${bytes} bytes exceeds the relay frame limit of ${options.maxFrameBytes} bytes; ask for smaller pages`), id);
    return;
  }
  try {
    const frame = parseFrame(agentFrameSchema, data, isBinary);
    if (frame.type === 'hello') throw new CanopyError('ERR_RELAY_FRAME_MALFORMED', 'this connection is already authenticated; hello is only the first frame');
    if (frame.type === 'changed') {
      changed(session, frame, options);
      return;
    }
    session.receive(frame);
  } catch (error) {
    reject(isCanopyError(error) ? error : new CanopyError('ERR_RELAY_FRAME_MALFORMED', (error as Error).message, { cause: error }));
  }
}

/**
 * An agent's change signal becomes the relay's `agent.changed` event (the service wakes the
 * jobs of that domain). Only a domain the agent is enrolled for: a signal is a wake-up that
 * costs a cycle, and one agent must not wake another domain's jobs.
 */
function changed(session: AgentSession, frame: ChangedFrame, options: SocketOptions): void {
  const domain = frame.domain.toLowerCase();
  if (!session.domains.has(domain)) {
    throw new CanopyError('ERR_RELAY_FRAME_MALFORMED', `agent ${session.agentId} is not enrolled for domain ${frame.domain}; a changed frame names one of ${[...session.domains].join(', ')}`);
  }
  options.events.emit('agent.changed', { agentId: session.agentId, tenantId: session.tenantId, domain, reason: frame.reason });
}

/** The correlation id of an oversized response, so that its request fails at once instead of timing out. */
function responseIdOf(data: RawData): string | undefined {
  try {
    const value = JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8')) as { id?: unknown };
    return typeof value.id === 'string' ? value.id : undefined;
  } catch {
    return undefined;
  }
}
