/**
 * Issue 12: "every 4xx/5xx path answers a proper Graph or SCIM error body, never a raw 500".
 * Before, what fastify refused by itself at the token endpoint (a body that is not JSON, one
 * too large) and any path outside the Graph versions answered fastify's own
 * `{"statusCode":…,"error":…}`; now the token endpoint answers its OAuth error body (RFC 6749
 * §5.2 with Entra's fields) and an unknown path Graph's error body.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startApiFixture, type ApiFixture } from './support/api-fixture.ts';

describe('error bodies outside the Graph routes', () => {
  let f: ApiFixture;
  before(async () => { f = await startApiFixture(); });
  after(() => f.close());

  const token = () => `/${f.a.tenantId}/oauth2/v2.0/token`;

  test('the token endpoint answers what fastify refuses in its OAuth error body, status kept', async () => {
    const cases = [
      { headers: { 'content-type': 'application/json' }, payload: '{not json', status: 400 },
      { headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `a=${'x'.repeat(70 * 1024)}`, status: 413 },
    ];
    for (const { headers, payload, status } of cases) {
      const response = await f.app.inject({ method: 'POST', url: token(), headers, payload });
      assert.equal(response.statusCode, status, response.body);
      const body = response.json();
      assert.equal(body.error, 'invalid_request', response.body);
      assert.match(body.error_description, /^AADSTS90023: The request is not valid: /);
      assert.ok(Array.isArray(body.error_codes) && typeof body.trace_id === 'string');
      assert.equal(body.statusCode, undefined, 'not fastify\'s body');
    }
  });

  test('a path that is nobody\'s answers Graph\'s error body with its request id', async () => {
    for (const [method, url] of [['GET', '/nothing/here'], ['GET', token()], ['DELETE', '/']] as const) {
      const response = await f.app.inject({ method, url });
      assert.equal(response.statusCode, 404, `${method} ${url}`);
      const body = response.json();
      assert.equal(body.error.code, 'Request_ResourceNotFound');
      assert.equal(typeof body.error.innerError['request-id'], 'string');
    }
  });
});
