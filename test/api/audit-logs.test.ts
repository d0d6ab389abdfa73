/** GET /v1.0/auditLogs/provisioning: filters on jobId, cycleId, sourceIdentity/id; paging; tenant scope. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { ProvisioningObjectSummary } from '../../src/directory/types.ts';
import { startApiFixture, tokenFor, type ApiFixture } from './support/api-fixture.ts';

function entry(tenantId: string, n: number): ProvisioningObjectSummary {
  return {
    id: randomUUID(), activityDateTime: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(), changeId: randomUUID(),
    cycleId: n < 6 ? 'cycle-1' : 'cycle-2', jobId: 'AD2AADProvisioning.job', tenantId, durationInMilliseconds: n,
    provisioningAction: 'create', initiatedBy: null, modifiedProperties: [], provisioningSteps: [],
    sourceIdentity: { id: n % 2 === 0 ? 'guid-even' : "guid-o'dd", displayName: `User ${n}`, identityType: 'user', details: {} },
    targetIdentity: { id: null, displayName: null, identityType: 'User', details: {} },
    sourceSystem: null, targetSystem: null, provisioningStatusInfo: { status: 'success', errorInformation: null },
  };
}

describe('Graph provisioning logs API', () => {
  let f: ApiFixture;
  let token: string;
  before(async () => {
    f = await startApiFixture();
    token = await tokenFor(f.app, f.a);
    await f.store.transaction(async (tx) => {
      await tx.appendProvisioningLogs(f.a.tenantId, Array.from({ length: 10 }, (_, n) => entry(f.a.tenantId, n)));
      await tx.appendProvisioningLogs(f.b.tenantId, [entry(f.b.tenantId, 99)]);
    });
  });
  after(() => f.close());

  const get = (query: string) => f.app.inject({ method: 'GET', url: `/v1.0/auditLogs/provisioning${query}`, headers: { authorization: `Bearer ${token}` } });
  const durations = async (query: string) => (await get(query)).json().value.map((e: { durationInMilliseconds: number }) => e.durationInMilliseconds);

  test('newest first, paged with nextLink, only the caller tenant', async () => {
    const first = (await get('?$top=4')).json();
    assert.deepEqual(first.value.map((e: { durationInMilliseconds: number }) => e.durationInMilliseconds), [9, 8, 7, 6]);
    const second = (await get(first['@odata.nextLink'].replace(/^http:\/\/[^/]+\/v1\.0\/auditLogs\/provisioning/, ''))).json();
    assert.deepEqual(second.value.map((e: { durationInMilliseconds: number }) => e.durationInMilliseconds), [5, 4, 3, 2]);
    assert.equal((await durations('?$top=999')).length, 10);
  });

  test('filters on jobId, cycleId and sourceIdentity/id, joined by and', async () => {
    const q = (filter: string) => `?$filter=${encodeURIComponent(filter)}`;
    assert.deepEqual(await durations(q("cycleId eq 'cycle-1' and sourceIdentity/id eq 'guid-even'")), [4, 2, 0]);
    assert.deepEqual(await durations(q("sourceIdentity/id eq 'guid-o''dd' and jobId eq 'AD2AADProvisioning.job'")), [9, 7, 5, 3, 1]);
    assert.deepEqual(await durations(q("jobId eq 'other'")), []);
    assert.equal((await get(q("cycleId eq 'a' or jobId eq 'b'"))).json().error.code, 'Request_UnsupportedQuery');
    assert.equal((await get(q('cycleId eq'))).json().error.code, 'BadRequest');
  });
});
