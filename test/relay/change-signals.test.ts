/**
 * The `changed` frame (docs/protocol.md "Change signals"): an agent's report that AD changed
 * in one of its domains becomes the relay's agent.changed event, for that agent's tenant;
 * a domain the agent is not enrolled for is refused with an error frame and the connection stays.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { signAssertion } from '../../src/relay/assertion.ts';
import { pagedHandler, startHarness, waitFor, type Harness } from './harness.ts';
import { rawClient } from './raw-client.ts';

describe('relay: change signals', () => {
  let harness: Harness;
  before(async () => {
    harness = await startHarness();
  });
  after(() => harness.close());

  test("AgentConnection.signalChange reaches the relay as agent.changed with the agent's tenant", async () => {
    const connection = await harness.connect(await harness.enroll('T1', ['Corp.Example.com']), pagedHandler(1));
    const event = waitFor<{ tenantId: string; domain: string; reason: string }>(harness.relay.events, 'agent.changed');
    assert.equal(connection.signalChange('corp.example.com', 'poll'), true);
    const changed = await event;
    assert.equal(changed.tenantId, 'T1');
    assert.equal(changed.domain, 'corp.example.com');
    assert.equal(changed.reason, 'poll');
    await connection.stop();
    assert.equal(connection.signalChange('corp.example.com', 'poll'), false, 'nothing is sent while disconnected');
  });

  test('a changed frame for a domain the agent is not enrolled for is refused; a malformed reason too; the connection stays', async () => {
    const agent = await harness.enroll('T2', ['a.example.com']);
    const client = await rawClient(harness.url);
    const assertion = await signAssertion({ agentId: agent.identity.agentId, audience: agent.identity.audience, privateKey: agent.privateKey });
    client.ws.send(JSON.stringify({ type: 'hello', assertion, version: 'raw' }));
    assert.equal((await client.next()).type, 'welcome');
    let events = 0;
    const count = (): void => void (events += 1);
    harness.relay.events.on('agent.changed', count);
    try {
      client.ws.send(JSON.stringify({ type: 'changed', domain: 'b.example.com', reason: 'notification' }));
      const refused = await client.next();
      assert.equal(refused.code, 'ERR_RELAY_FRAME_MALFORMED');
      assert.match(String(refused.message), /not enrolled for domain b\.example\.com/);
      client.ws.send(JSON.stringify({ type: 'changed', domain: 'a.example.com', reason: 'because' }));
      assert.match(String((await client.next()).message), /reason/);
      const accepted = waitFor<{ domain: string }>(harness.relay.events, 'agent.changed');
      client.ws.send(JSON.stringify({ type: 'changed', domain: 'A.example.com', reason: 'resumed' }));
      assert.equal((await accepted).domain, 'a.example.com');
      assert.equal(events, 1, 'only the enrolled domain raised an event');
      assert.equal(client.ws.readyState, client.ws.OPEN);
    } finally {
      harness.relay.events.off('agent.changed', count);
      client.ws.close();
      await client.closed;
    }
  });
});
