/**
 * Issue 12: the token endpoint under a secret-guessing client. Each wrong client secret costs
 * a scrypt; before, any number of guesses were checked (30 in a row: 30 × 401) and malformed
 * Basic credentials answered a raw 500. Now wrong secrets lock the client (10) and the
 * address (100) with 429 + Retry-After before any scrypt, and bad Basic escapes are the
 * client's 401 in the OAuth error body.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { CLIENT_SECRET_LIMITS } from '../../src/api/auth/token-endpoint.ts';
import { startApiFixture, type ApiFixture } from './support/api-fixture.ts';
import type { TenantCredentials } from '../../src/api/auth/tenant-setup.ts';

describe('token endpoint: wrong client secrets are throttled per client and per address', () => {
  let f: ApiFixture;
  before(async () => { f = await startApiFixture(); });
  after(() => f.close());

  const ask = (credentials: TenantCredentials, address: string, secret = credentials.clientSecret, clientId = credentials.clientId) =>
    f.app.inject({
      method: 'POST',
      url: `/${credentials.tenantId}/oauth2/v2.0/token`,
      remoteAddress: address,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret, scope: 'https://graph.microsoft.com/.default' }).toString(),
    });

  test('malformed Basic credentials are the client\'s 401 with an OAuth error body, not a 500', async () => {
    for (const raw of ['%ZZ:secret', `${f.a.clientId}:%E0%A4%A`]) {
      const response = await f.app.inject({
        method: 'POST',
        url: `/${f.a.tenantId}/oauth2/v2.0/token`,
        remoteAddress: '10.9.9.9',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(raw).toString('base64')}` },
        payload: 'grant_type=client_credentials&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default',
      });
      assert.equal(response.statusCode, 401, response.body);
      assert.equal(response.json().error, 'invalid_client');
      assert.match(response.json().error_description, /^AADSTS7000216: .*malformed/);
    }
  });

  test(`${CLIENT_SECRET_LIMITS.perUser} wrong secrets lock the client from every address (429 + Retry-After); another tenant's client is still served`, async () => {
    for (let i = 0; i < CLIENT_SECRET_LIMITS.perUser; i++) {
      const wrong = await ask(f.a, '10.0.0.1', `wrong-${i}`);
      assert.equal(wrong.statusCode, 401, `guess ${i}`);
    }
    // The right secret, from another address: the client is locked, no secret is checked.
    const locked = await ask(f.a, '10.0.0.2');
    assert.equal(locked.statusCode, 429, locked.body);
    assert.equal(locked.json().error, 'temporarily_unavailable');
    const retryAfter = Number(locked.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= CLIENT_SECRET_LIMITS.lockoutMs / 1000, `Retry-After ${locked.headers['retry-after']}`);
    // The address made only 10 failures: tenant B's client is served from it.
    assert.equal((await ask(f.b, '10.0.0.1')).statusCode, 200);
  });

  test(`${CLIENT_SECRET_LIMITS.perAddress} failures from one address lock the address; other addresses are served`, async () => {
    // Unknown client ids: each costs the same scrypt as a wrong secret and counts for the address.
    const codes = new Set<number>();
    for (let i = 0; i < CLIENT_SECRET_LIMITS.perAddress; i++) codes.add((await ask(f.b, '10.0.0.3', 'guess', randomUUID())).statusCode);
    assert.deepEqual([...codes], [401]);
    const locked = await ask(f.b, '10.0.0.3');
    assert.equal(locked.statusCode, 429, locked.body);
    assert.ok(Number(locked.headers['retry-after']) >= 1);
    assert.equal((await ask(f.b, '10.0.0.4')).statusCode, 200);
  });
});
