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

  /** The peer is told one generic refusal; the reason goes to the service's connection.refused event. */
  const GENERIC = /^authentication failed: authenticate first with a hello frame/;
  function nextRefusal(relayEvents = harness.relay.events): Promise<string> {
    return new Promise((resolve) => relayEvents.once('connection.refused', ({ message }: { message: string }) => resolve(message)));
  }

  async function hello(assertion: string) {
    const refused = nextRefusal();
    const client = await rawClient(harness.url);
    client.ws.send(JSON.stringify({ type: 'hello', assertion, version: 'test' }));
    const frame = await client.next();
    const closed = await client.closed;
    if (frame.code === 'ERR_RELAY_ASSERTION_INVALID') assert.match(String(frame.message), GENERIC);
    return { frame, closed, reason: await refused };
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
    assert.match(replay.reason, /already used/);
    assert.equal(replay.closed.code, 4401);
  });

  test('an expired assertion is refused', async () => {
    const { frame, closed, reason } = await hello(await sign({ now: new Date(Date.now() - 10 * 60_000) }));
    assert.equal(frame.code, 'ERR_RELAY_ASSERTION_INVALID');
    assert.match(reason, /expired|too far in the past/);
    assert.equal(closed.code, 4401);
  });

  test('an assertion signed with another key is refused', async () => {
    const { privateKey } = await generateAgentKey();
    const forged = await signAssertion({ agentId: agent.identity.agentId, audience: agent.identity.audience, privateKey });
    const { frame, reason } = await hello(forged);
    assert.equal(frame.code, 'ERR_RELAY_ASSERTION_INVALID');
    assert.match(reason, /signature/);
  });

  test('an assertion for another audience, or living too long, is refused', async () => {
    const wrongAudience = await hello(await sign({ audience: 'urn:canopy:relay:someone-else' }));
    assert.match(wrongAudience.reason, /aud/);
    const tooLong = await hello(await sign({ lifetimeSec: 600 }));
    assert.match(tooLong.reason, /at most 120 s/);
  });

  test('an assertion with alg none or from an unknown agent is refused', async () => {
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iss: agent.identity.agentId })).toString('base64url')}.`;
    assert.equal((await hello(unsigned)).frame.code, 'ERR_RELAY_ASSERTION_INVALID');
    const stranger = await generateAgentKey();
    const unknown = await new SignJWT({}).setProtectedHeader({ alg: 'EdDSA', typ: 'canopy-agent+jwt' }).setIssuer('nobody').setSubject('nobody')
      .setAudience(agent.identity.audience).setIssuedAt().setExpirationTime('1m').setJti('x').sign(stranger.privateKey);
    const { frame, reason } = await hello(unknown);
    assert.match(reason, /not an enrolled agent/);
    // The same words as for an enrolled agent's bad assertion: nothing tells the two apart.
    assert.equal(frame.message, (await hello(await sign({ audience: 'urn:other' }))).frame.message);
  });

  test('an assertion dated in the future (beyond the clock tolerance) is refused', async () => {
    const { frame, reason } = await hello(await sign({ now: new Date(Date.now() + 10 * 60_000), lifetimeSec: 60 }));
    assert.equal(frame.code, 'ERR_RELAY_ASSERTION_INVALID');
    assert.match(reason, /iat/);
    const slightlyAhead = await rawClient(harness.url);
    slightlyAhead.ws.send(JSON.stringify({ type: 'hello', version: 'test', assertion: await sign({ now: new Date(Date.now() + 10_000) }) }));
    assert.equal((await slightlyAhead.next()).type, 'welcome', 'within the 30 s tolerance');
    slightlyAhead.ws.close();
    await slightlyAhead.closed;
  });

  test('frames before authentication get a clear error and the connection is closed', async () => {
    const client = await rawClient(harness.url);
    client.ws.send(JSON.stringify({ type: 'response', id: 'x', response: { status: 200 } }));
    const frame = await client.next();
    assert.equal(frame.code, 'ERR_RELAY_ASSERTION_INVALID');
    assert.match(String(frame.message), GENERIC);
    assert.equal((await client.closed).code, 4401);
  });

  test('a connection that never says hello is closed after the auth timeout', async () => {
    const quick = await startHarness({ authTimeoutMs: 200 });
    try {
      const refused = nextRefusal(quick.relay.events);
      const client = await rawClient(quick.url);
      const frame = await client.next();
      assert.equal(frame.code, 'ERR_RELAY_ASSERTION_INVALID');
      assert.match(await refused, /no hello frame within 200 ms/);
      assert.equal((await client.closed).code, 4401);
    } finally {
      await quick.close();
    }
  });
});
