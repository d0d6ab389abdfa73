import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { AgentConnection } from '../../src/agent/connection.ts';
import { registerRelay } from '../../src/relay/relay.ts';
import { httpJson } from '../../src/agent/http-json.ts';
import { signAssertion } from '../../src/relay/assertion.ts';
import { pagedHandler, startHarness, waitFor, type Harness } from './harness.ts';
import { rawClient } from './raw-client.ts';

describe('revocation and heartbeats', () => {
  let harness: Harness;
  before(async () => {
    harness = await startHarness({ heartbeatIntervalMs: 200, downAfterMs: 1000 });
  });
  after(() => harness.close());

  test('revoking an agent through the admin API disconnects it within seconds and it cannot come back', async () => {
    const agent = await harness.enroll('A', ['corp.example.com'], 'to-revoke');
    const connection = await harness.connect(agent, pagedHandler(10));
    const revoked = waitFor<{ message: string }>(connection, 'revoked', 3000);
    const started = Date.now();
    const answer = await httpJson(`${harness.url}/relay/v1/agents/${agent.identity.agentId}/revoke`, { method: 'POST', body: {}, headers: { authorization: 'Bearer admin-A' } });
    assert.equal(answer.status, 200);
    assert.equal((answer.body as { state: string }).state, 'revoked');
    assert.match((await revoked).message, /revoked/);
    assert.ok(Date.now() - started < 3000);

    // A fresh assertion of the revoked agent is refused with ERR_RELAY_AGENT_REVOKED.
    const client = await rawClient(harness.url);
    client.ws.send(JSON.stringify({ type: 'hello', version: 'x', assertion: await signAssertion({ agentId: agent.identity.agentId, audience: agent.identity.audience, privateKey: agent.privateKey }) }));
    assert.equal((await client.next()).code, 'ERR_RELAY_AGENT_REVOKED');
    assert.equal((await client.closed).code, 4403);
  });

  test('another tenant cannot revoke an agent', async () => {
    const agent = await harness.enroll('A', ['corp.example.com'], 'kept');
    const answer = await httpJson(`${harness.url}/relay/v1/agents/${agent.identity.agentId}/revoke`, { method: 'POST', body: {}, headers: { authorization: 'Bearer admin-B' } });
    assert.equal(answer.status, 404);
    assert.equal((await harness.registry.getAgent(agent.identity.agentId))!.revokedAt, undefined);
  });

  test('a revocation written by another node is noticed by the periodic check', async () => {
    const agent = await harness.enroll('A', ['corp.example.com'], 'other-node');
    const connection = await harness.connect(agent, pagedHandler(10));
    const revoked = waitFor(connection, 'revoked', 3000);
    await harness.registry.revokeAgent(agent.identity.agentId, new Date());
    await revoked;
  });

  test('an agent that stops answering pings is marked down after downAfterMs', async () => {
    const agent = await harness.enroll('A', ['silent.example.com'], 'silent');
    const client = await rawClient(harness.url, { autoPong: false });
    client.ws.send(JSON.stringify({ type: 'hello', version: 'x', assertion: await signAssertion({ agentId: agent.identity.agentId, audience: agent.identity.audience, privateKey: agent.privateKey }) }));
    assert.equal((await client.next()).type, 'welcome');
    const started = Date.now();
    const down = await waitFor<{ agentId: string }>(harness.relay.events, 'agent.down', 4000);
    assert.equal(down.agentId, agent.identity.agentId);
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 900 && elapsed < 2500, `down after ${elapsed} ms`);
    await client.closed;
    const status = (await harness.relay.agentStatus('A')).find((entry) => entry.id === agent.identity.agentId);
    assert.equal(status!.state, 'down');
  });

  test('an agent keeps retrying with back-off until the service is there, then connects', async () => {
    const agent = await harness.enroll('A', ['again.example.com'], 'again');
    const port = await freePort();
    const connection = new AgentConnection({
      serviceUrl: `http://127.0.0.1:${port}`,
      identity: agent.identity,
      privateKey: agent.privateKey,
      version: 'test',
      handler: pagedHandler(10),
      reconnectInitialMs: 50,
      reconnectMaxMs: 200,
    });
    const failures: unknown[] = [];
    connection.on('error', (error) => failures.push(error));
    connection.start();
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.ok(failures.length >= 2, `${failures.length} attempts`);
    const app = Fastify();
    await registerRelay(app, { registry: harness.registry, authenticateAdmin: async () => undefined, heartbeatIntervalMs: 200, downAfterMs: 1000 });
    const connected = waitFor(connection, 'connected', 3000);
    await app.listen({ host: '127.0.0.1', port });
    await connected;
    // The service restarts: the agent comes back by itself.
    const again = waitFor(connection, 'connected', 5000);
    await app.close();
    const second = Fastify();
    const relay = await registerRelay(second, { registry: harness.registry, authenticateAdmin: async () => undefined });
    await second.listen({ host: '127.0.0.1', port });
    await again;
    assert.equal((await relay.request('A', { domain: 'again.example.com', method: 'GET', path: '/Users' })).status, 200);
    await connection.stop();
    await second.close();
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
