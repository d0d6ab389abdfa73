/**
 * /Delta reads the next reader page while the client applies the response just served:
 * the page is read before the next request comes, a failure of that read surfaces on the
 * request that needs it (and the read replays from the watermark), and a read abandoned
 * with a failing read-ahead leaves no unhandled rejection. An in-memory source stands in
 * for AD, so that the order of the reads can be seen.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import type { AdChangePage, AdObject } from '../../src/core/ad-object.ts';
import { createScimHandler, type AdSource } from '../../src/agent/scim-service.ts';

type Json = Record<string, unknown>;

const user = (n: number): AdObject => ({
  dn: `CN=u${n},OU=People,DC=example,DC=test`,
  objectGuid: `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`,
  objectClass: 'user',
  objectClasses: ['top', 'person', 'organizationalPerson', 'user'],
  attributes: { cn: [`u${n}`], userPrincipalName: [`u${n}@example.test`] },
});

/** Three pages of a full read, one user each; `failAt` makes reading that page (1-based) throw. */
function source(state: { pagesRead: number; failAt?: number; reads: number }): AdSource {
  return {
    search: () => {
      throw new Error('not searched here');
    },
    readObject: () => Promise.resolve(undefined),
    readObjectsByDn: () => Promise.resolve(new Map()),
    async *readChanges(): AsyncGenerator<AdChangePage> {
      state.reads += 1;
      for (let n = 1; n <= 3; n += 1) {
        await tick();
        if (state.failAt === n) throw new Error(`page ${n} could not be read`);
        state.pagesRead += 1;
        yield { changes: [{ kind: 'upsert', object: user(n), complete: true }], watermark: n === 3 ? 'end' : '', more: n < 3, reset: 'initial' };
      }
    },
  };
}

describe('/Delta reads one page ahead', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  before(() => process.on('unhandledRejection', onUnhandled));
  after(() => process.off('unhandledRejection', onUnhandled));

  test('the next page is read before the next request, and served from there', async () => {
    const state = { pagesRead: 0, reads: 0 };
    const handler = createScimHandler({ source: source(state) });
    const first = await handler({ method: 'GET', path: '/Delta' });
    assert.equal(first.status, 200);
    assert.equal(state.pagesRead, 1);
    for (let i = 0; i < 10 && state.pagesRead < 2; i += 1) await tick();
    assert.equal(state.pagesRead, 2, 'page 2 read with no request pending');
    const ids: unknown[] = [(first.body as { Resources: Json[] }).Resources[0]?.id];
    let body = first.body as { watermark: string; more: boolean };
    while (body.more) {
      const next = await handler({ method: 'GET', path: '/Delta', query: { watermark: body.watermark } });
      assert.equal(next.status, 200);
      body = next.body as { watermark: string; more: boolean; Resources: Json[] } & typeof body;
      ids.push(...(next.body as { Resources: Json[] }).Resources.map((r) => r.id));
    }
    assert.deepEqual(ids, [user(1).objectGuid, user(2).objectGuid, user(3).objectGuid]);
    assert.equal(state.reads, 1, 'one read, never replayed');
  });

  test('a read-ahead that fails fails the request that needs it; the retry replays the read', async () => {
    const state: { pagesRead: number; reads: number; failAt?: number } = { pagesRead: 0, reads: 0, failAt: 2 };
    const handler = createScimHandler({ source: source(state) });
    const first = await handler({ method: 'GET', path: '/Delta' });
    assert.equal(first.status, 200);
    const watermark = (first.body as { watermark: string }).watermark;
    const failed = await handler({ method: 'GET', path: '/Delta', query: { watermark } });
    assert.equal(failed.status, 500);
    assert.match(JSON.stringify(failed.body), /page 2 could not be read/);
    delete state.failAt;
    const retried = await handler({ method: 'GET', path: '/Delta', query: { watermark } });
    assert.equal(retried.status, 200);
    assert.equal(state.reads, 2, 'the retry reads again from the watermark');
    assert.deepEqual((retried.body as { Resources: Json[] }).Resources.map((r) => r.id), [user(1).objectGuid]);
  });

  test('a read abandoned while its read-ahead fails leaves no unhandled rejection', async () => {
    const state = { pagesRead: 0, reads: 0, failAt: 2 };
    const handler = createScimHandler({ source: source(state) });
    assert.equal((await handler({ method: 'GET', path: '/Delta' })).status, 200);
    for (let i = 0; i < 20; i += 1) await tick();
    assert.deepEqual(unhandled, []);
  });
});
