/**
 * Cursor paging of /Users over the fixture forest: a walk continues the open search of
 * its previous page (one read of the directory per walk), and a cursor whose open read is
 * gone — another agent, a retried cursor, an idle or capped-out read — is still served
 * exactly, by searching again from its offset.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AdReader } from '../../src/ad/reader.ts';
import { createScimContext, handleScimRequest, type ScimServiceContext, type ScimServiceOptions } from '../../src/agent/scim-service.ts';
import { adEnv, skipReason } from '../support/ad-env.ts';
import { inScopeObjects, loadFixture } from '../support/fixture.ts';

type Json = Record<string, unknown>;
type List = { totalResults: number; itemsPerPage: number; Resources: Json[]; nextCursor?: string };

async function page(ctx: ScimServiceContext, query: Record<string, string>): Promise<List> {
  const { status, body } = await handleScimRequest(ctx, { method: 'GET', path: '/Users', query });
  assert.equal(status, 200, JSON.stringify(body));
  return body as List;
}

/** The open read a cursor names (the test knows the cursor's layout; clients must not). */
function sessionOf(cursor: string | undefined): unknown {
  const payload = JSON.parse(Buffer.from(String(cursor).split('.')[0] as string, 'base64url').toString('utf8')) as unknown[];
  return payload[5];
}

describe('/Users cursor walks over the fixture', { skip: skipReason() }, () => {
  let reader: AdReader;
  const context = (options: Partial<ScimServiceOptions> = {}) => createScimContext({ source: reader, ...options });

  before(async () => {
    const env = adEnv();
    reader = await AdReader.connect({ urls: [env.url], bindDn: env.bindDn, password: env.password, caFile: env.caFile, baseDn: env.baseDn, scopeDns: [loadFixture().rootDn] });
  });
  after(async () => reader?.close());

  test('a walk by cursor returns each of the 3,500 users once, continuing one open search', async () => {
    const users = inScopeObjects(loadFixture()).filter((o) => o.kind === 'user');
    const ctx = context();
    const seen = new Set<unknown>();
    let cursor = '';
    let pages = 0;
    const started = performance.now();
    for (;;) {
      const found = await page(ctx, { cursor, count: '1000', attributes: 'userName' });
      pages += 1;
      assert.equal(found.totalResults, users.length);
      for (const user of found.Resources) {
        assert.ok(!seen.has(user.id), `${String(user.userName)} twice`);
        seen.add(user.id);
      }
      if (!found.nextCursor) break;
      assert.equal(found.itemsPerPage, 1000);
      assert.equal(ctx.listSessions.size, 1, 'the walk keeps its search open between pages');
      cursor = found.nextCursor;
    }
    console.log(`# /Users walk by cursor: ${seen.size} users in ${pages} pages, ${((performance.now() - started) / 1000).toFixed(2)} s`);
    assert.equal(seen.size, users.length);
    assert.equal(ctx.listSessions.size, 0, 'the last page closes the read');
  });

  test('without its open read a cursor is served by searching again: other agent, retry, idle, no open reads', async () => {
    const filter = 'title eq "Product Manager"';
    const expected = inScopeObjects(loadFixture()).filter((o) => o.kind === 'user' && o.attributes.title?.[0] === 'Product Manager').length;
    assert.ok(expected > 20, `${expected} product managers`);
    let clock = Date.now();
    const agentA = context({ now: () => clock, listReadIdleSeconds: 60 });
    const agentB = context();
    const none = context({ maxOpenListReads: 0 });
    const ids: unknown[] = [];
    const get = async (ctx: ScimServiceContext, cursor: string) => {
      const found = await page(ctx, { cursor, count: '40', filter, attributes: 'id' });
      assert.equal(found.totalResults, expected);
      return found;
    };
    const p1 = await get(agentA, '');
    const p2 = await get(agentA, p1.nextCursor as string);
    assert.equal(sessionOf(p2.nextCursor), sessionOf(p1.nextCursor), 'page 2 continued the read of page 1');
    clock += 61_000;
    const p3 = await get(agentA, p2.nextCursor as string);
    assert.notEqual(sessionOf(p3.nextCursor), sessionOf(p2.nextCursor), 'the idle read was closed; page 3 searched again');
    // Another agent of the domain, twice with the same cursor (a retried request).
    const p4 = await get(agentB, p3.nextCursor as string);
    const p4again = await get(agentB, p3.nextCursor as string);
    assert.deepEqual(p4again.Resources.map((r) => r.id), p4.Resources.map((r) => r.id));
    ids.push(...[p1, p2, p3, p4].flatMap((p) => p.Resources.map((r) => r.id)));
    let cursor = p4.nextCursor as string;
    for (let i = 0; i < 20 && cursor; i += 1) {
      const found = await get(none, cursor);
      ids.push(...found.Resources.map((r) => r.id));
      cursor = found.nextCursor as string;
    }
    assert.equal(new Set(ids).size, ids.length, 'no user twice');
    assert.equal(ids.length, expected, 'every product manager');
    assert.equal(none.listSessions.size, 0);
  });

  test('a read the DC dropped (more paged searches than it keeps per connection) is searched again', async () => {
    const filter = 'title eq "Product Manager"';
    // LDAP pages of 50 (the service's largest page), so each walk's search stays open on
    // the DC. Fourteen walks open at once on one connection: Samba keeps about ten paged
    // searches per connection and drops the oldest, so the first walks' reads are gone.
    const ctx = context({ maxOpenListReads: 14, maxPageSize: 50, defaultPageSize: 50 });
    const walks: { cursor: string; ids: unknown[] }[] = [];
    for (let i = 0; i < 14; i += 1) {
      const found = await page(ctx, { cursor: '', count: '40', filter, attributes: 'id' });
      walks.push({ cursor: found.nextCursor as string, ids: found.Resources.map((r) => r.id) });
    }
    assert.equal(ctx.listSessions.size, 14);
    for (const walk of walks) {
      while (walk.cursor) {
        const found = await page(ctx, { cursor: walk.cursor, count: '40', filter, attributes: 'id' });
        walk.ids.push(...found.Resources.map((r) => r.id));
        walk.cursor = found.nextCursor as string;
      }
    }
    const first = walks[0]?.ids ?? [];
    for (const walk of walks) assert.deepEqual(walk.ids, first);
    assert.equal(new Set(first).size, first.length);
  });
});
