/**
 * The relay, composed: the registry, the router, the WebSocket endpoint, the heartbeat and
 * the HTTP routes, registered on the service's fastify app. The engine calls `request`
 * (or `pages`) with a tenant and a SCIM request for one of its AD domains.
 */
import { EventEmitter } from 'node:events';
import type { FastifyInstance } from 'fastify';
import type { JWK } from 'jose';
import { CLOSE_CODES, RELAY_DEFAULTS } from './defaults.ts';
import type { RelayRequest, RelayResponse } from './frames.ts';
import { startHeartbeat } from './heartbeat.ts';
import { relayPages, nextScimPage, type NextPage } from './pages.ts';
import type { AgentRecord, AgentRegistry } from './registry.ts';
import { relayRoutes, type AdminAuthenticator } from './routes.ts';
import { Router } from './router.ts';
import { attachRelaySocket } from './server.ts';
import { agentStatus, type AgentStatus } from './status.ts';
import { createRegistrationToken, enrollAgent, type CreatedToken } from './tokens.ts';

export type RelaySettings = Record<keyof typeof RELAY_DEFAULTS, number>;

export interface RelayOptions extends Partial<RelaySettings> {
  readonly registry: AgentRegistry;
  readonly authenticateAdmin: AdminAuthenticator;
  /** Injected clock (tests: expired tokens and assertions). */
  readonly now?: () => Date;
}

export interface RequestOptions {
  readonly timeoutMs?: number;
}

export interface Relay {
  /**
   * Sends one read to a healthy agent of (tenant, domain) and returns its response; retried
   * on another agent when the first is lost. Events: agent.connected, agent.disconnected,
   * agent.down, agent.revoked, agent.changed {agentId, tenantId, domain, reason} (the agent
   * saw AD change: wake the domain's jobs), connection.refused, connection.error,
   * frame.rejected, request.retried.
   */
  request(tenantId: string, request: RelayRequest, options?: RequestOptions): Promise<RelayResponse>;
  /** A paged read, one page per relay request, each resumable on another agent. */
  pages(tenantId: string, first: RelayRequest, next?: NextPage, options?: RequestOptions): AsyncGenerator<RelayResponse>;
  createToken(tenantId: string): Promise<CreatedToken>;
  enroll(token: string, enrollment: { name: string; publicKeyJwk: JWK; domains: readonly string[] }): Promise<AgentRecord>;
  revoke(agentId: string, tenantId?: string): Promise<boolean>;
  agentStatus(tenantId: string): Promise<AgentStatus[]>;
  audience(): Promise<string>;
  readonly events: EventEmitter;
  close(): void;
}

export async function registerRelay(app: FastifyInstance, options: RelayOptions): Promise<Relay> {
  const settings: RelaySettings = { ...RELAY_DEFAULTS };
  for (const key of Object.keys(RELAY_DEFAULTS) as (keyof RelaySettings)[]) {
    const value = options[key];
    if (value !== undefined) settings[key] = value;
  }
  const now = options.now ?? (() => new Date());
  const registry = options.registry;
  const router = new Router();
  const events = new EventEmitter();
  const audience = await registry.serviceId();
  const lastEnd = new Map<string, 'down' | 'disconnected'>();
  events.on('agent.connected', ({ agentId }: { agentId: string }) => lastEnd.delete(agentId));
  events.on('agent.disconnected', ({ agentId }: { agentId: string }) => {
    if (!router.session(agentId) && !lastEnd.has(agentId)) lastEnd.set(agentId, 'disconnected');
  });

  const closeSockets = attachRelaySocket(app.server, { ...settings, registry, router, events, audience, now });
  const stopHeartbeat = startHeartbeat(router, registry, {
    ...settings,
    now,
    onDown(session, silentMs) {
      lastEnd.set(session.agentId, 'down');
      router.remove(session);
      session.close(CLOSE_CODES.heartbeatTimeout, `no heartbeat for ${silentMs} ms`, { terminate: true });
      events.emit('agent.down', { agentId: session.agentId, silentMs });
    },
    onRevoked(session) {
      router.remove(session);
      session.close(CLOSE_CODES.revoked, `agent ${session.agentId} was revoked`, { errorCode: 'ERR_RELAY_AGENT_REVOKED' });
      events.emit('agent.revoked', { agentId: session.agentId });
    },
  });

  const route = {
    timeoutMs: settings.requestTimeoutMs,
    noAgentWaitMs: settings.noAgentWaitMs,
    maxAttempts: settings.maxAttempts,
    onRetry: (agentId: string, error: Error) => events.emit('request.retried', { agentId, message: error.message }),
  };
  const relay: Relay = {
    events,
    request: (tenantId, request, requestOptions) => router.request(tenantId, request, { ...route, ...requestOptions }),
    pages: (tenantId, first, next = nextScimPage, requestOptions) =>
      relayPages((request) => relay.request(tenantId, request, requestOptions), first, next),
    createToken: (tenantId) => createRegistrationToken(registry, tenantId, now(), settings.tokenTtlMs),
    enroll: (token, enrollment) => enrollAgent(registry, token, enrollment, now()),
    async revoke(agentId, tenantId) {
      if (!(await registry.revokeAgent(agentId, now(), tenantId))) return false;
      const session = router.session(agentId);
      if (session) {
        router.remove(session);
        session.close(CLOSE_CODES.revoked, `agent ${agentId} was revoked`, { errorCode: 'ERR_RELAY_AGENT_REVOKED' });
        events.emit('agent.revoked', { agentId });
      }
      return true;
    },
    async agentStatus(tenantId) {
      const records = await registry.listAgents(tenantId);
      return records.map((record) => agentStatus(record, router.session(record.id), lastEnd.get(record.id)));
    },
    audience: async () => audience,
    close() {
      stopHeartbeat();
      closeSockets();
    },
  };
  await app.register(relayRoutes(relay, options.authenticateAdmin));
  // preClose, not onClose: the HTTP server's close waits for every socket, upgraded ones included.
  app.addHook('preClose', async () => relay.close());
  return relay;
}
