/**
 * A real relay on a loopback port with a real SQLite registry in a temp folder, and
 * in-process agents connected over real sockets. Admin credentials for tests: the bearer
 * token "admin-<tenant>" authenticates as that tenant.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { AgentConnection, type RequestHandler } from '../../src/agent/connection.ts';
import { generateAgentKey, type AgentIdentity } from '../../src/agent/keys.ts';
import { openDatabase } from '../../src/directory/sqlite/open-database.ts';
import { registerRelay, type Relay, type RelayOptions } from '../../src/relay/relay.ts';
import { SqliteAgentRegistry } from '../../src/relay/sqlite-registry.ts';
import type { KeyObject } from 'node:crypto';

export interface Harness {
  readonly app: FastifyInstance;
  readonly relay: Relay;
  readonly registry: SqliteAgentRegistry;
  readonly url: string;
  readonly dir: string;
  enroll(tenantId: string, domains: string[], name?: string): Promise<EnrolledAgent>;
  connect(agent: EnrolledAgent, handler: RequestHandler, options?: Partial<ConstructorParameters<typeof AgentConnection>[0]>): Promise<AgentConnection>;
  close(): Promise<void>;
}

export interface EnrolledAgent {
  readonly identity: AgentIdentity;
  readonly privateKey: KeyObject;
}

export async function startHarness(options: Partial<Omit<RelayOptions, 'registry'>> = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'canopy-relay-'));
  const db = openDatabase(join(dir, 'canopy.db'));
  const registry = new SqliteAgentRegistry(db);
  const app = Fastify();
  const relay = await registerRelay(app, {
    registry,
    authenticateAdmin: async (request) => {
      const match = /^Bearer admin-(\w+)$/.exec(request.headers.authorization ?? '');
      return match ? { tenantId: match[1]! } : undefined;
    },
    heartbeatIntervalMs: 200,
    downAfterMs: 1000,
    revocationCheckMs: 200,
    noAgentWaitMs: 200,
    requestTimeoutMs: 5000,
    ...options,
  });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const connections: AgentConnection[] = [];
  return {
    app,
    relay,
    registry,
    url: address,
    dir,
    async enroll(tenantId, domains, name = 'test-agent') {
      const { token } = await relay.createToken(tenantId);
      const { privateKey, publicKeyJwk } = await generateAgentKey();
      const record = await relay.enroll(token, { name, publicKeyJwk, domains });
      const identity: AgentIdentity = {
        agentId: record.id,
        tenantId: record.tenantId,
        audience: await relay.audience(),
        serviceUrl: address,
        domains: record.domains,
        registeredAt: record.registeredAt.toISOString(),
      };
      return { identity, privateKey };
    },
    async connect(agent, handler, connectionOptions = {}) {
      const connection = new AgentConnection({
        serviceUrl: address,
        identity: agent.identity,
        privateKey: agent.privateKey,
        version: 'test',
        handler,
        reconnectInitialMs: 50,
        reconnectMaxMs: 200,
        ...connectionOptions,
      });
      connection.on('error', () => undefined);
      connections.push(connection);
      const connected = new Promise((resolve) => connection.once('connected', resolve));
      connection.start();
      await connected;
      return connection;
    },
    async close() {
      await Promise.all(connections.map((connection) => connection.stop()));
      await app.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A handler serving `total` numbered objects as SCIM ListResponse pages by startIndex/count. */
export function pagedHandler(total: number, options: { delayMs?: number; onRequest?: (start: number) => void } = {}): RequestHandler {
  return async (request) => {
    const start = Number(request.query?.startIndex ?? '1');
    const count = Number(request.query?.count ?? '100');
    options.onRequest?.(start);
    if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
    const resources = [];
    for (let index = start; index < Math.min(start + count, total + 1); index += 1) resources.push({ id: `obj-${index}`, domain: request.domain });
    return {
      status: 200,
      body: {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
        totalResults: total,
        startIndex: start,
        itemsPerPage: resources.length,
        Resources: resources,
      },
    };
  };
}

export function waitFor<T>(emitter: NodeJS.EventEmitter, event: string, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    emitter.once(event, (value: T) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}
