/**
 * The API over a real HTTPS socket with a test CA, driven by Microsoft's own Graph SDK
 * (@microsoft/microsoft-graph-client) in a child process that trusts only that CA.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ON_PREMISES_MASTERED_MESSAGE } from '../../src/api/errors.ts';
import { seedUsers, startApiFixture, type ApiFixture } from './support/api-fixture.ts';
import { makeTestCertificates, type TestCertificates } from './support/test-ca.ts';

const run = promisify(execFile);
const USERS = 123;

describe('Graph SDK over HTTPS', () => {
  let f: ApiFixture;
  let certDir: string;
  let certs: TestCertificates;
  let apiUrl: string;
  let groupId: string;

  before(async () => {
    certDir = mkdtempSync(join(tmpdir(), 'canopy-ca-'));
    certs = makeTestCertificates(certDir);
    f = await startApiFixture({ https: { key: certs.key, cert: certs.cert } } as never);
    const users = await seedUsers(f.store, f.a.tenantId, USERS);
    await seedUsers(f.store, f.b.tenantId, 3, 500);
    groupId = await f.store.transaction(async (tx) => {
      const [group, nested] = await tx.createGroups(f.a.tenantId, [{ displayName: 'Big' }, { displayName: 'Nested' }]);
      await tx.addMembers(f.a.tenantId, [
        ...users.slice(0, 40).map((u) => ({ groupId: group!.id, memberId: u.id, memberType: 'user' as const })),
        { groupId: group!.id, memberId: nested!.id, memberType: 'group' as const },
      ]);
      return group!.id;
    });
    const address = await f.app.listen({ host: '127.0.0.1', port: 0 });
    apiUrl = address.replace('https://127.0.0.1', 'https://localhost');
  });
  after(async () => {
    await f.close();
    rmSync(certDir, { recursive: true, force: true });
  });

  test('the socket is real TLS: a client without the test CA is refused', async () => {
    await assert.rejects(fetch(`${apiUrl}/v1.0/users`), (error: Error) => /certificate|self[- ]signed|fetch failed/i.test(`${error.message} ${String(error.cause)}`));
  });

  test('the SDK gets a token, pages through users, counts, filters, reads members, gets the on-prem error, creates and starts the job', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'support/graph-client-script.ts')], {
      env: {
        ...process.env,
        NODE_EXTRA_CA_CERTS: certs.caFile,
        CANOPY_API_URL: apiUrl,
        CANOPY_TENANT_ID: f.a.tenantId,
        CANOPY_CLIENT_ID: f.a.clientId,
        CANOPY_CLIENT_SECRET: f.a.clientSecret,
        CANOPY_GROUP_ID: groupId,
      },
      timeout: 60_000,
    });
    const seen = JSON.parse(stdout.trim().split('\n').pop()!);
    assert.equal(seen.firstPageSize, 5);
    assert.match(seen.firstNextLink, new RegExp(`^${apiUrl.replace(/[.]/g, '\\.')}/v1\\.0/users\\?\\$top=5&\\$skiptoken=`));
    assert.equal(seen.ids.length, USERS, 'every user of tenant A, none of B');
    assert.equal(new Set(seen.ids).size, USERS);
    assert.equal(seen.skipTokenRequests.length, Math.ceil(USERS / 5) - 1);
    assert.equal(seen.count, USERS);
    assert.equal(seen.filtered.length, 10);
    assert.ok(seen.filtered.every((u: { displayName: string; onPremisesImmutableId: string }) => u.displayName.startsWith('User 001') && u.onPremisesImmutableId));
    assert.equal(seen.memberTypes.length, 41);
    assert.equal(seen.memberTypes.filter((t: string) => t === '#microsoft.graph.group').length, 1);
    assert.equal(seen.patchError.statusCode, 400);
    assert.equal(seen.patchError.code, 'Request_BadRequest');
    assert.equal(seen.patchError.message, ON_PREMISES_MASTERED_MESSAGE);
    assert.ok(seen.tokenRequests >= 1);
    assert.equal(seen.job.servicePrincipalId, f.a.servicePrincipalId);
    assert.deepEqual(seen.job.schedule, { expiration: null, interval: 'PT2M', state: 'Active' });
    assert.equal(seen.job.code, 'Active');
    assert.equal((await f.store.getSynchronizationJob(f.a.tenantId, seen.job.id))?.schedule.state, 'Active');
  });
});
