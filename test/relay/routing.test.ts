import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { isCanopyError } from '../../src/core/errors.ts';
import type { RelayRequest } from '../../src/relay/frames.ts';
import { pagedHandler, startHarness, type Harness } from './harness.ts';

const users = (domain: string, query: Record<string, string> = {}): RelayRequest => ({ domain, method: 'GET', path: '/Users', query });

describe('routing', () => {
  let harness: Harness;
  before(async () => {
    harness = await startHarness();
  });
  after(() => harness.close());

  test('an agent of tenant A or domain X never receives requests for tenant B or domain Y', async () => {
    const seen = new Map<string, string[]>();
    const recording = (name: string) => async (request: RelayRequest) => {
      seen.set(name, [...(seen.get(name) ?? []), request.domain]);
      return { status: 200, body: { agent: name } };
    };
    const ax = await harness.enroll('A', ['x.example.com'], 'ax');
    const ay = await harness.enroll('A', ['y.example.com'], 'ay');
    const bx = await harness.enroll('B', ['x.example.com'], 'bx');
    await harness.connect(ax, recording('ax'));
    await harness.connect(ay, recording('ay'));
    await harness.connect(bx, recording('bx'));

    for (let round = 0; round < 10; round += 1) {
      assert.deepEqual((await harness.relay.request('A', users('X.example.com'))).body, { agent: 'ax' });
      assert.deepEqual((await harness.relay.request('A', users('y.example.com'))).body, { agent: 'ay' });
      assert.deepEqual((await harness.relay.request('B', users('x.example.com'))).body, { agent: 'bx' });
    }
    await assert.rejects(harness.relay.request('B', users('y.example.com')), (error) => isCanopyError(error, 'ERR_RELAY_NO_AGENT') && /y\.example\.com/.test((error as Error).message));
    await assert.rejects(harness.relay.request('C', users('x.example.com')), (error) => isCanopyError(error, 'ERR_RELAY_NO_AGENT'));
    assert.deepEqual(new Set(seen.get('ax')), new Set(['x.example.com']));
    assert.deepEqual(new Set(seen.get('ay')), new Set(['y.example.com']));
    assert.deepEqual(new Set(seen.get('bx')), new Set(['x.example.com']));
    assert.equal(seen.get('ax')!.length + seen.get('ay')!.length + seen.get('bx')!.length, 30);
  });

  test('a request outlasting its timeout fails with ERR_RELAY_TIMEOUT and the agent is told to cancel', async () => {
    const agent = await harness.enroll('T', ['slow.example.com']);
    let aborted = false;
    await harness.connect(agent, (_request, signal) => new Promise((resolve) => {
      signal.addEventListener('abort', () => {
        aborted = true;
        resolve({ status: 499 });
      });
    }));
    await assert.rejects(harness.relay.request('T', users('slow.example.com'), { timeoutMs: 300 }), (error) => isCanopyError(error, 'ERR_RELAY_TIMEOUT'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(aborted, true);
  });

  test('two agents of one domain share the load, and when one is lost mid-read the pages continue on the other', async () => {
    const first = await harness.enroll('P', ['pages.example.com'], 'first');
    const second = await harness.enroll('P', ['pages.example.com'], 'second');
    const served = { first: 0, second: 0 };
    const total = 2000;
    const firstConnection = await harness.connect(first, pagedHandler(total, { delayMs: 5, onRequest: () => (served.first += 1) }));
    await harness.connect(second, pagedHandler(total, { delayMs: 5, onRequest: () => (served.second += 1) }));
    const ids: string[] = [];
    let pages = 0;
    for await (const page of harness.relay.pages('P', users('pages.example.com', { count: '50' }))) {
      assert.equal(page.status, 200);
      for (const resource of (page.body as { Resources: { id: string }[] }).Resources) ids.push(resource.id);
      pages += 1;
      if (pages === 10) void firstConnection.stop();
    }
    assert.equal(ids.length, total);
    assert.equal(new Set(ids).size, total);
    assert.ok(served.first > 0 && served.second > 0, JSON.stringify(served));
  });

  test('agent status shows id, version, domains, connectedSince, lastHeartbeat and state', async () => {
    const agent = await harness.enroll('S', ['status.example.com'], 'status-agent');
    const connection = await harness.connect(agent, pagedHandler(1));
    const [status] = await harness.relay.agentStatus('S');
    assert.equal(status!.id, agent.identity.agentId);
    assert.equal(status!.state, 'connected');
    assert.equal(status!.version, 'test');
    assert.deepEqual(status!.domains, ['status.example.com']);
    assert.ok(status!.connectedSince && status!.lastHeartbeat);
    await connection.stop();
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal((await harness.relay.agentStatus('S'))[0]!.state, 'disconnected');
  });
});
