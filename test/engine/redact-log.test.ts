/** Redact(): the value flows to the cloud object, and the provisioning log shows "[Redact]" instead, on create and on update. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { iteratePages } from '../../src/directory/store.ts';
import type { ProvisioningObjectSummary } from '../../src/directory/types.ts';
import { runCycle } from '../../src/engine/cycle.ts';
import { immutableIdOf } from '../../src/engine/source-attributes.ts';
import { parseExpression, toGraphSource } from '../../src/expressions/index.ts';
import { ReplaySource, guid, openHarness, upsert, user } from './support.ts';

test('a mapping through Redact() writes the value and logs "[Redact]"', async () => {
  const h = await openHarness();
  try {
    const rule = h.job.schema.synchronizationRules[0]!;
    const objectMappings = rule.objectMappings.map((m) => (m.sourceObjectName !== 'user' ? m : {
      ...m,
      attributeMappings: m.attributeMappings.map((a) => (a.targetAttributeName !== 'employeeId' ? a : { ...a, source: toGraphSource(parseExpression('Redact([employeeID])')) })),
    }));
    const job = { ...h.job, schema: { ...h.job.schema, synchronizationRules: [{ ...rule, objectMappings }] } };
    const source = new ReplaySource()
      .push([upsert(user(1, { employeeID: 'SECRET-1' }))])
      .push([{ kind: 'upsert', object: { ...user(1), attributes: { employeeID: ['SECRET-2'] } }, complete: false }]);
    const cycles = [await runCycle({ job, source, store: h.store }), await runCycle({ job, source, store: h.store })];
    const cloud = await h.store.directory.findUser(h.tenantId, { onPremisesImmutableId: immutableIdOf(guid(1)) });
    assert.equal(cloud?.employeeId, 'SECRET-2', 'the value itself flows');
    const logs: ProvisioningObjectSummary[] = [];
    for await (const l of iteratePages((cursor) => h.store.directory.listProvisioningLogs(h.tenantId, { limit: 100, jobId: job.jobId, ...(cursor ? { cursor } : {}) }))) logs.push(l);
    assert.equal(logs.length, 2);
    for (const cycle of cycles) {
      const entry = logs.find((l) => l.cycleId === cycle.cycleId)!;
      const employeeId = entry.modifiedProperties.find((p) => p.displayName === 'employeeId');
      assert.ok(employeeId, `cycle ${cycle.mode} logs the change`);
      assert.equal(employeeId.newValue, '[Redact]');
      assert.ok(employeeId.oldValue === null || employeeId.oldValue === '[Redact]');
      assert.ok(!JSON.stringify(entry).includes('SECRET'), 'the value appears nowhere in the entry');
    }
  } finally {
    await h.close();
  }
});
