/**
 * Admission per application and per tenant (src/api/throttle.ts): slots, queues in arrival
 * order, Graph's 429 with Retry-After past a queue's bound, and tenants apart from each other.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { RequestThrottle } from '../../src/api/throttle.ts';
import { GraphError } from '../../src/api/errors.ts';
import { buildApiApp } from '../../src/api/app.ts';
import { startApiFixture, tokenFor, type ApiFixture } from './support/api-fixture.ts';

const refusal = (fn: () => unknown): GraphError => {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof GraphError);
    return error;
  }
  assert.fail('expected a refusal');
};

describe('RequestThrottle', () => {
  test('an application runs its slots, queues in order, and is refused past its queue', async () => {
    const throttle = new RequestThrottle({ appConcurrency: 2, appQueue: 2, tenantConcurrency: 10, tenantQueue: 10 });
    const running = [throttle.enter('t', 'a'), throttle.enter('t', 'a')];
    const queued = [throttle.enter('t', 'a'), throttle.enter('t', 'a')];
    const started: number[] = [];
    queued.forEach((ticket, i) => void ticket.ready.then(() => started.push(i)));
    const error = refusal(() => throttle.enter('t', 'a'));
    assert.equal(error.status, 429);
    assert.equal(error.code, 'TooManyRequests');
    assert.ok(Number(error.headers['retry-after']) >= 1);
    assert.deepEqual(throttle.load('t'), { running: 2, waiting: 2 });
    running[0]!.done();
    running[0]!.done(); // idempotent: frees one slot, not two
    await queued[0]!.ready;
    assert.deepEqual(started, [0]);
    assert.deepEqual(throttle.load('t'), { running: 2, waiting: 1 });
    // Another application of the same tenant has its own slots.
    await throttle.enter('t', 'b').ready;
    for (const ticket of [running[1]!, ...queued]) ticket.done();
    await queued[1]!.ready;
    assert.deepEqual(started, [0, 1]);
  });

  test('a tenant at its bound queues and refuses its own requests, never another tenant\'s', async () => {
    const throttle = new RequestThrottle({ appConcurrency: 10, appQueue: 10, tenantConcurrency: 1, tenantQueue: 1 });
    const first = throttle.enter('busy', 'a');
    const second = throttle.enter('busy', 'b');
    assert.equal(refusal(() => throttle.enter('busy', 'c')).status, 429);
    await throttle.enter('quiet', 'a').ready; // at once, whatever the busy tenant holds
    first.done();
    await second.ready;
  });

  test('a request that leaves the queue gives up its place, and its successor starts when a slot frees', async () => {
    const throttle = new RequestThrottle({ appConcurrency: 1, appQueue: 5, tenantConcurrency: 5, tenantQueue: 5 });
    const running = throttle.enter('t', 'a');
    const gone = throttle.enter('t', 'a');
    const next = throttle.enter('t', 'a');
    let goneStarted = false;
    void gone.ready.then(() => (goneStarted = true));
    gone.done();
    assert.deepEqual(throttle.load('t'), { running: 1, waiting: 1 });
    running.done();
    await next.ready;
    assert.equal(goneStarted, false);
    next.done();
    assert.deepEqual(throttle.load('t'), { running: 0, waiting: 0 });
  });
});

describe('throttled Graph requests', () => {
  let fixture: ApiFixture;
  before(async () => {
    fixture = await startApiFixture();
  });
  after(() => fixture.close());

  test('past the application\'s queue the answer is Graph\'s 429 body with Retry-After; the other tenant is answered', async () => {
    const throttle = new RequestThrottle({ appConcurrency: 1, appQueue: 0 });
    const app = buildApiApp({ store: fixture.store, auth: fixture.signer, throttle });
    await app.ready();
    try {
      const tokenA = await tokenFor(app, fixture.a);
      const tokenB = await tokenFor(app, fixture.b);
      // A request of A's admin application holds its one slot.
      const held = throttle.enter(fixture.a.tenantId, fixture.a.clientId);
      const refused = await app.inject({ url: '/v1.0/users', headers: { authorization: `Bearer ${tokenA}`, 'client-request-id': 'c-1' } });
      assert.equal(refused.statusCode, 429);
      assert.ok(Number(refused.headers['retry-after']) >= 1);
      const body = refused.json<{ error: { code: string; message: string; innerError: Record<string, string> } }>();
      assert.equal(body.error.code, 'TooManyRequests');
      assert.match(body.error.message, /retry after \d+ seconds/);
      assert.equal(body.error.innerError['client-request-id'], 'c-1');
      assert.equal((await app.inject({ url: '/beta/users', headers: { authorization: `Bearer ${tokenB}` } })).statusCode, 200);
      held.done();
      assert.equal((await app.inject({ url: '/v1.0/users', headers: { authorization: `Bearer ${tokenA}` } })).statusCode, 200);
      assert.deepEqual(throttle.load(fixture.a.tenantId), { running: 0, waiting: 0 }, 'slots are freed when responses end');
    } finally {
      await app.close();
    }
  });
});
