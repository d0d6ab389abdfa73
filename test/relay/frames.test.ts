import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { isCanopyError } from '../../src/core/errors.ts';
import { signAssertion } from '../../src/relay/assertion.ts';
import type { RelayRequest } from '../../src/relay/frames.ts';
import { pagedHandler, startHarness, type EnrolledAgent, type Harness } from './harness.ts';
import { rawClient, type RawClient } from './raw-client.ts';

const MAX = 64 * 1024;
const request: RelayRequest = { domain: 'corp.example.com', method: 'GET', path: '/Users', query: { count: '10' } };

describe('frames', () => {
  let harness: Harness;
  let rogue: EnrolledAgent;
  before(async () => {
    harness = await startHarness({ maxFrameBytes: MAX });
    rogue = await harness.enroll('A', ['corp.example.com'], 'rogue');
    // A well-behaved agent on another domain must keep being served throughout.
    await harness.connect(await harness.enroll('A', ['other.example.com'], 'good'), pagedHandler(100));
  });
  after(() => harness.close());

  async function authenticated(): Promise<RawClient> {
    const client = await rawClient(harness.url);
    const assertion = await signAssertion({ agentId: rogue.identity.agentId, audience: rogue.identity.audience, privateKey: rogue.privateKey });
    client.ws.send(JSON.stringify({ type: 'hello', assertion, version: 'rogue' }));
    assert.equal((await client.next()).type, 'welcome');
    return client;
  }

  async function otherAgentStillServes(): Promise<void> {
    const response = await harness.relay.request('A', { ...request, domain: 'other.example.com' });
    assert.equal(response.status, 200);
  }

  test('malformed frames get ERR_RELAY_FRAME_MALFORMED and the connection stays', async () => {
    const client = await authenticated();
    const cases: [string | Buffer, RegExp][] = [
      ['{not json', /not JSON/],
      [JSON.stringify({ type: 'gossip' }), /does not match the relay protocol/],
      [JSON.stringify({ type: 'response', id: 'x', response: { status: 'ok' } }), /response\.status/],
      [Buffer.from([1, 2, 3]), /binary frames/],
      [JSON.stringify({ type: 'hello', assertion: 'x', version: '1' }), /already authenticated/],
    ];
    for (const [data, message] of cases) {
      client.ws.send(data, { binary: Buffer.isBuffer(data) });
      const frame = await client.next();
      assert.equal(frame.type, 'error');
      assert.equal(frame.code, 'ERR_RELAY_FRAME_MALFORMED');
      assert.match(String(frame.message), message);
    }
    assert.equal(client.ws.readyState, client.ws.OPEN);
    await otherAgentStillServes();
    // The rogue still gets requests and can answer them.
    const pending = harness.relay.request('A', request, { timeoutMs: 2000 });
    const incoming = await client.next();
    assert.equal(incoming.type, 'request');
    client.ws.send(JSON.stringify({ type: 'response', id: incoming.id, response: { status: 200, body: { ok: true } } }));
    assert.deepEqual((await pending).body, { ok: true });
    client.ws.close();
    await client.closed;
  });

  test('unauthenticated frames are refused and the connection closed, while other agents are served', async () => {
    for (const data of ['garbage', JSON.stringify({ type: 'request', id: '1', timeoutMs: 1, request: request })]) {
      const client = await rawClient(harness.url);
      client.ws.send(data);
      const frame = await client.next();
      assert.equal(frame.type, 'error');
      assert.equal(frame.code, 'ERR_RELAY_ASSERTION_INVALID');
      assert.equal((await client.closed).code, 4401);
      await otherAgentStillServes();
    }
    // Before hello, a few KiB are read at most (RELAY_DEFAULTS.maxHelloFrameBytes), not a whole frame.
    for (const size of [9 * 1024, MAX + 1]) {
      const client = await rawClient(harness.url);
      client.ws.send('z'.repeat(size));
      const frame = await client.next();
      assert.equal(frame.code, 'ERR_RELAY_FRAME_TOO_LARGE');
      assert.match(String(frame.message), /before hello|larger than a hello frame/);
      assert.ok([1009, 4401].includes((await client.closed).code));
      await otherAgentStillServes();
    }
  });

  test('an oversized response fails its request with ERR_RELAY_FRAME_TOO_LARGE; far larger frames close the socket with 1009', async () => {
    const client = await authenticated();
    const pending = harness.relay.request('A', request, { timeoutMs: 3000 });
    const incoming = await client.next();
    client.ws.send(JSON.stringify({ type: 'response', id: incoming.id, response: { status: 200, body: 'x'.repeat(MAX + 10) } }));
    await assert.rejects(pending, (error) => isCanopyError(error, 'ERR_RELAY_FRAME_TOO_LARGE') && /exceeds the relay frame limit of 65536 bytes/.test((error as Error).message));
    const frame = await client.next();
    assert.equal(frame.code, 'ERR_RELAY_FRAME_TOO_LARGE');
    await otherAgentStillServes();

    client.ws.send('y'.repeat(MAX * 3));
    const closed = await client.closed;
    assert.equal(closed.code, 1009);
    await otherAgentStillServes();
  });

  test('an agent whose answer exceeds the limit sends an error instead, and the request fails clearly', async () => {
    const big = await harness.enroll('A', ['big.example.com'], 'big');
    await harness.connect(big, async () => ({ status: 200, body: 'z'.repeat(MAX * 2) }));
    await assert.rejects(
      harness.relay.request('A', { ...request, domain: 'big.example.com' }),
      (error) => isCanopyError(error, 'ERR_RELAY_FRAME_TOO_LARGE') && /smaller page/.test((error as Error).message),
    );
    await otherAgentStillServes();
  });
});
