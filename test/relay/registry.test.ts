/**
 * The AgentRegistry contract on both backends (SQLite file, real Postgres): what several
 * service nodes rely on when they share one registry.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { openDatabase } from '../../src/directory/sqlite/open-database.ts';
import { openPostgresDirectoryStore } from '../../src/directory/postgres/store.ts';
import { PostgresAgentRegistry } from '../../src/relay/postgres-registry.ts';
import { SqliteAgentRegistry } from '../../src/relay/sqlite-registry.ts';
import type { AgentRegistry } from '../../src/relay/registry.ts';
import { createTestDatabase } from '../support/postgres.ts';

/** Two registries on one backing store, as two nodes see it. */
type RegistryPair = { first: AgentRegistry; second: AgentRegistry; close(): Promise<void> };

const agent = (id: string) => ({ id, name: `agent ${id}`, publicKeyJwk: { kty: 'OKP', crv: 'Ed25519', x: id }, domains: ['corp.test'], registeredAt: new Date() });

function runRegistryContract(name: string, open: () => Promise<RegistryPair>): void {
  describe(`AgentRegistry contract: ${name}`, () => {
    test('the service id is one for every node; a token enrolls exactly one agent, even when two nodes race', async () => {
      const { first, second, close } = await open();
      try {
        assert.equal(await first.serviceId(), await second.serviceId());
        const now = new Date();
        const tenantId = randomUUID();
        await first.saveToken({ tokenHash: 'h1', tenantId, createdAt: now, expiresAt: new Date(now.getTime() + 60_000) });
        const results = await Promise.all([first.enroll('h1', now, agent('a1')), second.enroll('h1', now, agent('a2'))]);
        assert.deepEqual(results.map((r) => r.ok).sort(), [false, true]);
        assert.equal(results.find((r) => !r.ok && r.reason === 'used') !== undefined, true);
        assert.equal((await second.listAgents(tenantId)).length, 1);
        assert.deepEqual(await first.enroll('nope', now, agent('a3')), { ok: false, reason: 'unknown' });
        await first.saveToken({ tokenHash: 'h2', tenantId, createdAt: now, expiresAt: new Date(now.getTime() - 1) });
        assert.deepEqual(await second.enroll('h2', now, agent('a4')), { ok: false, reason: 'expired' });
        const enrolled = (await first.listAgents(tenantId))[0]!;
        assert.deepEqual((await second.getAgent(enrolled.id))?.publicKeyJwk, agent(enrolled.id).publicKeyJwk);
        assert.equal(await second.revokeAgent(enrolled.id, now, randomUUID()), false, 'another tenant cannot revoke it');
        assert.equal(await second.revokeAgent(enrolled.id, now, tenantId), true);
        assert.equal((await first.getAgent(enrolled.id))?.revokedAt?.getTime(), now.getTime());
        await first.recordConnected(enrolled.id, '1.2.3', now);
        assert.equal((await second.getAgent(enrolled.id))?.version, '1.2.3');
      } finally {
        await close();
      }
    });

    test('an assertion id is accepted once across nodes until it expires', async () => {
      const { first, second, close } = await open();
      try {
        const now = new Date();
        const expires = new Date(now.getTime() + 60_000);
        assert.equal(await first.useAssertionId('a', 'jti-1', expires, now), true);
        assert.equal(await second.useAssertionId('a', 'jti-1', expires, now), false, 'replayed on another node');
        assert.equal(await second.useAssertionId('b', 'jti-1', expires, now), true, 'per agent');
        const later = new Date(expires.getTime() + 1);
        assert.equal(await first.useAssertionId('a', 'jti-1', new Date(later.getTime() + 60_000), later), true, 'expired entries are forgotten');
      } finally {
        await close();
      }
    });
  });
}

const root = mkdtempSync(join(tmpdir(), 'canopy-registry-'));
after(() => rmSync(root, { recursive: true, force: true }));

runRegistryContract('sqlite', async () => {
  const path = join(root, randomUUID(), 'canopy.db');
  const dbs = [openDatabase(path), openDatabase(path)];
  return { first: new SqliteAgentRegistry(dbs[0]!), second: new SqliteAgentRegistry(dbs[1]!), close: async () => dbs.forEach((d) => d.close()) };
});

const db = await createTestDatabase();
if ('skip' in db) test('AgentRegistry contract: postgres', { skip: db.skip }, () => undefined);
else {
  runRegistryContract('postgres', async () => {
    const url = db.freshSchemaUrl();
    const stores = [await openPostgresDirectoryStore(url), await openPostgresDirectoryStore(url)];
    return {
      first: await PostgresAgentRegistry.open(stores[0]!.pool),
      second: await PostgresAgentRegistry.open(stores[1]!.pool),
      close: async () => { await Promise.all(stores.map((s) => s.close())); },
    };
  });
}
