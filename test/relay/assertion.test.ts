import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { generateAgentKey } from '../../src/agent/keys.ts';
import { signAssertion } from '../../src/relay/assertion.ts';
import { startHarness, type EnrolledAgent, type Harness } from './harness.ts';
import { rawClient } from './raw-client.ts';

describe('connection assertions', () => {
  let harness: Harness;
  let agent: EnrolledAgent;
  before(async () => {
    harness = await startHarness();
    agent = await harness.enroll('A', ['corp.example.com']);
  });
  after(() => harness.close());

  async function hello(assertion: string) {
    const client = await rawClient(harness.url);
    client.ws.send(JSON.stringify({ type: 'hello', assertion, version: 'test' }));
    const frame = await client.next();
    const closed = await client.closed;
    return { frame, closed };
  }

  const sign = (overrides: { audience?: string; now?: Date; lifetimeSec?: number } = {}) =>
    signAssertion({ agentId: agent.identity.agentId, audience: agent.identity.audience, privateKey: agent.privateKey, ...overrides });

  test('a valid assertion is welcomed, and the same assertion replayed is refused', async () => {
    const assertion = await sign();
    const client = await rawClient(harness.url);
    client.ws.send(JSON.stringify({ type: 'hello', assertion, version: 'test' }));
    const welcome = await client.next();
    assert.equal(welcome.type, 'welcome');
    assert.equal(welcome.agentId, agent.identity.agentId);
    assert.equal(welcome.tenantId, 'A');
    client.ws.close();
    await client.closed;

    const replay = await hello(assertion);
    assert.equal(replay.frame.code, 'ERR_RELAY_ASSERTION_INVALID');
    assert.match(String(replay.frame.message), /already used/);
    assert.equal(replay.closed.code, 4401);
  });

  test('an expired assertion is refused', async () => {
    const { frame, closed } = await hello(await sign({ now: new Date(Date.now() - 10 * 60_000) }));
    assert.equal(frame.code, 'ERR_RELAY_ASSERTION_INVALID');
    assert.match(String(frame.message), /expired/);
    assert.equal(closed.code, 4401);
  });

  test('an assertion signed with another key is refused', async () => {
    const { privateKey } = await generateAgentKey();
    const forged = await signAssertion({ agentId: agent.identity.agentId, audience: agent.identity.audience, privateKey });
    const { frame } = await hello(forged);
    assert.equal(frame.code, 'ERR_RELAY_ASSERTION_INVALID');
    assert.match(String(frame.message), /signature/);
  });

  test('an assertion for another audience, or living too long, is refused', async () => {
    const wrongAudience = await hello(await sign({ audience: 'urn:canopy:relay:someone-else' }));
    assert.match(String(wrongAudience.frame.message), /aud/);
    const tooLong = await hello(await sign({ lifetimeSec: 600 }));
    assert.match(String(tooLong.frame.message), /at most 120 s/);
  });

  test('an assertion with alg none or from an unknown agent is refused', async () => {
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iss: agent.identity.agentId })).toString('base64url')}.`;
    assert.equal((await hello(unsigned)).frame.code, 'ERR_RELAY_ASSERTION_INVALID');
    const stranger = await generateAgentKey();
    const unknown = await new SignJWT({}).setProtectedHeader({ alg: 'EdDSA', typ: 'canopy-agent+jwt' }).setIssuer('nobody').setSubject('nobody')
      .setAudience(agent.identity.audience).setIssuedAt().setExpirationTime('1m').setJti('x').sign(stranger.privateKey);
    const { frame } = await hello(unknown);
    assert.match(String(frame.message), /not an enrolled agent/);
  });

  test('frames before authentication get a clear error and the connection is closed', async () => {
    const client = await rawClient(harness.url);
    client.ws.send(JSON.stringify({ type: 'response', id: 'x', response: { status: 200 } }));
    const frame = await client.next();
    assert.equal(frame.code, 'ERR_RELAY_ASSERTION_INVALID');
    assert.match(String(frame.message), /authenticate first/);
    assert.equal((await client.closed).code, 4401);
  });

  test('a connection that never says hello is closed after the auth timeout', async () => {
    const quick = await startHarness({ authTimeoutMs: 200 });
    try {
      const client = await rawClient(quick.url);
      const frame = await client.next();
      assert.match(String(frame.message), /no hello frame within 200 ms/);
      assert.equal((await client.closed).code, 4401);
    } finally {
      await quick.close();
    }
  });
});
