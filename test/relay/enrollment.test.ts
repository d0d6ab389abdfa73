import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseAgentConfig } from '../../src/agent/config.ts';
import { registerAgent } from '../../src/agent/register.ts';
import { httpJson } from '../../src/agent/http-json.ts';
import { generateAgentKey, KEY_FILE, loadPrivateKey } from '../../src/agent/keys.ts';
import { isCanopyError } from '../../src/core/errors.ts';
import { startHarness, type Harness } from './harness.ts';

function agentConfig(harness: Harness, name: string) {
  return parseAgentConfig(
    {
      service: { url: harness.url },
      dataDir: join(harness.dir, name),
      name,
      domains: [{ name: 'Corp.Example.COM', ad: { urls: ['ldaps://dc1.corp.example.com'], bindDn: 'CN=sync', passwordEnv: 'NOT_SENT', baseDn: 'DC=corp,DC=example,DC=com' } }],
    },
    harness.dir,
    {},
  );
}

describe('enrollment', () => {
  let clock = new Date('2026-01-01T00:00:00Z');
  let harness: Harness;
  before(async () => {
    harness = await startHarness({ now: () => clock });
  });
  after(() => harness.close());

  test('a token enrolls an agent, whose key stays in its data folder with mode 0600', async () => {
    const { token, expiresAt } = await harness.relay.createToken('A');
    assert.equal(expiresAt.getTime() - clock.getTime(), 3_600_000);
    const config = agentConfig(harness, 'agent-1');
    const identity = await registerAgent(config, token);
    assert.equal(identity.tenantId, 'A');
    assert.deepEqual(identity.domains, ['corp.example.com']);
    assert.equal(identity.audience, await harness.relay.audience());
    const keyPath = join(config.dataDir, KEY_FILE);
    assert.equal(statSync(keyPath).mode & 0o777, 0o600);
    assert.equal(statSync(config.dataDir).mode & 0o077, 0);
    assert.match(readFileSync(keyPath, 'utf8'), /BEGIN PRIVATE KEY/);
    loadPrivateKey(config.dataDir); // loads: the permissions are right
    // The service holds only the public key.
    const stored = await harness.registry.getAgent(identity.agentId);
    assert.deepEqual(Object.keys(stored!.publicKeyJwk).sort(), ['crv', 'kty', 'x']);
    assert.ok(!JSON.stringify(stored).includes('NOT_SENT'));
  });

  test('a used token is refused with ERR_RELAY_TOKEN_USED', async () => {
    const { token } = await harness.relay.createToken('A');
    await registerAgent(agentConfig(harness, 'agent-2'), token);
    await assert.rejects(registerAgent(agentConfig(harness, 'agent-3'), token), (error) => {
      assert.ok(isCanopyError(error, 'ERR_RELAY_TOKEN_USED'), String(error));
      assert.match((error as Error).message, /already used/);
      return true;
    });
    // A refused enrollment writes no key.
    assert.equal(existsSync(join(harness.dir, 'agent-3', KEY_FILE)), false);
  });

  test('an expired token is refused with ERR_RELAY_TOKEN_EXPIRED', async () => {
    const { token } = await harness.relay.createToken('A');
    clock = new Date(clock.getTime() + 3_600_001);
    await assert.rejects(registerAgent(agentConfig(harness, 'agent-4'), token), (error) => isCanopyError(error, 'ERR_RELAY_TOKEN_EXPIRED') && /expired/.test((error as Error).message));
  });

  test('a forged token is refused with ERR_RELAY_TOKEN_INVALID', async () => {
    const { token } = await harness.relay.createToken('A');
    const forged = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    await assert.rejects(registerAgent(agentConfig(harness, 'agent-5'), forged), (error) => isCanopyError(error, 'ERR_RELAY_TOKEN_INVALID'));
    await assert.rejects(registerAgent(agentConfig(harness, 'agent-6'), 'not-a-token'), (error) => isCanopyError(error, 'ERR_RELAY_TOKEN_INVALID'));
  });

  test('a registration carrying a private key is refused', async () => {
    const { token } = await harness.relay.createToken('A');
    const { publicKeyJwk } = await generateAgentKey();
    const answer = await httpJson(`${harness.url}/relay/v1/agents/register`, {
      body: { token, name: 'x', domains: ['corp.example.com'], publicKeyJwk: { ...publicKeyJwk, d: 'secret' } },
    });
    assert.equal(answer.status, 400);
  });

  test('tokens are created only with admin credentials, for the admin tenant', async () => {
    const anonymous = await httpJson(`${harness.url}/relay/v1/tokens`, { method: 'POST', body: {} });
    assert.equal(anonymous.status, 401);
    const created = await httpJson(`${harness.url}/relay/v1/tokens`, { method: 'POST', body: {}, headers: { authorization: 'Bearer admin-B' } });
    assert.equal(created.status, 201);
    const { token, tenantId } = created.body as { token: string; tenantId: string };
    assert.equal(tenantId, 'B');
    const identity = await registerAgent(agentConfig(harness, 'agent-b'), token);
    assert.equal(identity.tenantId, 'B');
    // Only the hash is stored.
    for (const file of ['canopy.db', 'canopy.db-wal']) {
      const path = join(harness.dir, file);
      if (existsSync(path)) assert.equal(readFileSync(path).includes(Buffer.from(token)), false, file);
    }
    const row = harness.registry.database.prepare("SELECT count(*) AS n FROM relay_tokens WHERE tenant_id = 'B'").get() as { n: number };
    assert.equal(row.n, 1);
  });
});
