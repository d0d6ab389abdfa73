/**
 * Attribute scoping in cycles, with a replayed source: department EQUALS "Sales" on the user
 * mapping. Objects leave the scope through the normal delete path (logged, held back by the
 * delete policy when it says so); objects entering it are read whole and created.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { iteratePages } from '../../src/directory/store.ts';
import type { ProvisioningObjectSummary } from '../../src/directory/types.ts';
import { runCycle } from '../../src/engine/cycle.ts';
import { immutableIdOf } from '../../src/engine/source-attributes.ts';
import { ReplaySource, guid, openHarness, upsert, user, type Harness } from './support.ts';

function salesOnly(h: Harness): Harness['job'] {
  const rule = h.job.schema.synchronizationRules[0]!;
  const objectMappings = rule.objectMappings.map((m) => (m.sourceObjectName !== 'user' ? m : {
    ...m,
    scope: { groups: [{ name: 'Sales only', clauses: [{ sourceOperandName: 'department', operatorName: 'EQUALS', targetOperand: { values: ['Sales'] } }] }] },
  }));
  return { ...h.job, schema: { ...h.job.schema, synchronizationRules: [{ ...rule, objectMappings }] } };
}

async function logsOf(h: Harness, cycleId: string): Promise<ProvisioningObjectSummary[]> {
  const all: ProvisioningObjectSummary[] = [];
  for await (const l of iteratePages((cursor) => h.store.directory.listProvisioningLogs(h.tenantId, { limit: 1000, cycleId, ...(cursor ? { cursor } : {}) }))) all.push(l);
  return all;
}

const cloudUser = (h: Harness, n: number) => h.store.directory.findUser(h.tenantId, { onPremisesImmutableId: immutableIdOf(guid(n)) });

test('department EQUALS "Sales": in-scope users sync, others are skipped; leaving the scope deletes, entering it creates', async () => {
  const h = await openHarness();
  try {
    const job = salesOnly(h);
    const ann = user(1, { department: 'Sales' });
    const bob = user(2, { department: 'Engineering' });
    const cleo = user(3, { department: 'Sales' });
    const source = new ReplaySource().push([upsert(ann), upsert(bob), upsert(cleo)]);
    const first = await runCycle({ job, source, store: h.store });
    assert.deepEqual(first.synchronizedEntryCountByType[0], { key: 'user to User', value: 2 });
    assert.ok(await cloudUser(h, 1));
    assert.equal(await cloudUser(h, 2), undefined);
    const skipped = (await logsOf(h, first.cycleId)).find((l) => l.sourceIdentity.id === bob.objectGuid)!;
    const scoping = skipped.provisioningSteps.find((s) => s.provisioningStepType === 'scoping')!;
    assert.equal(scoping.status, 'skipped');
    assert.match(scoping.description, /"Sales only": department EQUALS "Sales" is false/);

    // Ann moves to Engineering (a partial change), Bob to Sales (partial: read whole, then created).
    const bobInSales = user(2, { department: 'Sales' });
    source.objects.set(bob.objectGuid, bobInSales);
    source.push([
      { kind: 'upsert', object: { ...ann, attributes: { department: ['Engineering'] } }, complete: false },
      { kind: 'upsert', object: { ...bob, attributes: { department: ['Sales'] } }, complete: false },
      // A partial change that does not carry department keeps Cleo in scope.
      { kind: 'upsert', object: { ...cleo, attributes: { title: ['Lead'] } }, complete: false },
    ]);
    const second = await runCycle({ job, source, store: h.store });
    assert.equal(second.execution.countEscrowed, 0);
    assert.equal((await cloudUser(h, 1))?.deletedDateTime !== null, true, 'Ann left the scope: deleted (to deleted items)');
    assert.ok((await cloudUser(h, 2))?.deletedDateTime === null, 'Bob entered the scope: created');
    assert.equal((await cloudUser(h, 3))?.jobTitle, 'Lead');
    const secondLogs = await logsOf(h, second.cycleId);
    assert.equal(secondLogs.find((l) => l.sourceIdentity.id === ann.objectGuid)?.provisioningAction, 'delete');
    assert.equal(secondLogs.find((l) => l.sourceIdentity.id === bob.objectGuid)?.provisioningAction, 'create');

    // The delete threshold's policy holds a leaving object back (stagedDelete), as for a tombstone.
    source.push([{ kind: 'upsert', object: { ...cleo, attributes: { department: ['Legal'] } }, complete: false }]);
    const third = await runCycle({ job, source, store: h.store, deletePolicy: { admit: () => 'stage' } });
    assert.equal((await cloudUser(h, 3))?.deletedDateTime, null, 'staged, not deleted');
    assert.equal((await logsOf(h, third.cycleId)).find((l) => l.sourceIdentity.id === cleo.objectGuid)?.provisioningAction, 'stagedDelete');
  } finally {
    await h.close();
  }
});
