/** The schema API's scoping side: filterOperators, directories, scope filters checked at PUT, and a changed schema re-reading AD on the next cycle. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { InjectOptions } from 'fastify';
import { buildApiApp } from '../../src/api/app.ts';
import { startApiFixture, tokenFor, type ApiFixture } from './support/api-fixture.ts';

describe('schema scoping API', () => {
  let f: ApiFixture;
  let app: ReturnType<typeof buildApiApp>;
  let token: string;
  let jobId: string;

  before(async () => {
    f = await startApiFixture();
    app = buildApiApp({ store: f.store, auth: f.signer });
    await app.ready();
    token = await tokenFor(app, f.a);
    jobId = (await call('POST', '/jobs', { templateId: 'AD2AADProvisioning' })).json().id;
  });
  after(async () => {
    await app.close();
    await f.close();
  });

  function call(method: InjectOptions['method'], path: string, payload?: unknown) {
    return app.inject({
      method,
      url: `/v1.0/servicePrincipals/${f.a.servicePrincipalId}/synchronization${path}`,
      headers: { authorization: `Bearer ${token}`, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
      payload: payload === undefined ? undefined : JSON.stringify(payload),
    });
  }

  const scoped = (schema: Record<string, unknown>, clauses: unknown[]) => {
    const edited = structuredClone(schema) as { synchronizationRules: { objectMappings: { sourceObjectName: string; scope?: unknown }[] }[] };
    for (const m of edited.synchronizationRules[0]!.objectMappings) if (m.sourceObjectName === 'user') m.scope = { groups: [{ name: 'Sales only', clauses }] };
    return edited;
  };

  test('GET schema/filterOperators lists filterOperatorSchema entries; GET schema/directories the schema\'s directories', async () => {
    const operators = (await call('GET', `/jobs/${jobId}/schema/filterOperators`)).json().value as { name: string; arity: string; multivaluedComparisonType: string; supportedAttributeTypes: string[] }[];
    const names = operators.map((o) => o.name);
    for (const name of ['EQUALS', 'NOT EQUALS', 'IS TRUE', 'IS FALSE', 'IS NULL', 'IS NOT NULL', 'REGEX MATCH', 'NOT REGEX MATCH', 'Greater_Than', 'Greater_Than_OR_EQUALS', 'Includes', 'ENDS_WITH']) {
      assert.ok(names.includes(name), name);
    }
    assert.deepEqual(operators.find((o) => o.name === 'IS NULL')?.arity, 'Unary');
    assert.deepEqual(operators.find((o) => o.name === 'EQUALS')?.arity, 'Binary');
    const directories = (await call('GET', `/jobs/${jobId}/schema/directories`)).json().value as { name: string; objects: { name: string }[] }[];
    assert.deepEqual(directories.map((d) => d.name), ['Active Directory', 'Azure Active Directory']);
    assert.ok(directories[0]!.objects.some((o) => o.name === 'user'));
  });

  test('a PUT with a bad scoping clause is 400 naming it and changes nothing; a good one resets the watermark, the same one again does not', async () => {
    const schema = (await call('GET', `/jobs/${jobId}/schema`)).json();
    delete schema['@odata.context'];
    await f.store.transaction((tx) => tx.setWatermark(f.a.tenantId, jobId, 'w-before'));
    const bad: [unknown[], RegExp][] = [
      [[{ sourceOperandName: 'department', operatorName: 'SOUNDS LIKE', targetOperand: { values: ['Sales'] } }], /unknown scoping operator "SOUNDS LIKE"/],
      [[{ sourceOperandName: 'departmentt', operatorName: 'EQUALS', targetOperand: { values: ['Sales'] } }], /unknown attribute departmentt/],
      [[{ sourceOperandName: 'department', operatorName: 'REGEX MATCH', targetOperand: { values: ['(['] } }], /not a regular expression/],
    ];
    for (const [clauses, message] of bad) {
      const refused = await call('PUT', `/jobs/${jobId}/schema`, scoped(schema, clauses));
      assert.equal(refused.statusCode, 400, refused.body);
      assert.match(refused.json().error.message, /^The schema was not saved: /);
      assert.match(refused.json().error.message, message);
    }
    assert.equal(await f.store.getWatermark(f.a.tenantId, jobId), 'w-before', 'a refused PUT changes nothing');
    const job = await f.store.getSynchronizationJob(f.a.tenantId, jobId);
    assert.equal(job?.schema, null, 'still the template\'s schema');

    const good = scoped(schema, [{ sourceOperandName: 'department', operatorName: 'EQUALS', targetOperand: { values: ['Sales'] } }]);
    assert.equal((await call('PUT', `/jobs/${jobId}/schema`, good)).statusCode, 204);
    assert.equal(await f.store.getWatermark(f.a.tenantId, jobId) || undefined, undefined, 'the next cycle reads AD whole and re-evaluates every object');
    const stored = (await call('GET', `/jobs/${jobId}/schema`)).json();
    assert.deepEqual(stored.synchronizationRules[0].objectMappings.find((m: { sourceObjectName: string }) => m.sourceObjectName === 'user').scope.groups[0].clauses[0].operatorName, 'EQUALS');

    await f.store.transaction((tx) => tx.setWatermark(f.a.tenantId, jobId, 'w-after'));
    assert.equal((await call('PUT', `/jobs/${jobId}/schema`, good)).statusCode, 204);
    assert.equal(await f.store.getWatermark(f.a.tenantId, jobId), 'w-after', 'the same schema again: nothing to re-evaluate');
    assert.equal((await call('DELETE', `/jobs/${jobId}/schema`)).statusCode, 204);
    assert.equal(await f.store.getWatermark(f.a.tenantId, jobId) || undefined, undefined, 'back to the template: re-evaluated too');
  });
});
