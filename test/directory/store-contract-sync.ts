/** Contract: synchronization jobs, secrets, watermarks, escrows and provisioning logs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { iteratePages } from '../../src/directory/store.ts';
import type { ProvisioningObjectSummary, SynchronizationJob } from '../../src/directory/types.ts';
import { withTenants, type StoreFactory } from './store-contract-support.ts';

function job(tenantId: string, id: string): SynchronizationJob {
  return {
    tenantId,
    id,
    templateId: 'AD2AADProvisioning',
    servicePrincipalId: 'sp-1',
    schedule: { expiration: null, interval: 'PT2M', state: 'Active' },
    status: { code: 'NotRun', countSuccessiveCompleteFailures: 0, synchronizedEntryCountByType: [{ key: 'user to User', value: 0 }] },
    synchronizationJobSettings: [{ name: 'DomainFQDN', value: 'corp.test' }],
    schema: null,
    createdDateTime: new Date().toISOString(),
  };
}

function logEntry(tenantId: string, n: number, jobId: string, cycleId: string): ProvisioningObjectSummary {
  return {
    id: randomUUID(),
    activityDateTime: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
    changeId: randomUUID(),
    cycleId,
    jobId,
    tenantId,
    durationInMilliseconds: n,
    provisioningAction: 'create',
    initiatedBy: { id: '', displayName: 'Azure AD Provisioning Service', initiatorType: 'system' },
    modifiedProperties: [{ displayName: 'displayName', oldValue: null, newValue: `User ${n}` }],
    provisioningSteps: [{ name: 'EntryImport', provisioningStepType: 'import', status: 'success', description: 'imported', details: {} }],
    sourceIdentity: { id: `source-${n % 3}`, displayName: `User ${n}`, identityType: 'user', details: {} },
    targetIdentity: { id: null, displayName: null, identityType: 'User', details: {} },
    sourceSystem: { displayName: 'Active Directory' },
    targetSystem: { displayName: 'Canopy' },
    provisioningStatusInfo: { status: 'success', errorInformation: null },
  };
}

export function runSyncStateContract(makeStore: StoreFactory): void {
  test('synchronization jobs: put, replace, list by service principal and across tenants, delete with state', () => withTenants(makeStore, async (store, a, b) => {
    const id = 'AD2AADProvisioning.fd1c9b9e8077402c8bc03a7186c8f976';
    await store.transaction(async (tx) => {
      await tx.putSynchronizationJob(job(a, id));
      await tx.putSynchronizationJob({ ...job(b, 'AD2AADProvisioning.other'), servicePrincipalId: 'sp-2' });
      await tx.setWatermark(a, id, 'dirsync-cookie-1');
      await tx.putEscrows(a, id, [{ sourceId: 'x', objectType: 'user', error: { code: 'E' } }]);
    });
    const stored = await store.getSynchronizationJob(a, id);
    assert.deepEqual(stored, { ...job(a, id), createdDateTime: stored!.createdDateTime });
    assert.equal(await store.getSynchronizationJob(b, id), undefined);
    await store.transaction((tx) => tx.putSynchronizationJob({ ...stored!, schedule: { ...stored!.schedule, state: 'Paused' }, schema: { version: '1' } }));
    const replaced = await store.getSynchronizationJob(a, id);
    assert.equal(replaced?.schedule.state, 'Paused');
    assert.deepEqual(replaced?.schema, { version: '1' });
    assert.equal(replaced?.createdDateTime, stored!.createdDateTime);
    assert.equal((await store.listSynchronizationJobs(a, 'sp-1')).length, 1);
    assert.equal((await store.listSynchronizationJobs(a, 'sp-2')).length, 0);
    assert.equal((await store.listSynchronizationJobs(b)).length, 1);
    assert.equal((await store.listAllSynchronizationJobs()).length, 2);
    assert.equal(await store.transaction((tx) => tx.deleteSynchronizationJob(a, id)), true);
    assert.equal(await store.getWatermark(a, id), undefined);
    assert.equal(await store.countEscrows(a, id), 0);
    assert.equal(await store.transaction((tx) => tx.deleteSynchronizationJob(a, id)), false);
  }));

  test('synchronization secrets are upserted by key per service principal', () => withTenants(makeStore, async (store, a, b) => {
    await store.transaction((tx) => tx.putSynchronizationSecrets(a, 'sp-1', [{ key: 'Domain', value: '{"domain":"corp.test"}' }, { key: 'SyncNotificationSettings', value: '{}' }]));
    await store.transaction((tx) => tx.putSynchronizationSecrets(a, 'sp-1', [{ key: 'Domain', value: '{"domain":"other.test"}' }]));
    assert.deepEqual(await store.getSynchronizationSecrets(a, 'sp-1'), [
      { key: 'Domain', value: '{"domain":"other.test"}' },
      { key: 'SyncNotificationSettings', value: '{}' },
    ]);
    assert.deepEqual(await store.getSynchronizationSecrets(b, 'sp-1'), []);
  }));

  test('watermarks move with the transaction that carries the writes, and can be cleared', () => withTenants(makeStore, async (store, a, b) => {
    await store.transaction(async (tx) => {
      await tx.createUsers(a, [{ userPrincipalName: 'w@corp.test' }]);
      await tx.setWatermark(a, 'job', 'page-1');
    });
    assert.equal(await store.getWatermark(a, 'job'), 'page-1');
    assert.equal(await store.getWatermark(b, 'job'), undefined);
    await assert.rejects(store.transaction(async (tx) => {
      await tx.setWatermark(a, 'job', 'page-2');
      await tx.createUsers(a, [{ userPrincipalName: 'w@corp.test' }]);
    }));
    assert.equal(await store.getWatermark(a, 'job'), 'page-1', 'a failed batch keeps the old watermark');
    await store.transaction((tx) => tx.setWatermark(a, 'job', null));
    assert.equal(await store.getWatermark(a, 'job'), undefined);
  }));

  test('escrows count attempts, page, and are removed by id or all at once', () => withTenants(makeStore, async (store, a) => {
    const entries = Array.from({ length: 5 }, (_, i) => ({ sourceId: `CN=U${i}`, objectType: 'user', error: { code: 'AttributeValueMustBeUnique' } }));
    await store.transaction((tx) => tx.putEscrows(a, 'job', entries));
    await store.transaction((tx) => tx.putEscrows(a, 'job', entries.slice(0, 1)));
    const listed = [];
    for await (const e of iteratePages((cursor) => store.listEscrows(a, 'job', { limit: 2, cursor }))) listed.push(e);
    assert.equal(listed.length, 5);
    assert.equal(listed.find((e) => e.sourceId === 'CN=U0')?.attempts, 2);
    assert.deepEqual(listed.find((e) => e.sourceId === 'CN=U1')?.error, { code: 'AttributeValueMustBeUnique' });
    assert.equal(await store.transaction((tx) => tx.removeEscrows(a, 'job', ['CN=U0', 'CN=U1'])), 2);
    assert.equal(await store.countEscrows(a, 'job'), 3);
    assert.equal(await store.transaction((tx) => tx.removeEscrows(a, 'job', 'all')), 3);
  }));

  test('provisioning logs: newest first, filtered by job, cycle and source, paged, purged by age', () => withTenants(makeStore, async (store, a, b) => {
    const entries = Array.from({ length: 12 }, (_, n) => logEntry(a, n, n < 8 ? 'job-1' : 'job-2', n < 4 ? 'cycle-1' : 'cycle-2'));
    await store.transaction((tx) => tx.appendProvisioningLogs(a, entries));
    const all = [];
    for await (const e of iteratePages((cursor) => store.listProvisioningLogs(a, { limit: 5, cursor }))) all.push(e);
    assert.deepEqual(all.map((e) => e.durationInMilliseconds), [11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    assert.deepEqual(all[0], entries[11]);
    assert.equal((await store.listProvisioningLogs(a, { limit: 100, jobId: 'job-2' })).items.length, 4);
    assert.equal((await store.listProvisioningLogs(a, { limit: 100, jobId: 'job-1', cycleId: 'cycle-2' })).items.length, 4);
    assert.equal((await store.listProvisioningLogs(a, { limit: 100, sourceId: 'source-0' })).items.length, 4);
    assert.equal((await store.listProvisioningLogs(b, { limit: 100 })).items.length, 0);
    assert.equal(await store.transaction((tx) => tx.purgeProvisioningLogs(a, entries[6]!.activityDateTime)), 6);
    assert.equal((await store.listProvisioningLogs(a, { limit: 100 })).items.length, 6);
  }));
}
