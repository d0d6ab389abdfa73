/**
 * The parts of the agent's SCIM service that never touch AD: routing, discovery, method
 * and parameter errors, and the loopback HTTP listener's own rules. The AD source here
 * fails every call, so a request that reached AD would show up as a 500.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createScimHandler, type AdSource, type ScimHandler } from '../../src/agent/scim-service.ts';
import { request as httpRequest } from 'node:http';
import { startScimHttp, type ScimHttpServer } from '../../src/agent/scim-http.ts';
import { ERROR } from '../../src/scim/urns.ts';

const TOKEN = 'local-scim-test-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };

/** A GET with any Host header (fetch does not let a caller set Host). */
function getWithHost(url: string, host: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { headers: { ...headers, host } }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', reject);
    request.end();
  });
}

const unreachable: AdSource = {
  search: () => {
    throw new Error('AD must not be read');
  },
  readObject: () => Promise.reject(new Error('AD must not be read')),
  readChanges: () => {
    throw new Error('AD must not be read');
  },
};

const handler: ScimHandler = createScimHandler({ source: unreachable });
const get = (path: string, query: Record<string, string> = {}) => handler({ method: 'GET', path, query });

describe('SCIM service routing and discovery', () => {
  test('discovery endpoints', async () => {
    const schemas = await get('/Schemas');
    assert.equal(schemas.status, 200);
    assert.equal((schemas.body as { totalResults: number }).totalResults, 4);
    const ad = await get('/Schemas/urn:canopy:params:scim:schemas:extension:ad:2.0:Object');
    assert.equal((ad.body as { name: string }).name, 'ActiveDirectoryObject');
    const user = await get('/ResourceTypes/User');
    assert.equal((user.body as { endpoint: string }).endpoint, '/Users');
    const config = await get('/ServiceProviderConfig?unused=1');
    assert.equal((config.body as { patch: { supported: boolean } }).patch.supported, false);
  });

  test('errors: unknown endpoints 404, other methods 405, bad parameters 400 — before AD is asked', async () => {
    const cases: [string, string, Record<string, string>, number, string | undefined][] = [
      ['GET', '/Nope', {}, 404, undefined],
      ['GET', '/Users/a/b', {}, 404, undefined],
      ['GET', '/Schemas/urn:nope', {}, 404, undefined],
      ['DELETE', '/Users/6b2f0b3e-1d2c-4a5b-9c8d-7e6f5a4b3c2d', {}, 405, undefined],
      ['PATCH', '/Groups', {}, 405, undefined],
      ['GET', '/Users/not-a-guid', {}, 400, 'invalidValue'],
      ['GET', '/Users', { filter: 'userName eq "a" and' }, 400, 'invalidFilter'],
      ['GET', '/Users', { filter: 'password eq "x"' }, 400, 'invalidFilter'],
      ['GET', '/Users', { count: 'many' }, 400, 'invalidValue'],
      ['GET', '/Users', { cursor: 'forged.cursor' }, 400, 'invalidCursor'],
      ['GET', '/Users', { startIndex: '1', cursor: '' }, 400, 'invalidValue'],
      ['GET', '/Users', { attributes: 'userName', excludedAttributes: 'title' }, 400, 'invalidValue'],
      ['GET', '/Delta', { watermark: 'cd1.!!' }, 400, 'invalidValue'],
      ['GET', '/Delta', { count: '-1' }, 400, 'invalidValue'],
    ];
    for (const [method, path, query, status, scimType] of cases) {
      const response = await handler({ method, path, query });
      const body = response.body as Record<string, unknown>;
      assert.equal(response.status, status, `${method} ${path} ${JSON.stringify(query)}: ${JSON.stringify(body)}`);
      assert.deepEqual(body.schemas, [ERROR]);
      assert.equal(body.status, String(status));
      assert.equal(body.scimType, scimType);
      assert.equal(typeof body.detail, 'string');
    }
  });

  test('an AD failure is a SCIM 500 body, not a thrown error', async () => {
    const response = await get('/Users');
    assert.equal(response.status, 500);
    assert.match(String((response.body as { detail: string }).detail), /AD must not be read/);
  });
});

describe('the loopback SCIM HTTP listener', () => {
  let server: ScimHttpServer;
  before(async () => {
    server = await startScimHttp({ host: '127.0.0.1', port: 0, handler, basePath: '/scim/v2', token: TOKEN });
  });
  after(async () => server?.close());

  test('refuses non-loopback addresses', async () => {
    await assert.rejects(startScimHttp({ host: '0.0.0.0', port: 0, handler, token: TOKEN }), TypeError);
    await assert.rejects(startScimHttp({ host: '192.168.1.5', port: 0, handler, token: TOKEN }), TypeError);
    await assert.rejects(startScimHttp({ host: '127.0.0.1', port: 0, handler, token: 'short' }), TypeError);
  });

  test('serves GET under the base path as application/scim+json; 405 with Allow otherwise', async () => {
    const ok = await fetch(`${server.url}/ResourceTypes`, { headers: auth });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('content-type'), 'application/scim+json; charset=utf-8');
    assert.equal(((await ok.json()) as { totalResults: number }).totalResults, 2);
    const outside = await fetch(`${server.url.replace('/scim/v2', '')}/ResourceTypes`, { headers: auth });
    assert.equal(outside.status, 404);
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const refused = await fetch(`${server.url}/Users`, { method, headers: auth, body: method === 'DELETE' ? undefined : '{"x":1}' });
      assert.equal(refused.status, 405, method);
      assert.equal(refused.headers.get('allow'), 'GET');
      assert.equal(((await refused.json()) as { status: string }).status, '405');
    }
    const filter = await fetch(`${server.url}/Users?filter=${encodeURIComponent('x eq')}`, { headers: auth });
    assert.equal(filter.status, 400);
    assert.equal(((await filter.json()) as { scimType: string }).scimType, 'invalidFilter');
  });

  test('issue 12: without the bearer token 401; with a Host that is not loopback (DNS rebinding) 403, token or not', async () => {
    const missing = await fetch(`${server.url}/Users`);
    assert.equal(missing.status, 401);
    assert.match(missing.headers.get('www-authenticate') ?? '', /^Bearer /);
    assert.equal(((await missing.json()) as { status: string }).status, '401');
    assert.equal((await fetch(`${server.url}/Users`, { headers: { authorization: `Bearer ${TOKEN}x` } })).status, 401);
    assert.equal((await fetch(`${server.url}/Users`, { headers: { authorization: `Basic ${TOKEN}` } })).status, 401);
    const port = new URL(server.url).port;
    assert.equal(await getWithHost(`${server.url}/ResourceTypes`, `attacker.example:${port}`, auth), 403);
    assert.equal(await getWithHost(`${server.url}/ResourceTypes`, `127.0.0.1.attacker.example:${port}`, auth), 403);
    assert.equal(await getWithHost(`${server.url}/ResourceTypes`, `localhost:${port}`, auth), 200);
    assert.equal(await getWithHost(`${server.url}/ResourceTypes`, `[::1]:${port}`, auth), 200);
  });
});
