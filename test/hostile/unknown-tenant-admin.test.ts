/**
 * Issue 12: the relay's admin routes and /canopy/v1/status accepted a token, signed by the
 * service's own key, for a tenant that does not exist: a registration token was issued for
 * it. Now they refuse it as the Graph routes do, and still serve a real tenant's admin.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { loadOrCreateSigningKey } from '../../src/api/auth/keys.ts';
import { createTokenSigner } from '../../src/api/auth/verify.ts';
import { ADMIN_ROLES } from '../../src/api/auth/tenant-setup.ts';
import { RELAY_PATHS } from '../../src/relay/defaults.ts';
import { STATUS_PATH } from '../../src/cli/status-view.ts';
import { startHostileService, type HostileService } from './support/service.ts';

describe('admin routes of canopy serve with a token of a tenant that does not exist', () => {
  let service: HostileService;
  before(async () => {
    service = await startHostileService();
  });
  after(() => service.stop());

  async function call(method: 'GET' | 'POST', path: string, token: string): Promise<number> {
    const response = await fetch(`${service.url}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
    await response.arrayBuffer();
    return response.status;
  }

  test('a validly signed admin token of an unknown tenant is refused; the real tenant\'s is served', async () => {
    // Signed with the service's own key (read from its data folder): only the tenant is wrong.
    const signer = createTokenSigner(await loadOrCreateSigningKey(service.dataDir));
    const { accessToken: ghost } = await signer.sign({ tenantId: randomUUID(), appId: randomUUID(), roles: ADMIN_ROLES }, { issuerBase: service.url });
    const real = await service.token();
    for (const [method, path] of [['POST', RELAY_PATHS.tokens], ['GET', RELAY_PATHS.agents], ['GET', STATUS_PATH]] as const) {
      assert.equal(await call(method, path, ghost), 401, `${method} ${path}`);
      assert.equal(await call(method, path, real), method === 'POST' ? 201 : 200, `${method} ${path} with the real tenant's token`);
    }
    // The Graph routes already refused it, and still do.
    assert.equal(await call('GET', '/v1.0/users', ghost), 401);
  });
});
